"""Demo data: 36 approved tutors across subjects, grades, prices, cities, modes and 8 timezones,
a few pending/rejected tutors for the verification queue, students and one admin.

Deterministic (seeded random), and only applied to a database without users, so restarting the
app never duplicates it. Logins are listed in the README.
"""

from __future__ import annotations

import random

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.demo.classes import seed_classes_demo
from tutorhub.demo.courses import seed_courses_demo
from tutorhub.demo.credits import seed_credits_demo
from tutorhub.demo.currency import seed_currency_demo
from tutorhub.demo.growth import seed_growth_demo
from tutorhub.demo.leads import seed_leads_demo
from tutorhub.demo.learning import seed_learning_demo
from tutorhub.demo.money import seed_money_demo, seed_tutor_earnings_demo
from tutorhub.demo.ops import seed_delivery_demo, seed_ops_demo
from tutorhub.demo.payout_accounts import seed_payout_accounts_demo
from tutorhub.demo.portraits import portrait_png
from tutorhub.demo.reviews import seed_reviews_demo
from tutorhub.demo.rooms import seed_room_dispute_demo, seed_rooms_demo
from tutorhub.models.accounts import StudentProfile, User
from tutorhub.models.base import utcnow
from tutorhub.models.scheduling import AvailabilityRule, SchedulingSettings
from tutorhub.models.tutors import TutorLanguage, TutorProfile, TutorStatus, TutorSubject, VerificationDecision
from tutorhub.services.accounts.passwords import create_admin, register
from tutorhub.services.catalog import subject_label
from tutorhub.services.ops.daily_aggregates import rebuild_all
from tutorhub.services.scheduling.free_index import rebuild_free_slots
from tutorhub.services.tutors.photos import set_own_photo

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105  (public demo logins, listed in the README)
ADMIN_EMAIL = "admin@tutorhub.test"
ADMIN_PASSWORD = "admin-pass-123"  # noqa: S105

# (city, timezone, currency)
PLACES = [
    ("Bengaluru", "Asia/Kolkata", "INR"),
    ("Mumbai", "Asia/Kolkata", "INR"),
    ("Berlin", "Europe/Berlin", "EUR"),
    ("New York", "America/New_York", "USD"),
    ("London", "Europe/London", "GBP"),
    ("Los Angeles", "America/Los_Angeles", "USD"),
    ("Sydney", "Australia/Sydney", "AUD"),
    ("Kathmandu", "Asia/Kathmandu", "USD"),
    ("Singapore", "Asia/Singapore", "SGD"),
]
FIRST = [
    "Aarav",
    "Priya",
    "Lena",
    "Jonas",
    "Maya",
    "Ethan",
    "Sofia",
    "Noah",
    "Ananya",
    "Lucas",
    "Olivia",
    "Rohan",
    "Emma",
    "Kabir",
    "Mia",
    "Felix",
    "Isha",
    "Liam",
    "Zara",
    "Arjun",
    "Chloe",
    "Vikram",
    "Hannah",
    "Oscar",
    "Meera",
    "Leo",
    "Nina",
    "Dev",
    "Clara",
    "Sam",
    "Aisha",
    "Max",
    "Tara",
    "Ben",
    "Riya",
    "Paul",
]
LAST = [
    "Sharma",
    "Müller",
    "Johnson",
    "Patel",
    "Schmidt",
    "Brown",
    "Iyer",
    "Garcia",
    "Khan",
    "Weber",
    "Nair",
    "Smith",
    "Fischer",
    "Rao",
    "Lee",
    "Thomas",
    "Gupta",
    "Wagner",
]
# First names drawn with longer hair styles (the others short); every sixth tutor keeps initials.
LONG_HAIR = {"Priya", "Lena", "Maya", "Sofia", "Ananya", "Olivia", "Emma", "Mia", "Isha", "Zara", "Chloe", "Hannah",
             "Meera", "Nina", "Clara", "Aisha", "Tara", "Riya"}
