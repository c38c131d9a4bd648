"""The tutor's own availability: weekly grid, dated overrides, scheduling settings, busy time.

Only the tutor edits their own (the actor must have the tutor role; the profile is found by
the actor's id, never by an id from the request). Every change refreshes the tutor's row in the
precomputed search index in the same transaction, so search never disagrees with the profile.

The document exchanged with the UI and the API (`AvailabilityDoc`):
{"timezone", "weekly": [{"weekday", "start", "end"}], "overrides": [{"date", "intervals"}],
 "settings": {…}}. On save, absent top-level keys keep their stored values (the grid page can
save the grid alone); present ones replace what was stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.scheduling import (
    AvailabilityOverride,
    AvailabilityRule,
    BusyInterval,
    BusySource,
    SchedulingSettings,
)
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.role_profiles import own_tutor_profile
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots
from tutorhub.services.scheduling.schedule_input import (
    format_hhmm,
    parse_instant,
    parse_overrides,
    parse_present,
    parse_settings,
    parse_weekly,
)
from tutorhub.services.validation import clean_int, clean_text, fail, validate_timezone

MAX_BUSY_DAYS = 31
MAX_BUSY_ROWS = 2000


class TimeSpanOut(BaseModel):
    start: str  # "HH:MM" local
    end: str


class WeeklyIntervalOut(TimeSpanOut):
    weekday: int  # 0 = Monday


class OverrideOut(BaseModel):
    date: str  # "YYYY-MM-DD", tutor-local
    intervals: list[TimeSpanOut]  # empty = the whole day is blocked


class SchedulingSettingsOut(BaseModel):
    lesson_lengths: list[int]
    buffer_before_min: int
    buffer_after_min: int
    min_notice_hours: int
    booking_window_days: int
    max_lessons_per_day: int
    instant_booking: bool


class AvailabilityDoc(BaseModel):
    tutor_id: int
    timezone: str
    weekly: list[WeeklyIntervalOut]
    overrides: list[OverrideOut]
    settings: SchedulingSettingsOut


class BusyOut(BaseModel):
    id: int
    start: str  # ISO 8601, UTC
    end: str
    source: str
    note: str


def _settings_row(session: Session, tutor_id: int) -> SchedulingSettings:
    row = session.exec(select(SchedulingSettings).where(col(SchedulingSettings.tutor_id) == tutor_id)).first()
    return row or SchedulingSettings(tutor_id=tutor_id)


def _settings_out(row: SchedulingSettings) -> SchedulingSettingsOut:
    return SchedulingSettingsOut(
        lesson_lengths=sorted(row.lesson_lengths or [60]),
        buffer_before_min=row.buffer_before_min,
        buffer_after_min=row.buffer_after_min,
        min_notice_hours=row.min_notice_hours,
        booking_window_days=row.booking_window_days,
        max_lessons_per_day=row.max_lessons_per_day,
        instant_booking=row.instant_booking,
    )


def availability_doc(session: Session, profile: TutorProfile) -> AvailabilityDoc:
    """The stored document of a tutor (callers have already authorized the reader)."""
    assert profile.id is not None
    rules = session.exec(
        select(AvailabilityRule)
        .where(col(AvailabilityRule.tutor_id) == profile.id)
        .order_by(col(AvailabilityRule.weekday), col(AvailabilityRule.start_min))
    ).all()
    overrides = session.exec(
        select(AvailabilityOverride)
        .where(col(AvailabilityOverride.tutor_id) == profile.id)
        .order_by(col(AvailabilityOverride.day))
    ).all()
    return AvailabilityDoc(
        tutor_id=profile.id,
        timezone=profile.timezone,
        weekly=[
            WeeklyIntervalOut(weekday=r.weekday, start=format_hhmm(r.start_min), end=format_hhmm(r.end_min))
            for r in rules
        ],
        overrides=[
            OverrideOut(
                date=o.day.isoformat(),
                intervals=[TimeSpanOut(start=format_hhmm(a), end=format_hhmm(b)) for a, b in o.intervals or []],
            )
            for o in overrides
        ],
        settings=_settings_out(_settings_row(session, profile.id)),
    )


def get_availability(session: Session, *, actor: UserOut | None) -> AvailabilityDoc:
    """The signed-in tutor's availability document (defaults when nothing is saved yet)."""
    profile, _ = own_tutor_profile(session, actor)
    return availability_doc(session, profile)


def get_availability_editor(session: Session, *, actor: UserOut | None) -> tuple[AvailabilityDoc, str]:
    """The document and the tutor's review status (TutorStatus): the editor page links to the
    public profile only once approved, and needs nothing else of the profile."""
    profile, _ = own_tutor_profile(session, actor)
    return availability_doc(session, profile), profile.status


