"""Search: "Free in my preferred times (next 14 days)", kept in the URL."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.state.conftest import redirects
from tutorhub.services.scheduling import availability, student_windows
from tutorhub.state.tutors.search import SearchState, search_href

EVENINGS = [{"weekday": d, "start": "16:00", "end": "19:00"} for d in range(7)]


@pytest.fixture
def two_tutors(db, make_approved_tutor):
    """`evening` is free 17:00–18:00 Berlin every day, `morning` 09:00–10:00."""
    ids = {}
    for name, start, end in (("evening", "17:00", "18:00"), ("morning", "09:00", "10:00")):
        user, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
        weekly = [{"weekday": d, "start": start, "end": end} for d in range(7)]
        availability.save_availability(db, actor=user, data={"weekly": weekly, "settings": {"min_notice_hours": 0}})
        ids[name] = tutor_id
    db.commit()
    return ids


def _search(browser, query: str) -> SearchState:
    browser.goto("/tutors" + (f"?{query}" if query else ""))
    browser.run(browser.app.load_viewer())
    page = browser.state(SearchState)
    browser.run(page.load())
    return page


def test_student_with_saved_windows_filters_by_them(browser, two_tutors, make_user, db):
    student = make_user("student", email="s@example.com", timezone="Europe/Berlin")
    student_windows.save_student_windows(db, actor=student, data={"windows": EVENINGS, "lesson_length": 60})
    db.commit()
    browser.login("s@example.com")
    page = _search(browser, "subject=mathematics")
    assert page.has_saved_windows and not page.free_on and page.total == 2
    [url] = redirects(page.set_free(True))
    assert parse_qs(urlsplit(url).query) == {"subject": ["mathematics"], "free": ["1"]}
    page = _search(browser, "subject=mathematics&free=1")
    assert page.free_on and page.total == 1 and page.results[0].id == two_tutors["evening"]
    assert page.free_note == ""
    [url] = redirects(page.set_free(False))
    assert url == "/tutors?subject=mathematics"
    # Applying other filters keeps the switch on.
    [url] = redirects(page.apply({"subject": "Maths", "city": "Berlin"}))
    assert parse_qs(urlsplit(url).query)["free"] == ["1"]


def test_windows_in_the_url_work_for_anyone(browser, two_tutors):
    query = urlencode({"windows": json.dumps(EVENINGS), "windows_tz": "America/New_York", "duration": "60"})
    page = _search(browser, query)
    # 16:00–19:00 in New York is late night in Berlin: nobody is free then.
    assert page.free_on and page.total == 0
    mornings = [{"weekday": d, "start": "03:00", "end": "05:00"} for d in range(7)]
    page = _search(browser, urlencode({"windows": json.dumps(mornings), "windows_tz": "America/New_York"}))
    assert page.total == 1 and page.results[0].id == two_tutors["morning"]
    assert "windows=" in search_href(page._params())  # page links keep the filter
    [url] = redirects(page.set_free(False))
    assert url == "/tutors"


@pytest.mark.parametrize(
    "query",
    [
        {"windows": "not json"},
        {"windows": json.dumps([{"weekday": 9, "start": "1", "end": "2"}])},
        {"windows": json.dumps(EVENINGS), "windows_tz": "Mars/Base"},
        {"windows": json.dumps(EVENINGS), "duration": "7"},
        {"windows": "[" * 5000},
    ],
)
def test_bad_windows_in_the_url_are_explained_not_crashed(browser, two_tutors, query):
    page = _search(browser, urlencode(query))
    assert page.free_note.startswith("The preferred-times filter in this link is not valid")
    assert page.results == [] and not page.loading and page.errors == {}


def test_free_switch_without_saved_windows(browser, two_tutors, make_user):
    make_user("student", email="s@example.com")
    browser.login("s@example.com")
    page = _search(browser, "free=1")
    assert not page.has_saved_windows and page.free_note == "Set your preferred lesson times to use this filter."
    assert page.total == 2


@pytest.mark.parametrize("value", ["yes", 1, None, {"x": 1}, "true"])
def test_set_free_with_garbage_turns_it_off(browser, two_tutors, value):
    page = _search(browser, "free=1&subject=maths")
    assert redirects(page.set_free(value)) == ["/tutors?subject=maths"]