SUBJECT_SETS = [
    ["mathematics", "physics"],
    ["chemistry", "biology"],
    ["english"],
    ["computer science", "mathematics"],
    ["hindi", "english"],
    ["german"],
    ["spanish", "french"],
    ["economics", "accounting"],
    ["history", "geography"],
    ["music"],
    ["sat prep", "mathematics"],
    ["physics"],
]
GRADE_SETS = [
    ["primary", "middle"],
    ["middle", "high"],
    ["high", "senior"],
    ["senior", "university"],
    ["university", "adult"],
    ["adult"],
    ["high"],
]
LANG_SETS = [
    ["English"],
    ["English", "Hindi"],
    ["German", "English"],
    ["English", "Spanish"],
    ["English", "French"],
    ["Hindi", "Tamil", "English"],
]
# Hourly rates in minor units, per currency (a low/mid/high spread).
RATES = {
    "INR": [40000, 60000, 90000, 150000],
    "EUR": [2500, 3500, 5000, 7000],
    "USD": [2000, 3500, 5500, 8000],
    "GBP": [2500, 4000, 6000],
    "AUD": [3500, 5000, 7500],
    "SGD": [3500, 5500, 8000],
}


# Weekly demo hours (weekday, start, end in local minutes) and lesson lengths, by tutor index % 3.
DEMO_HOURS = (
    ([(d, 16 * 60, 20 * 60) for d in range(5)], [60]),
    ([(d, 9 * 60, 12 * 60) for d in (0, 2, 4)] + [(d, 17 * 60, 20 * 60) for d in (1, 3)], [30, 60]),
    ([(d, 10 * 60, 14 * 60) for d in (5, 6)] + [(d, 18 * 60, 21 * 60) for d in (1, 3)], [45, 60, 90]),
)


def _demo_availability(session: Session, tutor_id: int, index: int) -> None:
    """Give a demo tutor weekly hours in their own zone so profiles and search show slots."""
    hours, lengths = DEMO_HOURS[index % len(DEMO_HOURS)]
    for weekday, start, end in hours:
        session.add(AvailabilityRule(tutor_id=tutor_id, weekday=weekday, start_min=start, end_min=end))
    session.add(SchedulingSettings(tutor_id=tutor_id, lesson_lengths=lengths, buffer_after_min=10 if index % 2 else 0))


def database_is_empty(session: Session) -> bool:
    return int(session.exec(select(func.count()).select_from(User)).one()) == 0