def save_availability(
    session: Session, *, actor: UserOut | None, data: Any, now: datetime | None = None
) -> AvailabilityDoc:
    """Validate and store the tutor's document; every invalid field is reported at once.

    Setting `timezone` here also changes the tutor's profile timezone: weekly rules are wall
    clock times *in that zone*, so the two must never disagree.
    """
    if not isinstance(data, dict):
        raise InvalidInput("Body must be a JSON object.")
    profile, _ = own_tutor_profile(session, actor)
    assert profile.id is not None
    parsed = parse_present(
        data,
        {
            "timezone": validate_timezone,
            "weekly": parse_weekly,
            "overrides": parse_overrides,
            "settings": parse_settings,
        },
    )

    stamp = utcnow()
    if "timezone" in parsed and parsed["timezone"] != profile.timezone:
        profile.timezone = parsed["timezone"]
        profile.updated_at = stamp
        session.add(profile)
    if "weekly" in parsed:
        session.execute(delete(AvailabilityRule).where(col(AvailabilityRule.tutor_id) == profile.id))
        for weekday, start, end in parsed["weekly"]:
            session.add(AvailabilityRule(tutor_id=profile.id, weekday=weekday, start_min=start, end_min=end))
    if "overrides" in parsed:
        session.execute(delete(AvailabilityOverride).where(col(AvailabilityOverride.tutor_id) == profile.id))
        for day, spans in sorted(parsed["overrides"].items()):
            session.add(AvailabilityOverride(tutor_id=profile.id, day=day, intervals=[list(s) for s in spans]))
    if "settings" in parsed:
        row = _settings_row(session, profile.id)
        for key, value in parsed["settings"].items():
            setattr(row, key, value)
        row.updated_at = stamp
        session.add(row)
    session.flush()
    refresh_tutor_free_slots(session, profile.id, now=now)
    return availability_doc(session, profile)


def _busy_out(row: BusyInterval) -> BusyOut:
    return BusyOut(
        id=row.id or 0, start=row.start_at.isoformat(), end=row.end_at.isoformat(), source=row.source, note=row.note
    )


def _busy_range(start: Any, end: Any, max_days: int) -> tuple[datetime, datetime]:
    start_dt, end_dt = parse_instant(start, "start"), parse_instant(end, "end")
    if end_dt <= start_dt:
        raise fail("end", "must be after start")
    if (end_dt - start_dt).days >= max_days:
        raise fail("end", f"the range may span at most {max_days} days")
    return start_dt, end_dt


def list_busy(session: Session, *, actor: UserOut | None, start: Any, end: Any) -> list[BusyOut]:
    """The tutor's busy intervals overlapping [start, end) (at most 93 days), any source."""
    profile, _ = own_tutor_profile(session, actor)
    start_dt, end_dt = _busy_range(start, end, 93)
    rows = session.exec(
        select(BusyInterval)
        .where(
            col(BusyInterval.tutor_id) == profile.id,
            col(BusyInterval.start_at) < end_dt,
            col(BusyInterval.end_at) > start_dt,
        )
        .order_by(col(BusyInterval.start_at))
        .limit(MAX_BUSY_ROWS)
    ).all()
    return [_busy_out(r) for r in rows]


def add_busy(
    session: Session, *, actor: UserOut | None, start: Any, end: Any, note: Any = "", now: datetime | None = None
) -> BusyOut:
    """Block time by hand (at most 31 days at once)."""
    profile, _ = own_tutor_profile(session, actor)
    assert profile.id is not None
    start_dt, end_dt = _busy_range(start, end, MAX_BUSY_DAYS)
    text = clean_text(note, "note", max_len=200)
    count = session.exec(
        select(func.count())
        .select_from(BusyInterval)
        .where(col(BusyInterval.tutor_id) == profile.id, col(BusyInterval.source) == BusySource.MANUAL)
    ).one()
    if count >= MAX_BUSY_ROWS:
        raise fail("start", f"at most {MAX_BUSY_ROWS} blocked periods; remove old ones first")
    row = BusyInterval(tutor_id=profile.id, start_at=start_dt, end_at=end_dt, source=BusySource.MANUAL, note=text)
    session.add(row)
    session.flush()
    refresh_tutor_free_slots(session, profile.id, now=now)
    return _busy_out(row)


def remove_busy(session: Session, *, actor: UserOut | None, busy_id: Any, now: datetime | None = None) -> None:
    """Remove one of the tutor's own manual blocks (imported and lesson time are not editable here)."""
    profile, _ = own_tutor_profile(session, actor)
    assert profile.id is not None
    try:
        row_id = clean_int(busy_id, "busy_id", minimum=1)
    except InvalidInput as exc:
        raise NotFound("Blocked period not found.") from exc
    row = session.get(BusyInterval, row_id)
    if row is None or row.tutor_id != profile.id or row.source != BusySource.MANUAL:
        raise NotFound("Blocked period not found.")
    session.delete(row)
    session.flush()
    refresh_tutor_free_slots(session, profile.id, now=now)


def replace_busy_from_source(
    session: Session,
    *,
    tutor_id: int,
    source: str,
    spans: list[tuple[datetime, datetime, str]],
    now: datetime | None = None,
) -> int:
    """Replace all busy time of `source` for a tutor (calendar import, booking sync).

    For trusted callers (jobs, the booking service), not for request input: no actor check.
    `spans` are (start, end, ref) with aware datetimes; inverted ones are skipped.
    """
    if source not in BusySource.ALL:
        raise fail("source", f"must be one of {', '.join(BusySource.ALL)}")
    session.execute(
        delete(BusyInterval).where(col(BusyInterval.tutor_id) == tutor_id, col(BusyInterval.source) == source)
    )
    kept = 0
    for start, end, ref in spans:
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            continue
        session.add(BusyInterval(tutor_id=tutor_id, start_at=start, end_at=end, source=source, ref=ref[:200]))
        kept += 1
    session.flush()
    refresh_tutor_free_slots(session, tutor_id, now=now)
    return kept
