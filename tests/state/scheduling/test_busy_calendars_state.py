"""The availability page's "Other calendars" card: add (with inline errors), refresh, remove; the
card is hidden for non-tutors; strangers' ids and roles change nothing."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

import pytest

from tests.state.conftest import count, fetch, redirects, toasts
from tests.support.calendars import CalendarServer, ics
from tutorhub.db import session_scope
from tutorhub.models import ExternalCalendar
from tutorhub.settings import reset_settings
from tutorhub.state.scheduling.busy_calendars import BusyCalendarsState

EVENT = "UID:x\nDTSTAMP:20260101T000000Z\nDTSTART:20260105T100000Z\nDTEND:20260105T110000Z\nRRULE:FREQ=DAILY"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TUTORHUB_ALLOW_PRIVATE_CALENDAR_URLS", "1")
    reset_settings()
    srv = CalendarServer()
    yield srv
    srv.close()
    monkeypatch.undo()
    reset_settings()


def _card(browser, email: str) -> BusyCalendarsState:
    browser.login(email)
    browser.goto("/tutor/availability")
    card = browser.state(BusyCalendarsState)
    browser.run(card.load_calendars())
    return card


def _a_minute_passes(cal_id: int) -> None:
    with session_scope() as session:
        row = session.get(ExternalCalendar, cal_id)
        row.last_fetched_at = row.last_fetched_at - timedelta(minutes=1)
        session.add(row)


def test_a_tutor_adds_refreshes_and_removes_a_calendar(browser, make_user, server):
    tutor = make_user("tutor", email="cal-tutor@example.com")
    card = _card(browser, tutor.email)
    assert card.cal_status == "ready" and card.calendars == []
    events = browser.run(card.add_calendar({"url": "ftp://nope"}))
    assert "https" in card.add_error and count(ExternalCalendar) == 0
    url = server.serve("/c.ics", ics(EVENT))
    events = browser.run(card.add_calendar({"url": url}))
    assert card.add_error == "" and [row.url for row in card.calendars] == [url]
    assert card.calendars[0].status == "pending"
    cal_id = card.calendars[0].id
    assert "refresh_calendar" in str(events)  # the first fetch starts right away, in the background
    browser.run(card._refresh(cal_id, nullcontext()))
    assert card.calendars[0].status == "ok" and card.calendars[0].fetched.startswith("Last checked")
    assert "busy period" in card.calendars[0].busy and card.refreshing == []
    server.serve("/c.ics", "", status=500)
    message = browser.run(card._refresh(cal_id, nullcontext()))
    assert "try again in" in message[0] and card.calendars[0].status == "ok"  # at most once a minute
    _a_minute_passes(cal_id)
    browser.run(card._refresh(cal_id, nullcontext()))
    assert card.calendars[0].status == "error" and "500" in card.calendars[0].error
    events = browser.run(card.remove_calendar(cal_id))
    assert toasts(events, "success") and card.calendars == [] and count(ExternalCalendar) == 0


def test_the_card_is_hidden_for_students(browser, make_user):
    student = make_user("student", email="cal-student@example.com")
    card = _card(browser, student.email)
    assert card.cal_status == "hidden" and card.calendars == []


def test_called_by_a_stranger_nothing_changes(browser, new_browser, make_user, server):
    owner = make_user("tutor", email="cal-owner@example.com")
    card = _card(browser, owner.email)
    browser.run(card.add_calendar({"url": server.serve("/c.ics", ics(EVENT))}))
    cal_id = card.calendars[0].id
    for who in (make_user("tutor", email="other-tutor@example.com"), make_user("student", email="s@example.com"),
                None):
        other = new_browser()
        if who is not None:
            other.login(who.email)
        other.goto("/tutor/availability")
        stranger = other.state(BusyCalendarsState)
        events = other.run(stranger.remove_calendar(cal_id))
        assert toasts(events, "error") or redirects(events)
        message = other.run(stranger._refresh(cal_id, nullcontext()))
        assert message and message[0] in ("Calendar not found.", "You do not have access to this.",
                                          "Please log in first.")
        assert all(row.id != cal_id for row in stranger.calendars)
        if who is None or who.role == "student":
            events = other.run(stranger.add_calendar({"url": "https://example.com/x.ics"}))
            assert stranger.add_error or redirects(events)
    [row] = fetch(ExternalCalendar)  # the students' and the anonymous adds created nothing
    assert row.id == cal_id and row.last_fetched_at is None  # not removed, never fetched by them
    assert server.requests == []