def seed_demo(session: Session, *, tutors: int = 36) -> dict[str, int]:
    """Insert the demo data set; returns counts. Call only on an empty database."""
    rng = random.Random(42)
    create_admin(session, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, full_name="Ada Admin")
    now = utcnow()
    created = 0
    for i in range(tutors):
        city, tz, currency = PLACES[i % len(PLACES)]
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        user = register(
            session,
            email=f"tutor{i + 1}@tutorhub.test",
            password=DEMO_PASSWORD,
            full_name=name,
            role="tutor",
            timezone=tz,
        )
        profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).one()
        subjects = SUBJECT_SETS[i % len(SUBJECT_SETS)]
        grades = GRADE_SETS[i % len(GRADE_SETS)]
        online = i % 4 != 3
        home = i % 3 == 0 or not online
        rate = RATES[currency][i % len(RATES[currency])]
        levels = grades[0].title() if len(grades) == 1 else f"{grades[0].title()} to {grades[-1].title()}"
        profile.headline = f"{subject_label(subjects[0])} tutor · {levels}"
        profile.bio = (
            f"I have taught {', '.join(s.title() for s in subjects)} for {3 + i % 12} years. "
            "Lessons are patient, structured and built around past papers and real problems."
        )
        profile.hourly_rate = rate
        profile.home_rate = int(rate * 1.3) if home else 0
        profile.currency = currency
        profile.city = city
        profile.locality = ["Central", "North", "East", "West", "Old Town"][i % 5]
        profile.travel_radius_km = 5 + (i % 4) * 5 if home else 0
        profile.offers_online = online
        profile.offers_home = home
        profile.timezone = tz
        profile.status = TutorStatus.APPROVED
        profile.submitted_at = now
        profile.reviewed_at = now
        # Ratings, review counts, response rate and trust are computed (demo/reviews.py seeds the
        # reviews and recounts them); hours are derived from minutes (services/tutors/stats.py).
        profile.minutes_taught = rng.randint(0, 2500) * 60
        session.add(profile)
        session.flush()
        for subject in subjects:
            for grade in grades:
                session.add(TutorSubject(tutor_id=profile.id or 0, subject=subject, grade_level=grade))
        for lang in LANG_SETS[i % len(LANG_SETS)]:
            session.add(TutorLanguage(tutor_id=profile.id or 0, language=lang))
        session.add(VerificationDecision(tutor_id=profile.id or 0, action="APPROVED", notes="Demo data"))
        _demo_availability(session, profile.id or 0, i)
        if i % 6 != 5:  # through the tutor's own upload path (checked, re-encoded, stored)
            set_own_photo(session, actor=user, data=portrait_png(i, long_hair=FIRST[i % len(FIRST)] in LONG_HAIR))
        created += 1
    # Two tutors waiting in the verification queue and one rejected, so admins have work to see.
    for j, (status, notes) in enumerate(
        [
            (TutorStatus.PENDING, ""),
            (TutorStatus.PENDING, ""),
            (TutorStatus.REJECTED, "Please add a degree certificate."),
        ]
    ):
        user = register(
            session,
            email=f"applicant{j + 1}@tutorhub.test",
            password=DEMO_PASSWORD,
            full_name=f"Applicant {FIRST[j + 5]}",
            role="tutor",
            timezone="Europe/Berlin",
        )
        profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).one()
        profile.headline = "New tutor applying"
        profile.bio = "Eager to teach."
        profile.hourly_rate = 3000
        profile.currency = "EUR"
        profile.city = "Berlin"
        profile.status = status
        profile.review_notes = notes
        profile.submitted_at = now
        session.add(profile)
        session.flush()
        session.add(TutorSubject(tutor_id=profile.id or 0, subject="mathematics", grade_level="high"))
        session.add(TutorLanguage(tutor_id=profile.id or 0, language="English"))
    students = [
        ("student1@tutorhub.test", "Sam Student", "Asia/Kolkata", "Bengaluru", "high"),
        ("student2@tutorhub.test", "Greta Lernen", "Europe/Berlin", "Berlin", "senior"),
        ("student3@tutorhub.test", "Jamie Learner", "America/New_York", "New York", "university"),
    ]
    for email, name, tz, city, grade in students:
        user = register(session, email=email, password=DEMO_PASSWORD, full_name=name, role="student", timezone=tz)
        sp = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == user.id)).one()
        sp.grade_level = grade
        sp.subjects = ["mathematics", "physics"]
        sp.goals = "Improve exam grades."
        sp.city = city
        sp.mode = "online"
        session.add(sp)
    session.flush()
    seed_credits_demo(session, now=now)  # plans, packs, WELCOME10, student1 subscribed
    seed_money_demo(session, now=now)  # wallet top-ups through the sandbox capture path
    seed_tutor_earnings_demo(session, now=now)  # tutor1-6: settled earnings, so a payout can be tried
    seed_payout_accounts_demo(session, now=now)  # tutor1-5: a verified sandbox payout account; tutor6 none
    seed_classes_demo(session, now=now)  # group classes (published, student2 in two: wallet and credits, a draft)
    seed_courses_demo(session, now=now)  # video courses (student2 enrolled in the algebra one, a free one, a draft)
    seed_reviews_demo(session, now=now, password=DEMO_PASSWORD)  # past lessons with real reviews
    rebuild_free_slots(session)
    seed_leads_demo(session, now=now)  # open enquiries in tutor1's lead inbox (after the index exists)
    seed_learning_demo(session, now=now)  # student1's lessons, reports, homework, a study plan; guardian1
    seed_rooms_demo(session, now=now)  # Greta (student2) and tutor2: a lesson whose video room is open now
    seed_room_dispute_demo(session, now=now)  # Jamie (student3) disputes a lesson of yesterday (or the day before); the room says the tutor came
    # a suspended student and fraud flags from demo login patterns (admin users / fraud / audit pages)
    seed_ops_demo(session, now=now, admin_email=ADMIN_EMAIL, password=DEMO_PASSWORD)
    seed_delivery_demo(session, now=now)  # SMS delivery reports, one undelivered with its e-mail copy (/admin/outbox)
    seed_growth_demo(session, now=now, admin_email=ADMIN_EMAIL)  # a funded advertiser, two campaigns, an offer
    seed_currency_demo(session, now=now, admin_email=ADMIN_EMAIL)  # an admin-set rate (display currencies: sign-up)
    rebuild_all(session, now=now)  # the admin dashboard's daily figures over everything seeded above
    return {"tutors": created, "students": len(students), "admins": 1}
