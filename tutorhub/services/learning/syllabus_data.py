"""The shipped syllabus catalogue, as compact text (parsed by syllabus.py).

Each ladder is an ordered list of topics for one subject at one level (or one exam board's course):
`title | typical minutes | prerequisite titles (;) | common mistakes (;)`. Order already respects
the prerequisites. Levels: `foundation` (primary, middle), `core` (high, senior), `advanced`
(university, adult); exam boards are keyed `<board>-<class>` (cbse-10, cbse-12, icse-10, isc-12).
"""

from __future__ import annotations

LADDERS: dict[tuple[str, str], str] = {
    ("mathematics", "foundation"): """
Whole numbers and place value|60||misreading place value;carrying errors
Fractions and decimals|90|Whole numbers and place value|adding denominators;misplacing the decimal point
Ratio and percentage|90|Fractions and decimals|percent of the wrong base
Introduction to algebra|90|Ratio and percentage|treating x as a digit;sign errors
Geometry: angles and shapes|90||confusing area and perimeter
Data handling and graphs|60||wrong scale on axes
""",
    ("mathematics", "core"): """
Number systems|60||confusing rational and irrational numbers
Polynomials|90|Number systems|sign errors when expanding;dropping terms
Linear equations in two variables|90|Polynomials|sign errors when moving terms
Quadratic equations|120|Polynomials|forgetting the negative root;wrong discriminant sign
Trigonometry|120|Linear equations in two variables|mixing up sin and cos;degrees vs radians
Coordinate geometry|90|Linear equations in two variables|swapping x and y in the slope formula
Statistics and probability|90||mean vs median confusion;probabilities above 1
Calculus basics: limits and derivatives|150|Quadratic equations;Coordinate geometry|chain rule omitted;dividing by zero in limits
""",
    ("mathematics", "advanced"): """
Functions and limits|120||domain errors
Differential calculus|150|Functions and limits|chain rule omitted
Integral calculus|150|Differential calculus|forgetting the constant of integration
Linear algebra: matrices|120||multiplying matrices element-wise
Probability and distributions|120||independence assumed without reason
Proof techniques|90||circular reasoning
""",
    ("mathematics", "cbse-10"): """
Real numbers|60||HCF and LCM confused
Polynomials|90|Real numbers|zeroes vs coefficients relation
Pair of linear equations in two variables|120|Polynomials|sign errors in elimination
Quadratic equations|120|Polynomials|forgetting the negative root;wrong discriminant sign
Arithmetic progressions|90||nth term off by one
Triangles|90||similarity criteria misapplied
Coordinate geometry|90|Pair of linear equations in two variables|section formula ratio reversed
Introduction to trigonometry|120|Triangles|mixing up sin and cos
Applications of trigonometry|90|Introduction to trigonometry|angle of elevation vs depression
Circles|60|Triangles|tangent not perpendicular to radius
Areas related to circles|60|Circles|sector vs segment area
Surface areas and volumes|90||curved vs total surface area
Statistics|90||mode formula class boundaries
Probability|60||probabilities above 1
""",
    ("mathematics", "cbse-12"): """
Relations and functions|90||one-one vs onto confused
Inverse trigonometric functions|90|Relations and functions|principal value range
Matrices|90||multiplying matrices element-wise
Determinants|90|Matrices|sign pattern of cofactors
Continuity and differentiability|120|Relations and functions|chain rule omitted
Applications of derivatives|120|Continuity and differentiability|second derivative test misread
Integrals|150|Continuity and differentiability|forgetting the constant of integration
Applications of integrals|90|Integrals|area below the axis counted negative
Differential equations|120|Integrals|order vs degree confused
Vectors|90||dot vs cross product
Three-dimensional geometry|90|Vectors|direction ratios vs cosines
Linear programming|60||corner points missed
Probability|90||conditional probability reversed
""",
    ("mathematics", "icse-10"): """
GST and banking|60||tax on the wrong base
Linear inequations|60||not flipping the sign when multiplying by a negative
Quadratic equations|120||forgetting the negative root
Ratio and proportion|60||componendo-dividendo misapplied
Matrices|90||multiplying matrices element-wise
Arithmetic and geometric progressions|90||common ratio vs difference
Coordinate geometry|90|Linear inequations|slope sign errors
Similarity|90||corresponding sides misaligned
Circles|90|Similarity|tangent-secant theorem misapplied
Mensuration|90||units not converted
Trigonometry|120||mixing up sin and cos
Statistics|90||ogive axes swapped
Probability|60||probabilities above 1
""",
    ("mathematics", "isc-12"): """
Relations and functions|90||one-one vs onto confused
Matrices and determinants|120||sign pattern of cofactors
Calculus: differentiation|150|Relations and functions|chain rule omitted
Calculus: integration|150|Calculus: differentiation|forgetting the constant of integration
Differential equations|120|Calculus: integration|order vs degree confused
Probability|90||conditional probability reversed
Vectors and three-dimensional geometry|120||dot vs cross product
Linear regression|60||regression lines swapped
""",
    ("physics", "foundation"): """
Measurement and units|60||unit conversion slips
Motion and speed|60|Measurement and units|speed vs velocity
Force and pressure|60|Motion and speed|weight vs mass
Light and shadows|60||angle of incidence measured from the surface
Electricity basics|60||open vs closed circuit
""",
    ("physics", "core"): """
Units and measurement|60||significant figures ignored
Kinematics|120|Units and measurement|sign of acceleration;mixing displacement and distance
Laws of motion|120|Kinematics|free-body diagram forces missing
Work, energy and power|90|Laws of motion|work done by friction sign
Gravitation|90|Laws of motion|g vs G confused
Electricity|120||series vs parallel resistance
Magnetic effects of current|90|Electricity|right-hand rule reversed
Light: reflection and refraction|120||sign convention for mirrors and lenses
Waves and sound|90||frequency vs wavelength
""",
    ("physics", "advanced"): """
Classical mechanics|150||non-inertial frames ignored
Oscillations and waves|120|Classical mechanics|phase errors
Electromagnetism|150||sign of charge in Gauss's law
Thermodynamics|120||heat vs temperature
Modern physics|120|Electromagnetism|photon energy units
""",
    ("physics", "cbse-12"): """
Electric charges and fields|120||vector addition of fields
Electrostatic potential and capacitance|120|Electric charges and fields|potential vs potential energy
Current electricity|120||Kirchhoff sign conventions
Moving charges and magnetism|120|Current electricity|right-hand rule reversed
Electromagnetic induction|90|Moving charges and magnetism|Lenz's law direction
Alternating current|90|Electromagnetic induction|rms vs peak values
Ray optics|120||sign convention for lenses
Wave optics|90|Ray optics|path difference vs phase difference
Dual nature of radiation and matter|60||work function units
Atoms and nuclei|90||binding energy per nucleon
Semiconductor electronics|90||forward vs reverse bias
""",
    ("physics", "isc-12"): """
Electrostatics|120||vector addition of fields
Current electricity|120|Electrostatics|Kirchhoff sign conventions
Magnetism and electromagnetic induction|150|Current electricity|Lenz's law direction
Optics|150||sign convention for lenses
Modern physics|120||photon energy units
Electronics|90||forward vs reverse bias
""",
    ("chemistry", "foundation"): """
Matter and its states|60||melting vs dissolving
Elements, compounds and mixtures|60|Matter and its states|mixture vs compound
Acids, bases and salts|60||pH scale reversed
Chemical changes|60||physical vs chemical change
""",
    ("chemistry", "core"): """
Atomic structure|90||electron configuration order
Periodic table and periodicity|90|Atomic structure|trends across vs down
Chemical bonding|120|Periodic table and periodicity|ionic vs covalent
Mole concept and stoichiometry|120||molar mass units;limiting reagent ignored
Chemical reactions and equations|90|Mole concept and stoichiometry|unbalanced equations
Acids, bases and salts|90||pH scale reversed
Metals and non-metals|60|Periodic table and periodicity|reactivity series order
Carbon and its compounds|120|Chemical bonding|IUPAC naming errors
""",
    ("chemistry", "advanced"): """
Thermochemistry|120||sign of enthalpy change
Chemical kinetics|120||rate vs rate constant
Chemical equilibrium|120|Thermochemistry|Le Chatelier direction
Organic reaction mechanisms|150||arrow pushing direction
Spectroscopy|90|Organic reaction mechanisms|peak assignment
""",
    ("chemistry", "cbse-12"): """
Solutions|90||molarity vs molality
Electrochemistry|120|Solutions|cell notation order
Chemical kinetics|120||rate vs rate constant
d- and f-block elements|90||oxidation states
Coordination compounds|120|d- and f-block elements|IUPAC naming errors
Haloalkanes and haloarenes|90||SN1 vs SN2
Alcohols, phenols and ethers|90|Haloalkanes and haloarenes|acidity order
Aldehydes, ketones and carboxylic acids|120|Alcohols, phenols and ethers|nucleophilic addition steps
Amines|90||basicity order
Biomolecules|60||reducing vs non-reducing sugars
""",
    ("chemistry", "isc-12"): """
Solutions and electrochemistry|150||cell notation order
Chemical kinetics|120||rate vs rate constant
Coordination compounds|120||IUPAC naming errors
Organic chemistry: functional groups|150||reaction conditions missed
Biomolecules|60||reducing vs non-reducing sugars
""",
    ("biology", "foundation"): """
Living and non-living things|45||growth vs movement as the test of life
Plants: parts and functions|60||root vs stem functions
The human body|60||organ vs system
Habitats and food chains|60||arrow direction in food chains
""",
    ("biology", "core"): """
Cell structure and function|90||plant vs animal cell organelles
Tissues|60|Cell structure and function|tissue types confused
Life processes|120|Tissues|aerobic vs anaerobic respiration
Control and coordination|90|Life processes|reflex arc order
Reproduction|120||mitosis vs meiosis
Heredity and evolution|120|Reproduction|dominant vs recessive
Our environment|60||trophic levels
""",
    ("biology", "advanced"): """
Molecular biology|150||transcription vs translation
Genetics|120|Molecular biology|Punnett square set-up
Physiology|150||negative feedback reversed
Ecology|90||energy flow vs nutrient cycling
""",
    ("biology", "cbse-12"): """
Reproduction in organisms and plants|120||pollination vs fertilisation
Human reproduction and reproductive health|120||hormone roles confused
Principles of inheritance and variation|150||dominant vs recessive
Molecular basis of inheritance|150|Principles of inheritance and variation|transcription vs translation
Evolution|90||natural selection described as intent
Human health and disease|90||innate vs acquired immunity
Biotechnology: principles and applications|120|Molecular basis of inheritance|restriction enzyme roles
Ecology and environment|90||energy flow vs nutrient cycling
""",
    ("science", "cbse-10"): """
Chemical reactions and equations|90||unbalanced equations
Acids, bases and salts|90|Chemical reactions and equations|pH scale reversed
Metals and non-metals|90||reactivity series order
Carbon and its compounds|120||IUPAC naming errors
Life processes|120||aerobic vs anaerobic respiration
Control and coordination|90|Life processes|reflex arc order
How do organisms reproduce|90||mitosis vs meiosis
Heredity|90|How do organisms reproduce|dominant vs recessive
Light: reflection and refraction|120||sign convention for mirrors and lenses
Human eye and the colourful world|60|Light: reflection and refraction|myopia vs hypermetropia
Electricity|120||series vs parallel resistance
Magnetic effects of electric current|90|Electricity|right-hand rule reversed
Our environment|60||trophic levels
""",
    ("science", "icse-10"): """
Physics: force, work, power and energy|120||work done by friction sign
Physics: light and sound|120||sign convention for lenses
Physics: electricity and magnetism|120||series vs parallel resistance
Chemistry: periodic properties and bonding|120||trends across vs down
Chemistry: acids, bases, salts and analysis|90||pH scale reversed
Chemistry: mole concept and organic chemistry|120|Chemistry: periodic properties and bonding|limiting reagent ignored
Biology: cell cycle and genetics|120||mitosis vs meiosis
Biology: plant and human physiology|120||transpiration vs translocation
""",
    ("english", "foundation"): """
Phonics and spelling patterns|60||silent letters dropped
Sentences and punctuation|60|Phonics and spelling patterns|run-on sentences
Reading comprehension|60||answers not supported by the text
Creative writing: stories|60|Sentences and punctuation|no clear beginning, middle and end
""",
    ("english", "core"): """
Grammar: tenses and agreement|90||subject-verb agreement
Reading comprehension and inference|90||answers not supported by the text
Formal letters and emails|60|Grammar: tenses and agreement|wrong register
Essay writing|120|Grammar: tenses and agreement|no thesis statement;paragraphs without topic sentences
Literature: prose and poetry analysis|120|Reading comprehension and inference|retelling instead of analysing
""",
    ("english", "advanced"): """
Academic writing|120||unsupported claims
Argument and rhetoric|90|Academic writing|straw-man arguments
Business communication|90||wrong register
Speaking and presentations|90||no structure signposting
""",
}

