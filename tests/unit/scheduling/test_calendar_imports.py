"""Tutors' imported busy calendars, fetched from a local HTTP server started here: recurring
events expanded (RRULE, EXDATE, RECURRENCE-ID, all-day, TZID) across America/New_York's DST change,
those times gone from the slots; conditional requests; errors shown, never raised; strangers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from tests.support.calendars import NEW_YORK_VTIMEZONE, CalendarServer, ics
from tutorhub.integrations import broker as broker_mod
from tutorhub.integrations.broker import InProcessBroker
from tutorhub.models import BusyInterval, ExternalCalendar, Role
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, RateLimited
from tutorhub.services.scheduling import calendar_imports, slots
from tutorhub.settings import reset_settings

NOW = datetime(2027, 10, 20, 8, 0, tzinfo=UTC)  # a Wednesday; New York leaves DST on 7 November

WEEKLY_NY = """UID:weekly-ny@example.com
DTSTAMP:20271001T000000Z
DTSTART;TZID=America/New_York:20271026T090000
DTEND;TZID=America/New_York:20271026T100000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=America/New_York:20271102T090000
SUMMARY:Teaching at the school"""

MOVED_NY = """UID:weekly-ny@example.com
DTSTAMP:20271001T000000Z
RECURRENCE-ID;TZID=America/New_York:20271116T090000
DTSTART;TZID=America/New_York:20271116T110000
DTEND;TZID=America/New_York:20271116T120000
SUMMARY:Teaching at the school (moved)"""

ALL_DAY = """UID:holiday@example.com
DTSTAMP:20271001T000000Z
DTSTART;VALUE=DATE:20271028
DTEND;VALUE=DATE:20271029
SUMMARY:Conference"""

FREE = """UID:free@example.com
DTSTAMP:20271001T000000Z
DTSTART:20271027T120000Z
DTEND:20271027T130000Z
TRANSP:TRANSPARENT
SUMMARY:Reminder only"""


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TUTORHUB_ALLOW_PRIVATE_CALENDAR_URLS", "1")
    reset_settings()
    srv = CalendarServer()
    yield srv
    srv.close()
    monkeypatch.undo()
    reset_settings()


def slot_starts(db, tutor_id: int, day: str) -> set[str]:
    db.rollback()
    start = datetime.fromisoformat(day + "T00:00:00+00:00")
    out = slots.get_slots(db, tutor_id=tutor_id, start=start, end=start + timedelta(days=1), duration=60, now=NOW)
    return {s.start[11:16] for s in out.slots}


def add(db, tutor, url: str) -> int:
    out = calendar_imports.add_calendar(db, actor=tutor, url=url, now=NOW)
    db.commit()
    assert out.status == "pending"
    return out.id


def busy(db, tutor_id: int) -> list[tuple[datetime, datetime]]:
    db.rollback()  # a fresh read: the sync wrote through its own sessions
    rows = db.exec(select(BusyInterval).where(col(BusyInterval.tutor_id) == tutor_id)
                   .order_by(col(BusyInterval.start_at))).all()
    return [(r.start_at, r.end_at) for r in rows]


def test_a_weekly_new_york_event_blocks_the_right_utc_hours_across_its_dst_change(db, env, server):
    url = server.serve("/school.ics", ics(WEEKLY_NY, MOVED_NY, extra=NEW_YORK_VTIMEZONE))
    for day, hour in (("2027-10-26", "13:00"), ("2027-11-09", "14:00")):
        assert hour in slot_starts(db, env.tutor_id, day)  # free before the import
    add(db, env.tutor, url)
    assert calendar_imports.sync_due_calendars(now=NOW) == {"ok": 1, "error": 0}
    utc = lambda d, h: datetime.fromisoformat(f"{d}T{h}:00+00:00")  # noqa: E731
    assert busy(db, env.tutor_id) == [
        (utc("2027-10-26", "13:00"), utc("2027-10-26", "14:00")),  # 09:00 EDT
        (utc("2027-11-09", "14:00"), utc("2027-11-09", "15:00")),  # 09:00 EST: one hour later in UTC
        (utc("2027-11-16", "16:00"), utc("2027-11-16", "17:00")),  # the moved occurrence (11:00 EST)
    ]  # 2 November is excluded (EXDATE)
    oct26, nov2, nov9, nov16 = (slot_starts(db, env.tutor_id, d)
                                for d in ("2027-10-26", "2027-11-02", "2027-11-09", "2027-11-16"))
    assert {"12:30", "13:00", "13:30"}.isdisjoint(oct26) and {"12:00", "14:00"} <= oct26
    assert "13:00" in nov2
    assert {"13:30", "14:00", "14:30"}.isdisjoint(nov9) and {"13:00", "15:00"} <= nov9
    assert "14:00" in nov16 and "16:00" not in nov16


def test_all_day_events_block_the_tutors_day_and_transparent_ones_nothing(db, make_user, make_approved_tutor, server):
    from tests.support.booking import open_all_week

    tutor, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    open_all_week(db, tutor, now=NOW, zone="Europe/Berlin")
    add(db, tutor, server.serve("/mixed.ics", ics(ALL_DAY, FREE)))
    calendar_imports.sync_due_calendars(now=NOW)
    berlin_midnight = datetime(2027, 10, 27, 22, 0, tzinfo=UTC)  # 28 October 00:00 CEST
    assert busy(db, tutor_id) == [(berlin_midnight, berlin_midnight + timedelta(days=1))]
    assert "12:00" in slot_starts(db, tutor_id, "2027-10-27")  # the transparent event blocks nothing


def test_the_refresh_is_conditional_and_a_changed_feed_replaces_the_busy_time(db, env, server):
    url = server.serve("/c.ics", ics(WEEKLY_NY, extra=NEW_YORK_VTIMEZONE))
    cal_id = add(db, env.tutor, url)
    calendar_imports.sync_due_calendars(now=NOW)
    assert len(busy(db, env.tutor_id)) == 3
    assert calendar_imports.sync_due_calendars(now=NOW + timedelta(minutes=5)) == {"ok": 0, "error": 0}  # not due
    later = NOW + timedelta(minutes=16)
    assert calendar_imports.sync_due_calendars(now=later) == {"ok": 1, "error": 0}
    assert server.requests[-1][1].get("if-none-match")  # asked with the ETag: the answer was 304
    assert len(busy(db, env.tutor_id)) == 3
    server.serve("/c.ics", ics(ALL_DAY))
    out = calendar_imports.refresh_calendar(actor=env.tutor, calendar_id=cal_id, now=later + timedelta(minutes=1))
    assert out.status == "ok" and out.busy_count == 1 and out.last_error == ""
    assert "if-none-match" not in server.requests[-1][1]  # "refresh now" reads it all again
    assert len(busy(db, env.tutor_id)) == 1


def test_fetch_errors_are_shown_and_keep_the_last_good_busy_time(db, env, server):
    url = server.serve("/c.ics", ics(WEEKLY_NY, extra=NEW_YORK_VTIMEZONE))
    cal_id = add(db, env.tutor, url)
    broken = add(db, env.tutor, server.url("/missing.ics"))
    assert calendar_imports.sync_due_calendars(now=NOW) == {"ok": 1, "error": 1}  # one bad calendar stops nothing
    server.serve("/c.ics", "", status=500)
    out = calendar_imports.refresh_calendar(actor=env.tutor, calendar_id=cal_id, now=NOW + timedelta(minutes=1))
    assert out.status == "error" and "500" in out.last_error and out.last_fetched_at is not None
    assert len(busy(db, env.tutor_id)) == 3  # kept from the last good fetch
    server.serve("/c.ics", "this is not a calendar")
    out = calendar_imports.refresh_calendar(actor=env.tutor, calendar_id=cal_id, now=NOW + timedelta(minutes=2))
    assert out.status == "error" and "iCalendar" in out.last_error
    listed = {c.id: c for c in calendar_imports.list_calendars(db, actor=env.tutor)}
    assert listed[broken].status == "error" and "404" in listed[broken].last_error


def test_removing_a_calendar_frees_its_time_and_tells_open_pages(db, env, server):
    import asyncio

    cal_id = add(db, env.tutor, server.serve("/c.ics", ics(WEEKLY_NY, extra=NEW_YORK_VTIMEZONE)))
    local = InProcessBroker()
    broker_mod.reset_broker(local)

    async def run():
        sub = local.subscribe([f"tutor:{env.tutor_id}:slots"])
        await asyncio.to_thread(calendar_imports.sync_due_calendars, now=NOW)
        await asyncio.sleep(0.05)
        return sub.drain()

    try:
        hints = asyncio.run(run())
    finally:
        broker_mod.reset_broker(None)
    assert hints and hints[0][1] == {"type": "slots"}  # open slot pages re-read live
    assert "13:00" not in slot_starts(db, env.tutor_id, "2027-10-26")
    calendar_imports.remove_calendar(db, actor=env.tutor, calendar_id=cal_id, now=NOW)
    db.commit()
    assert busy(db, env.tutor_id) == [] and calendar_imports.list_calendars(db, actor=env.tutor) == []
    assert "13:00" in slot_starts(db, env.tutor_id, "2027-10-26")


def test_urls_are_checked_when_added(db, env, monkeypatch):
    for bad in ("", "ftp://example.com/c.ics", "not a url", "https://", "x" * 3000):
        with pytest.raises(InvalidInput):
            calendar_imports.add_calendar(db, actor=env.tutor, url=bad, now=NOW)
    out = calendar_imports.add_calendar(db, actor=env.tutor, url="webcal://calendar.example.com/me.ics", now=NOW)
    assert out.url == "https://calendar.example.com/me.ics"
    with pytest.raises(Conflict):
        calendar_imports.add_calendar(db, actor=env.tutor, url="https://calendar.example.com/me.ics", now=NOW)
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "https://tutorhub.example.com")
    reset_settings()
    try:
        with pytest.raises(InvalidInput):  # http only in development
            calendar_imports.add_calendar(db, actor=env.tutor, url="http://calendar.example.com/x.ics", now=NOW)
    finally:
        monkeypatch.undo()
        reset_settings()


def test_at_most_ten_calendars(db, env):
    for i in range(calendar_imports.MAX_CALENDARS):
        calendar_imports.add_calendar(db, actor=env.tutor, url=f"https://example.com/{i}.ics", now=NOW)
    with pytest.raises(Conflict):
        calendar_imports.add_calendar(db, actor=env.tutor, url="https://example.com/more.ics", now=NOW)


def test_strangers_cannot_see_refresh_or_remove_a_tutors_calendar(db, env, make_user, make_approved_tutor, server):
    cal_id = add(db, env.tutor, server.serve("/c.ics", ics(WEEKLY_NY, extra=NEW_YORK_VTIMEZONE)))
    other, _ = make_approved_tutor()
    student = make_user(Role.STUDENT)
    assert calendar_imports.list_calendars(db, actor=other) == []
    with pytest.raises(NotFound):
        calendar_imports.refresh_calendar(actor=other, calendar_id=cal_id, now=NOW)
    with pytest.raises(NotFound):
        calendar_imports.remove_calendar(db, actor=other, calendar_id=cal_id, now=NOW)
    for actor, error in ((student, Forbidden), (None, NotAuthenticated)):
        with pytest.raises(error):
            calendar_imports.list_calendars(db, actor=actor)
        with pytest.raises(error):
            calendar_imports.add_calendar(db, actor=actor, url="https://example.com/c.ics", now=NOW)
        with pytest.raises(error):
            calendar_imports.refresh_calendar(actor=actor, calendar_id=cal_id, now=NOW)
        with pytest.raises(error):
            calendar_imports.remove_calendar(db, actor=actor, calendar_id=cal_id, now=NOW)
    for bad_id in ("abc", -1, None, 10**30):
        with pytest.raises(NotFound):
            calendar_imports.remove_calendar(db, actor=env.tutor, calendar_id=bad_id, now=NOW)
    assert server.requests == []  # nobody made the server fetch anything
    assert db.get(ExternalCalendar, cal_id) is not None


def test_refresh_now_is_limited_to_once_a_minute_per_calendar(db, env, server):
    cal_id = add(db, env.tutor, server.serve("/c.ics", ics(WEEKLY_NY, extra=NEW_YORK_VTIMEZONE)))
    assert calendar_imports.refresh_calendar(actor=env.tutor, calendar_id=cal_id, now=NOW).status == "ok"
    fetched = len(server.requests)
    with pytest.raises(RateLimited) as refused:
        calendar_imports.refresh_calendar(actor=env.tutor, calendar_id=cal_id, now=NOW + timedelta(seconds=20))
    assert refused.value.retry_after_seconds == 40 and len(server.requests) == fetched  # no fetch made
    later = calendar_imports.refresh_calendar(actor=env.tutor, calendar_id=cal_id, now=NOW + timedelta(minutes=1))
    assert later.status == "ok" and len(server.requests) == fetched + 1
