"""Tutors' external busy calendars: subscribe to an iCalendar URL, fetch it every 15 minutes,
and keep its busy time (within the booking window) in `busy_intervals` as source "external".

Why this shape:
- Only the tutor manages their own calendars (the profile is found from the actor, never from
  the request); another tutor's calendar id is "not found", exactly like a missing one.
- Fetching is network I/O, so it never runs inside a database transaction: read the row (short
  read), fetch and expand with no session open, then write the outcome in one short transaction
  that replaces this calendar's busy rows and refreshes the tutor's free-slot index — which also
  publishes the live "slots changed" hint, so open booking pages drop the times at once.
- A failed fetch or an unreadable file is recorded on the row (`status` "error", `last_error`,
  shown to the tutor) and keeps the busy time from the last good fetch; it never raises out of
  the job, and one broken calendar never stops the others.
- Conditional requests (ETag / Last-Modified) make an unchanged feed cheap; but the booking
  window moves with the clock, so a full download is forced at least once a day (`FULL_EVERY`) to
  expand recurring events further ahead. Busy rows cover [now − 1 day, now + booking window + 3 days).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.calendar_fetch import CalendarFetchError, FetchResult, check_url, fetch_calendar
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.calendars import ExternalCalendar, ExternalCalendarStatus
from tutorhub.models.scheduling import BusyInterval, BusySource, SchedulingSettings
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.role_profiles import own_tutor_profile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, InvalidInput, NotFound, RateLimited
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots
from tutorhub.services.scheduling.ical_busy import BusySpanUtc, CalendarParseError, busy_spans_from_ics
from tutorhub.services.validation import clean_int, fail
from tutorhub.settings import get_settings

log = logging.getLogger("tutorhub.calendar_imports")

FETCH_EVERY = timedelta(minutes=15)
REFRESH_GAP = timedelta(minutes=1)  # "refresh now" reads a calendar at most this often (each is an outside fetch)
FULL_EVERY = timedelta(days=1)
MAX_CALENDARS = 10
MAX_URL = 2000
DUE_BATCH = 50
FETCH_THREADS = 4
Fetcher = Callable[..., FetchResult]
_PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# An absolute URL with a host name (no user info, no IPv6 literal), an optional port and a path of
# printable ASCII (paste percent-encoded). The same pattern is in the API's OpenAPI document.
URL_PATTERN = rf"^(?:[Hh][Tt][Tt][Pp][Ss]?|[Ww][Ee][Bb][Cc][Aa][Ll])://[A-Za-z0-9][A-Za-z0-9.-]*(?::{_PORT})?(?:[/?#][!-~]*)?$"
URL_RE = re.compile(URL_PATTERN)


class ExternalCalendarOut(BaseModel):
    id: int
    url: str
    status: str  # pending | ok | error
    last_fetched_at: datetime | None  # the last attempt
    last_success_at: datetime | None
    last_error: str
    busy_count: int
    created_at: datetime


def _out(row: ExternalCalendar) -> ExternalCalendarOut:
    return ExternalCalendarOut(
        id=row.id or 0, url=row.url, status=row.status, last_fetched_at=row.last_fetched_at,
        last_success_at=row.last_success_at, last_error=row.last_error, busy_count=row.busy_count,
        created_at=row.created_at,
    )


def _ref_prefix(calendar_id: int) -> str:
    return f"cal:{calendar_id}:"


def clean_calendar_url(value: Any) -> str:
    """A subscribable URL (`URL_PATTERN`, also in the API's schema): webcal:// is read as https://;
    https only (http in development)."""
    if not isinstance(value, str) or not value:
        raise fail("url", "is required")
    if len(value) > MAX_URL:
        raise fail("url", f"must be at most {MAX_URL} characters")
    if not URL_RE.fullmatch(value):
        raise fail("url", "must be a web address such as https://calendar.example.com/my-calendar.ics")
    url = value
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    try:
        check_url(url, allow_http=not get_settings().is_production)
    except CalendarFetchError as exc:
        raise fail("url", str(exc)) from exc
    return url


def _own_tutor_id(session: Session, actor: UserOut | None) -> int | None:
    user = require_role(actor, Role.TUTOR)
    return session.exec(select(col(TutorProfile.id)).where(col(TutorProfile.user_id) == user.id)).first()


def _own_calendar(session: Session, actor: UserOut | None, calendar_id: Any) -> ExternalCalendar:
    tutor_id = _own_tutor_id(session, actor)
    try:
        row_id = clean_int(calendar_id, "calendar_id", minimum=1, maximum=2**62)
    except InvalidInput as exc:
        raise NotFound("Calendar not found.") from exc
    row = session.get(ExternalCalendar, row_id)
    if row is None or tutor_id is None or row.tutor_id != tutor_id:
        raise NotFound("Calendar not found.")
    return row


def list_calendars(session: Session, *, actor: UserOut | None) -> list[ExternalCalendarOut]:
    """The tutor's subscribed calendars, oldest first, with the last fetch outcome."""
    tutor_id = _own_tutor_id(session, actor)
    if tutor_id is None:
        return []
    rows = session.exec(
        select(ExternalCalendar).where(col(ExternalCalendar.tutor_id) == tutor_id).order_by(col(ExternalCalendar.id))
    ).all()
    return [_out(r) for r in rows]


def add_calendar(session: Session, *, actor: UserOut | None, url: Any, now: datetime | None = None) -> ExternalCalendarOut:
    """Subscribe to a calendar (status "pending": the sync job fetches it within a minute)."""
    profile, _ = own_tutor_profile(session, actor)
    assert profile.id is not None
    clean = clean_calendar_url(url)
    existing = session.exec(
        select(col(ExternalCalendar.url)).where(col(ExternalCalendar.tutor_id) == profile.id)
    ).all()
    if clean in existing:
        raise Conflict("This calendar is already added.")
    if len(existing) >= MAX_CALENDARS:
        raise Conflict(f"At most {MAX_CALENDARS} calendars; remove one first.")
    at = now or utcnow()
    row = ExternalCalendar(tutor_id=profile.id, url=clean, next_fetch_at=at, created_at=at)
    session.add(row)
    session.flush()
    return _out(row)


def remove_calendar(session: Session, *, actor: UserOut | None, calendar_id: Any, now: datetime | None = None) -> None:
    """Unsubscribe: the calendar and the busy time it brought go; the freed slots reappear."""
    row = _own_calendar(session, actor, calendar_id)
    tutor_id, row_id = row.tutor_id, row.id or 0
    _delete_busy(session, tutor_id, row_id)
    session.delete(row)
    session.flush()
    refresh_tutor_free_slots(session, tutor_id, now=now)


def _delete_busy(session: Session, tutor_id: int, calendar_id: int) -> None:
    session.execute(delete(BusyInterval).where(
        col(BusyInterval.tutor_id) == tutor_id,
        col(BusyInterval.source) == BusySource.EXTERNAL,
        col(BusyInterval.ref).startswith(_ref_prefix(calendar_id), autoescape=True),
    ))


def _window(session: Session, tutor_id: int, now: datetime) -> tuple[datetime, datetime, str]:
    days = session.exec(
        select(col(SchedulingSettings.booking_window_days)).where(col(SchedulingSettings.tutor_id) == tutor_id)
    ).first()
    zone = session.exec(select(col(TutorProfile.timezone)).where(col(TutorProfile.id) == tutor_id)).first()
    window_days = SchedulingSettings(tutor_id=0).booking_window_days if days is None else days
    return now - timedelta(days=1), now + timedelta(days=min(window_days, 400) + 3), zone or "UTC"


# --- the fetch: read, fetch with no transaction open, write --------------------------------------------------------


def _fetch_outcome(url: str, etag: str, last_modified: str, lo: datetime, hi: datetime, zone: str,
                   fetcher: Fetcher) -> tuple[FetchResult | None, list[BusySpanUtc] | None, str]:
    """(fetch result, spans or None when unchanged, error text) — never raises."""
    settings = get_settings()
    try:
        result = fetcher(url, etag=etag, last_modified=last_modified, allow_http=not settings.is_production,
                         allow_private=settings.allow_private_calendar_urls)
        if result.not_modified:
            return result, None, ""
        return result, busy_spans_from_ics(result.body, lo=lo, hi=hi, home_zone=zone), ""
    except (CalendarFetchError, CalendarParseError) as exc:
        return None, None, str(exc)
    except Exception as exc:  # a bug or an unexpected library error must not stop the job
        log.exception("calendar fetch of %s crashed", url)
        return None, None, f"The calendar could not be read ({type(exc).__name__})."


def _store(session: Session, row: ExternalCalendar, result: FetchResult | None, spans: list[BusySpanUtc] | None,
           error: str, now: datetime) -> None:
    row.last_fetched_at = now
    row.next_fetch_at = now + FETCH_EVERY
    if error:
        row.status, row.last_error = ExternalCalendarStatus.ERROR, error[:500]
        session.add(row)
        return
    assert result is not None
    row.status, row.last_error, row.last_success_at = ExternalCalendarStatus.OK, "", now
    if spans is None:  # 304: nothing changed
        session.add(row)
        return
    row.etag, row.last_modified, row.downloaded_at = result.etag, result.last_modified, now
    row_id = row.id or 0
    _delete_busy(session, row.tutor_id, row_id)
    prefix = _ref_prefix(row_id)
    for span in spans:
        session.add(BusyInterval(tutor_id=row.tutor_id, start_at=span.start, end_at=span.end,
                                 source=BusySource.EXTERNAL, ref=(prefix + span.uid)[:200], note="Imported calendar"))
    row.busy_count = len(spans)
    session.add(row)
    session.flush()
    refresh_tutor_free_slots(session, row.tutor_id, now=now)


def _sync_one(calendar_id: int, now: datetime, fetcher: Fetcher) -> str | None:
    """Fetch one calendar and record the outcome; its new status, or None when it is gone."""
    with session_scope(read_only=True) as session:
        row = session.get(ExternalCalendar, calendar_id)
        if row is None:
            return None
        full = row.downloaded_at is None or row.downloaded_at < now - FULL_EVERY
        url, tutor_id = row.url, row.tutor_id
        etag, modified = ("", "") if full else (row.etag, row.last_modified)
        lo, hi, zone = _window(session, tutor_id, now)
    result, spans, error = _fetch_outcome(url, etag, modified, lo, hi, zone, fetcher)
    with session_scope() as session:
        current = session.get(ExternalCalendar, calendar_id)
        if current is None or current.url != url:  # removed (or replaced) while we were fetching
            return None
        _store(session, current, result, spans, error, now)
        return current.status


def refresh_calendar(*, actor: UserOut | None, calendar_id: Any, now: datetime | None = None,
                     fetcher: Fetcher = fetch_calendar) -> ExternalCalendarOut:
    """"Refresh now": fetch the tutor's calendar at once (a full download) and answer when done.

    Opens its own short transactions around the network call (see the module docstring). At most
    once per REFRESH_GAP per calendar (a click-happy tutor or a script would otherwise make us fetch
    someone else's server in a loop): RateLimited (429) with the seconds to wait."""
    at = now or utcnow()
    with session_scope() as session:
        row = _own_calendar(session, actor, calendar_id)
        if row.last_fetched_at is not None and at - row.last_fetched_at < REFRESH_GAP:
            wait = max(1, ceil((row.last_fetched_at + REFRESH_GAP - at).total_seconds()))
            raise RateLimited(f"This calendar was read moments ago; try again in {wait} seconds.",
                              retry_after_seconds=wait)
        row.downloaded_at = None  # the tutor asked: ignore the validators, read it all again
        session.add(row)
        row_id = row.id or 0
    _sync_one(row_id, at, fetcher)
    with session_scope(read_only=True) as session:
        return _out(_own_calendar(session, actor, row_id))


def due_calendar_ids(session: Session, now: datetime, limit: int = DUE_BATCH) -> list[int]:
    rows = session.exec(
        select(col(ExternalCalendar.id))
        .where((col(ExternalCalendar.next_fetch_at).is_(None)) | (col(ExternalCalendar.next_fetch_at) <= now))
        .order_by(col(ExternalCalendar.next_fetch_at))
        .limit(limit)
    ).all()
    return [int(i) for i in rows if i is not None]


def sync_due_calendars(*, now: datetime | None = None, fetcher: Fetcher = fetch_calendar) -> dict[str, int]:
    """The sync job's body: fetch every calendar that is due (a few at a time), never raising."""
    at = now or utcnow()
    with session_scope(read_only=True) as session:
        ids = due_calendar_ids(session, at)
    counts = {"ok": 0, "error": 0}
    if not ids:
        return counts

    def run(calendar_id: int) -> str | None:
        try:
            return _sync_one(calendar_id, at, fetcher)
        except Exception:  # a database hiccup on one calendar: the next run retries it
            log.exception("calendar sync of #%d failed", calendar_id)
            return ExternalCalendarStatus.ERROR

    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(ids)), thread_name_prefix="calendar-sync") as pool:
        for status in pool.map(run, ids):
            if status == ExternalCalendarStatus.OK:
                counts["ok"] += 1
            elif status == ExternalCalendarStatus.ERROR:
                counts["error"] += 1
    return counts
