"""GET /api/v1/me/calendar, POST /api/v1/me/calendar/regenerate, the feed GET /api/v1/calendar/{token}.ics,
and a tutor's outside calendars under /api/v1/tutors/me/calendars (served by a local HTTP server)."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from tests.support.booking import Env, at, open_all_week
from tests.support.calendars import NEW_YORK_VTIMEZONE, CalendarServer, ics
from tutorhub.models import ExternalCalendar
from tutorhub.settings import get_settings, reset_settings

WEEKLY = """UID:w@example.com
DTSTAMP:20270101T000000Z
DTSTART;TZID=America/New_York:20260106T090000
DTEND;TZID=America/New_York:20260106T100000
RRULE:FREQ=WEEKLY"""


@pytest.fixture
def env(db, make_user, make_approved_tutor) -> Env:
    """A UTC tutor open all week and a student (as tests/support/booking.py's `env`)."""
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor)
    return Env(db, tutor, tutor_id, make_user("student"), make_user, make_approved_tutor)


def path_of(url: str) -> str:
    base = get_settings().public_url
    assert url.startswith(base + "/api/v1/calendar/") and url.endswith(".ics")
    return url[len(base):]


def test_the_feed_matches_the_lessons_and_regenerating_revokes_it(client, bearer, env):
    held = env.book(at(2, 9))
    confirmed = env.book(at(3, 10), confirm=True)
    headers = bearer(env.student)
    url = client.get("/api/v1/me/calendar", headers=headers).json()["feed_url"]
    assert client.get("/api/v1/me/calendar", headers=headers).json() == {"feed_url": url}
    answer = client.get(path_of(url))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert answer.headers["cache-control"] == "private, no-cache" and answer.headers["etag"]
    again = client.get(path_of(url), headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""  # unchanged: calendar apps skip the download
    feed = icalendar.Calendar.from_ical(answer.content)
    lessons = client.get("/api/v1/bookings?per_page=100", headers=headers).json()["items"]
    assert {(b["id"], b["start"].replace("Z", "+00:00")) for b in lessons} == {(held.id, held.start.isoformat()),
                                                                               (confirmed.id, confirmed.start.isoformat())}
    by_uid = {str(e["UID"]): e for e in feed.walk("VEVENT")}
    for lesson in lessons:
        (event,) = [e for uid, e in by_uid.items() if uid.startswith(f"lesson-{lesson['id']}@")]
        assert event.decoded("DTSTART").isoformat() == lesson["start"].replace("Z", "+00:00")
    assert len(by_uid) == len(lessons)
    new = client.post("/api/v1/me/calendar/regenerate", headers=headers)
    assert new.status_code == 200 and new.json()["feed_url"] != url
    assert client.get(path_of(url)).status_code == 404
    assert client.get(path_of(new.json()["feed_url"])).status_code == 200


def test_feed_urls_need_a_login_and_made_up_tokens_are_404(client):
    assert client.get("/api/v1/me/calendar").status_code == 401
    assert client.post("/api/v1/me/calendar/regenerate").status_code == 401
    for token in ("nope", "A" * 43, "%2e%2e"):
        assert client.get(f"/api/v1/calendar/{token}.ics").status_code == 404


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TUTORHUB_ALLOW_PRIVATE_CALENDAR_URLS", "1")
    reset_settings()
    srv = CalendarServer()
    yield srv
    srv.close()
    monkeypatch.undo()
    reset_settings()


def test_a_tutor_adds_refreshes_lists_and_removes_a_calendar(client, bearer, env, server):
    headers = bearer(env.tutor)
    url = server.serve("/w.ics", ics(WEEKLY, extra=NEW_YORK_VTIMEZONE))
    added = client.post("/api/v1/tutors/me/calendars", json={"url": url}, headers=headers)
    assert added.status_code == 201 and added.json()["status"] == "pending" and added.json()["id"]
    cal_id = added.json()["id"]
    assert client.post("/api/v1/tutors/me/calendars", json={"url": url}, headers=headers).status_code == 409
    done = client.post(f"/api/v1/tutors/me/calendars/{cal_id}/refresh", headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "ok" and done.json()["busy_count"] > 0
    (listed,) = client.get("/api/v1/tutors/me/calendars", headers=headers).json()
    assert listed["last_fetched_at"] and listed["last_error"] == "" and listed["url"] == url
    server.serve("/w.ics", "", status=503)
    too_soon = client.post(f"/api/v1/tutors/me/calendars/{cal_id}/refresh", headers=headers)
    assert too_soon.status_code == 429 and 1 <= int(too_soon.headers["retry-after"]) <= 60
    row = env.db.get(ExternalCalendar, cal_id)  # a minute later
    row.last_fetched_at = row.last_fetched_at - timedelta(minutes=1)
    env.db.add(row)
    env.db.commit()
    failed = client.post(f"/api/v1/tutors/me/calendars/{cal_id}/refresh", headers=headers).json()
    assert failed["status"] == "error" and "503" in failed["last_error"]
    assert client.delete(f"/api/v1/tutors/me/calendars/{cal_id}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/tutors/me/calendars/{cal_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/tutors/me/calendars", headers=headers).json() == []


def test_calendar_input_and_strangers(client, bearer, env, as_role, server):
    headers = bearer(env.tutor)
    for body in ({"url": "ftp://x/y.ics"}, {"url": ""}, {"url": 5}, {}):
        assert client.post("/api/v1/tutors/me/calendars", json=body, headers=headers).status_code == 422
    cal_id = client.post("/api/v1/tutors/me/calendars", json={"url": server.serve("/c.ics", ics())},
                         headers=headers).json()["id"]
    _, other = as_role("tutor")
    _, student = as_role("student")
    assert client.post(f"/api/v1/tutors/me/calendars/{cal_id}/refresh", headers=other).status_code == 404
    assert client.delete(f"/api/v1/tutors/me/calendars/{cal_id}", headers=other).status_code == 404
    assert client.get("/api/v1/tutors/me/calendars", headers=other).json() == []
    assert client.get("/api/v1/tutors/me/calendars", headers=student).status_code == 403
    assert client.post("/api/v1/tutors/me/calendars", json={"url": "https://example.com/c.ics"},
                       headers=student).status_code == 403
    assert client.get("/api/v1/tutors/me/calendars").status_code == 401
    assert server.requests == []
