"""A student's preferred lesson times page."""

from __future__ import annotations

import pytest

from tests.state.conftest import count, fetch, redirects, toasts
from tutorhub.models.scheduling import StudentSchedulePrefs
from tutorhub.services.scheduling import student_windows
from tutorhub.state.scheduling.student_times import StudentTimesState


def _prefs(user_id: int):
    rows = fetch(StudentSchedulePrefs, StudentSchedulePrefs.user_id == user_id)
    return [(sorted(map(tuple, r.windows)), r.lesson_length) for r in rows]


def _ready(browser, email="s@example.com") -> StudentTimesState:
    browser.login(email)
    browser.goto("/student/times")
    page = browser.state(StudentTimesState)
    browser.run(page.load())
    assert page.status == "ready"
    return page


def test_load_shows_saved_windows_in_the_students_zone(browser, make_user, db):
    student = make_user("student", email="s@example.com", timezone="America/New_York")
    student_windows.save_student_windows(
        db, actor=student, data={"windows": [{"weekday": 2, "start": "18:00", "end": "20:00"}], "lesson_length": 45}
    )
    db.commit()
    page = _ready(browser)
    assert page.timezone == "America/New_York" and page.lesson_length == "45"
    assert [s for s in range(48) if page.grid[2][s]] == [36, 37, 38, 39]
    assert page.day_summaries[2] == "18:00–20:00"


def test_tap_cells_and_save(browser, make_user):
    student = make_user("student", email="s@example.com")
    page = _ready(browser)
    page.choose_day("3")
    for slot in (34, 35, 36):
        page.toggle_cell(page.grid_day, slot)
    page.paint_cells([5, 20, 6, 21, True])  # one drag from Saturday 10:00 to Sunday 10:30
    events = browser.run(page.save({"lesson_length": "90"}))
    assert toasts(events, "success") and page.saved_once and not page.grid_dirty
    assert _prefs(student.id) == [([(3, 1020, 1110), (5, 600, 660), (6, 600, 660)], 90)]


@pytest.mark.parametrize("length", ["25", "", "abc", "²", "9" * 40, None])
def test_bad_lesson_length_is_an_inline_error(browser, make_user, length):
    student = make_user("student", email="s@example.com")
    page = _ready(browser)
    page.toggle_cell(0, 20)
    browser.run(page.save({"lesson_length": length}))
    assert "lesson_length" in page.errors and page.message
    assert _prefs(student.id) == []


def test_garbage_form_and_grid_arguments(browser, make_user):
    student = make_user("student", email="s@example.com")
    page = _ready(browser)
    for bad in ((8, 1), ("0", "1"), (None, None), (0, 99)):
        page.toggle_cell(*bad)
        page.paint_cells([*bad, 0, 2, True])
        page.paint_cells([0, 2, *bad, True])
    for drag in (None, "0,1,0,3,true", [0, 1, 0, 3], [0, 1, 0, 3, "true"], [0, 1, 0, 3, 1], {"0": 1}, [0] * 500):
        page.paint_cells(drag)
    assert page.grid_empty
    browser.run(page.save(["not", "a", "form"]))
    assert "lesson_length" in page.errors and _prefs(student.id) == []


def test_stranger_without_a_session_is_sent_to_login(new_browser, make_user, db):
    victim = make_user("student", email="victim@example.com")
    student_windows.save_student_windows(
        db, actor=victim, data={"windows": [{"weekday": 0, "start": "09:00", "end": "10:00"}]}
    )
    db.commit()
    browser = new_browser()
    browser.goto("/student/times")
    page = browser.state(StudentTimesState)
    page.toggle_cell(1, 20)
    events = browser.run(page.save({"lesson_length": "30"}))
    assert redirects(events) == ["/login?next=%2Fstudent%2Ftimes"]
    assert _prefs(victim.id) == [([(0, 540, 600)], 60)]


@pytest.mark.parametrize("role", ["tutor", "admin"])
def test_non_students_are_refused(new_browser, make_user, role):
    make_user(role, email="x@example.com")
    browser = new_browser()
    browser.login("x@example.com")
    page = browser.state(StudentTimesState)
    browser.run(page.load())
    assert page.status == "forbidden"
    page.toggle_cell(1, 20)
    events = browser.run(page.save({"lesson_length": "30"}))
    assert toasts(events, "error") and page.status == "forbidden"
    assert count(StudentSchedulePrefs) == 0


def test_another_student_only_ever_saves_their_own(new_browser, make_user, db):
    victim = make_user("student", email="victim@example.com")
    other = make_user("student", email="other@example.com")
    student_windows.save_student_windows(
        db, actor=victim, data={"windows": [{"weekday": 0, "start": "09:00", "end": "10:00"}]}
    )
    db.commit()
    browser = new_browser()
    page = _ready(browser, "victim@example.com")  # state filled from the victim's session
    browser.login("other@example.com")
    page.toggle_cell(6, 40)
    browser.run(page.save({"lesson_length": "30"}))
    assert _prefs(victim.id) == [([(0, 540, 600)], 60)]
    assert _prefs(other.id) == [([(0, 540, 600), (6, 1200, 1230)], 30)]
