"""The offline planner, property-tested: every plan fits the schema, covers the weak areas in weeks
1–2, never exceeds the weekly hours, and respects prerequisites; plus the catalogue's coverage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tutorhub.services.catalog import GRADE_LEVELS, SUBJECTS
from tutorhub.services.learning.offline_planner import PlanRequest, match_topic, offline_plan
from tutorhub.services.learning.plan_schema import check_draft
from tutorhub.services.learning.syllabus import BOARDS, all_courses, clean_grade, find_course

SUBJECT_CHOICES = [*SUBJECTS, "science", "yoga"]
GRADE_CHOICES = [*GRADE_LEVELS, *BOARDS]
course_words = st.sampled_from(sorted({t.title for c in all_courses() for t in c.topics}))
free_words = st.text(alphabet="abcdefghij ", min_size=1, max_size=20).filter(str.strip)


@settings(max_examples=300, deadline=None)
@given(subject=st.sampled_from(SUBJECT_CHOICES), grade=st.sampled_from(GRADE_CHOICES),
       hours=st.integers(min_value=1, max_value=40),
       weak=st.lists(st.one_of(course_words, free_words), max_size=5, unique=True))
def test_every_plan_fits_the_schema_hours_weak_areas_and_prerequisites(subject, grade, hours, weak):
    request = PlanRequest(subject=subject, grade=grade, goal="exam", hours_per_week=hours, weak_areas=tuple(weak))
    draft = offline_plan(request)
    checked, problems = check_draft(draft.model_dump(), hours_per_week=hours)
    assert checked is not None, problems
    assert all(m <= hours * 60 for m in draft.week_minutes())
    course = find_course(subject, grade)
    early = " ".join(t.title + " " + task.title for w in draft.weeks[:2] for t in w.topics for task in t.tasks)
    for area in weak:
        topic = match_topic(course, area)
        assert (topic.title if topic else area[:100]) in early
    order = [topic.title for w in draft.weeks for topic in w.topics]
    first = {title: order.index(title) for title in order}
    for title in first:
        found = course.topic(title)
        for pre in found.prerequisites if found else ():
            if pre in first:
                assert first[pre] <= first[title], (pre, title)


def test_same_input_same_plan():
    request = PlanRequest("physics", "cbse-12", "boards", 5, ("optics",))
    assert offline_plan(request) == offline_plan(request)


def test_catalogue_covers_demo_subjects_grades_and_boards():
    for subject in SUBJECTS:
        for grade in GRADE_CHOICES:
            course = find_course(subject, grade)
            assert len(course.topics) >= 2 and not course.key.endswith("/general"), (subject, grade)
    assert find_course("mathematics", "cbse-10").key == "mathematics/cbse-10"
    assert find_course("physics", "icse-10").key == "science/icse-10"
    assert find_course("chemistry", "cbse-12").key == "chemistry/cbse-12"
    assert clean_grade("ICSE class 10") == "icse-10" and clean_grade("12", "CBSE boards") == "cbse-12"
    for course in all_courses():  # prerequisites name earlier topics of the same course
        seen: set[str] = set()
        for topic in course.topics:
            assert set(topic.prerequisites) <= seen, (course.key, topic.title)
            seen.add(topic.title)