# Subjects taught mostly as languages, skills or humanities share ladder shapes; each gets its
# own topic names (so a plan reads as that subject) from these short lists.
GENERIC_LADDERS: dict[str, dict[str, list[str]]] = {
    "hindi": {"foundation": ["Varnamala and matras", "Simple sentences", "Reading short stories", "Writing a paragraph"],
              "core": ["Vyakaran: sandhi and samas", "Apathit gadyansh", "Patra lekhan", "Nibandh lekhan", "Kavya and gadya path"],
              "advanced": ["Advanced grammar", "Literature analysis", "Formal writing", "Speaking practice"]},
    "spanish": {"foundation": ["Greetings and numbers", "Present tense of regular verbs", "Everyday vocabulary", "Simple questions"],
                "core": ["Present and past tenses", "Ser vs estar", "Reading comprehension", "Writing short texts", "Listening practice"],
                "advanced": ["Subjunctive mood", "Conversation and debate", "Formal writing", "Listening to native speed"]},
    "french": {"foundation": ["Greetings and numbers", "Articles and gender", "Present tense verbs", "Everyday vocabulary"],
               "core": ["Passé composé and imparfait", "Pronouns", "Reading comprehension", "Writing short texts", "Listening practice"],
               "advanced": ["Subjunctive mood", "Conversation and debate", "Formal writing", "Listening to native speed"]},
    "german": {"foundation": ["Greetings and numbers", "Articles and cases: nominative", "Present tense verbs", "Everyday vocabulary"],
               "core": ["Accusative and dative cases", "Perfekt tense", "Word order in subordinate clauses", "Reading comprehension", "Writing short texts"],
               "advanced": ["Konjunktiv II", "Passive voice", "Conversation and debate", "Formal writing"]},
    "computer science": {"foundation": ["What is an algorithm", "Block-based programming", "Loops and conditions", "Staying safe online"],
                         "core": ["Variables and data types", "Conditions and loops", "Functions", "Lists and strings", "Algorithms: searching and sorting", "Debugging"],
                         "advanced": ["Data structures", "Algorithm complexity", "Object-oriented design", "Databases and SQL", "Testing"]},
    "economics": {"foundation": ["Needs and wants", "Money and trade", "Saving and spending"],
                  "core": ["Demand and supply", "Elasticity", "Market structures", "National income", "Money and banking", "Government budget"],
                  "advanced": ["Consumer theory", "Theory of the firm", "Macroeconomic models", "Econometrics basics"]},
    "accounting": {"foundation": ["Income and expenses", "Keeping simple records"],
                   "core": ["Accounting principles", "Journal and ledger", "Trial balance", "Financial statements", "Depreciation", "Partnership accounts"],
                   "advanced": ["Company accounts", "Cost accounting", "Financial analysis and ratios", "Auditing basics"]},
    "history": {"foundation": ["Timelines and sources", "Early civilisations", "Kings and empires"],
                "core": ["Reading historical sources", "The age of revolutions", "Nationalism", "The world wars", "Independence movements", "Essay answers in history"],
                "advanced": ["Historiography", "Comparative history", "Research and referencing"]},
    "geography": {"foundation": ["Maps and directions", "Landforms", "Weather and climate"],
                  "core": ["Map work", "Resources and development", "Water resources", "Agriculture", "Climate and vegetation", "Population"],
                  "advanced": ["Physical geography systems", "Human geography", "GIS and data"]},
    "music": {"foundation": ["Rhythm and pulse", "Reading notes", "Simple melodies"],
              "core": ["Scales and keys", "Intervals and chords", "Sight-reading", "Ear training", "Performance practice"],
              "advanced": ["Harmony and voice leading", "Form and analysis", "Repertoire preparation"]},
    "sat prep": {"foundation": ["Test format and pacing", "Reading basics", "Arithmetic refresh"],
                 "core": ["Test format and pacing", "Reading and writing: evidence questions", "Grammar conventions", "Math: algebra", "Math: advanced math", "Math: data analysis", "Full practice test"],
                 "advanced": ["Test format and pacing", "Hard reading passages", "Math: hardest question types", "Full practice test"]},
}
