"""Weekly recurring series: N lessons (up to 52) at the same local wall-clock time.

The series is anchored in a zone — the tutor's by default (their weekly hours live there), or
the one the student passes — and every occurrence is "the same weekday and clock time in that
zone", expanded with tzclock.py, so "Tuesdays 17:00 Europe/Berlin" stays 17:00 in Berlin across
daylight-saving changes (its UTC instant moves instead). A local time that does not exist on a
spring-forward day is reported as a conflict with alternatives.

Every occurrence is checked like a single booking (availability, notice, free time, lessons per
day), except the booking window, which limits only the first: a series is one decision, and a
52-week series would otherwise never fit a 60-day window. Conflicting occurrences come back
with up to three alternatives each — the nearest bookable starts within three days either side.

`preview_series` shows all of that without writing (the student decides); `create_series` holds
every free occurrence through the guarded path under one tutor lock — all or nothing unless
`skip_conflicts` — and paying them together is checkout's `lesson_payments.confirm_series`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import BookingKind, BookingSeries
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking import policy
from tutorhub.services.booking.bookings import (
    bookable_tutor,
    lesson_mode,
    lesson_subject,
    place_hold,
)
from tutorhub.services.booking.guard import lock_tutors, release_stale_holds
from tutorhub.services.booking.hold_limits import check_series_covered, hold_attempt
from tutorhub.services.booking.views import BookingOut, bookings_out, student_zone
from tutorhub.services.errors import Conflict, InvalidInput
from tutorhub.services.scheduling.calendar_store import busy_for_tutor, load_calendar
from tutorhub.services.scheduling.engine.slot_engine import BusySpan, TutorCalendar, full_days, slot_starts
from tutorhub.services.scheduling.engine.tzclock import (
    MINUTES_PER_DAY,
    ZoneClock,
    clock_for,
    day_of,
    from_minute,
    render,
    to_minute,
)
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.services.validation import clean_int, fail, fail_fields, validate_timezone

MAX_OCCURRENCES = 52
ALTERNATIVES = 3
ALT_DAYS = 3
REASONS = {
    "taken": "the tutor is not free then",
    "day_full": "the tutor's day is fully booked",
    "unavailable": "outside the tutor's available hours",
    "no_such_time": "that local time does not exist that day (clock change)",
    "notice": "too soon (the tutor's minimum notice)",
    "window": "beyond the tutor's booking window",
}


class TimeOut(BaseModel):
    start: datetime  # aware UTC
    student_start: str  # ISO 8601 in the student's zone
    tutor_start: str  # ISO 8601 in the tutor's zone


class OccurrenceOut(TimeOut):
    index: int  # 0-based position in the series
    end: datetime
    ok: bool
    reason: str | None  # a key of REASONS when not ok
    reason_text: str
    alternatives: list[TimeOut]


class SeriesPreview(BaseModel):
    tutor_id: int
    timezone: str  # the anchor zone
    tutor_timezone: str
    student_timezone: str
    duration_min: int
    count: int
    price_minor: int  # per lesson
    currency: str
    conflicts: int
    occurrences: list[OccurrenceOut]


class SeriesOut(BaseModel):
    series_id: int
    timezone: str
    occurrences: list[BookingOut]  # the held lessons, in order
    skipped: list[OccurrenceOut]  # conflicting occurrences left out (only with skip_conflicts)


class SeriesConflict(Conflict):
    """409 listing the conflicting occurrences (with alternatives) — the API returns them."""

    def __init__(self, preview: SeriesPreview) -> None:
        conflicts = [o for o in preview.occurrences if not o.ok]
        super().__init__(
            f"{len(conflicts)} of {preview.count} lessons cannot be booked at that time.",
            extra={
                "conflicts": [o.model_dump(mode="json") for o in conflicts],
                "occurrences": [o.model_dump(mode="json") for o in preview.occurrences],
            },
        )
        self.preview = preview


@dataclass(slots=True)
class _Request:
    profile: TutorProfile
    start: datetime
    duration: int
    count: int
    zone: str


def _parse(session: Session, tutor_id: Any, start: Any, duration_min: Any, count: Any, timezone: Any) -> _Request:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, fn in (
        ("start", lambda: parse_instant(start, "start")),
        ("duration_min", lambda: clean_int(duration_min, "duration_min", minimum=1, maximum=24 * 60)),
        ("count", lambda: clean_int(count, "count", minimum=1, maximum=MAX_OCCURRENCES)),
        ("timezone", lambda: None if timezone in (None, "") else validate_timezone(timezone, "timezone")),
    ):
        try:
            values[key] = fn()
        except InvalidInput as exc:
            errors.update(exc.fields or {key: exc.message})
    if errors:
        raise fail_fields(errors)
    profile = bookable_tutor(session, tutor_id)
    return _Request(profile, values["start"], values["duration_min"], values["count"], values["timezone"] or profile.timezone)


def _check_length(session: Session, req: _Request) -> None:
    lengths = load_calendar(session, req.profile.id or 0, 0, 1, zone=req.profile.timezone).lesson_lengths
    if req.duration not in lengths:
        offered = ", ".join(map(str, lengths))
        raise fail("duration_min", f"this tutor offers {offered}-minute lessons")


def occurrence_starts(start: datetime, count: int, zone: str) -> list[tuple[int, bool]]:
    """(UTC epoch minute, exists) of each weekly occurrence at `start`'s wall-clock time in `zone`."""
    clock = clock_for(zone)
    local = clock.to_local(to_minute(start))
    out = []
    for k in range(count):
        target = local + k * 7 * MINUTES_PER_DAY
        instant = clock.to_utc(target)
        out.append((instant, clock.to_local(instant) == target))
    return out


def _reason(cal: TutorCalendar, busy: list[BusySpan], start: int, duration: int, now: int, window: bool) -> str | None:
    if start < now + cal.min_notice_min:
        return "notice"
    if window and start >= now + cal.booking_window_min:
        return "window"
    if duration not in cal.lesson_lengths or start not in slot_starts(cal, [], duration=duration, lo=start,
                                                                       hi=start + duration):
        return "unavailable"
    if start not in slot_starts(cal, busy, duration=duration, lo=start, hi=start + duration):
        full = day_of(clock_for(cal.zone).to_local(start)) in full_days(cal, busy)
        return "day_full" if full else "taken"
    return None


def _time(minute: int, student: ZoneClock, tutor: ZoneClock) -> dict[str, Any]:
    return {"start": from_minute(minute), "student_start": render(minute, student), "tutor_start": render(minute, tutor)}


def _preview(session: Session, req: _Request, student_id: int, now: datetime) -> SeriesPreview:
    """Check every occurrence against one calendar read (call under the tutor lock to act on it)."""
    assert req.profile.id is not None
    tid, duration = req.profile.id, req.duration
    starts = occurrence_starts(req.start, req.count, req.zone)
    lo = starts[0][0] - ALT_DAYS * MINUTES_PER_DAY
    hi = starts[-1][0] + duration + ALT_DAYS * MINUTES_PER_DAY
    cal = load_calendar(session, tid, lo, hi, zone=req.profile.timezone)
    busy = busy_for_tutor(session, tid, lo - 2 * MINUTES_PER_DAY, hi + 2 * MINUTES_PER_DAY)
    now_min = to_minute(now)
    s_zone = student_zone(session, student_id)
    student, tutor = clock_for(s_zone), clock_for(req.profile.timezone)
    chosen = set()
    occurrences = []
    planned = list(busy)
    for index, (start, exists) in enumerate(starts):
        reason = "no_such_time" if not exists else _reason(cal, planned, start, duration, now_min, index == 0)
        alternatives: list[TimeOut] = []
        if reason is None:
            planned.append(BusySpan(start, start + duration, "hold"))
            chosen.add(start)
        else:
            around = slot_starts(cal, planned, duration=duration, lo=start - ALT_DAYS * MINUTES_PER_DAY,
                                 hi=start + duration + ALT_DAYS * MINUTES_PER_DAY, now=None)
            valid = [t for t in around if t >= now_min + cal.min_notice_min and t not in chosen]
            valid.sort(key=lambda t: (abs(t - start), t))
            alternatives = [TimeOut(**_time(t, student, tutor)) for t in valid[:ALTERNATIVES]]
        occurrences.append(
            OccurrenceOut(
                **_time(start, student, tutor),
                index=index,
                end=from_minute(start + duration),
                ok=reason is None,
                reason=reason,
                reason_text=REASONS.get(reason or "", ""),
                alternatives=alternatives,
            )
        )
    mode, rate = lesson_mode(req.profile, None)
    quote = policy.quote(rate, duration, req.profile.currency, trial=False)
    return SeriesPreview(
        tutor_id=tid,
        timezone=req.zone,
        tutor_timezone=req.profile.timezone,
        student_timezone=s_zone,
        duration_min=duration,
        count=req.count,
        price_minor=quote.price_minor,
        currency=quote.currency,
        conflicts=sum(1 for o in occurrences if not o.ok),
        occurrences=occurrences,
    )


def preview_series(
    session: Session,
    *,
    actor: UserOut | None,
    tutor_id: Any,
    start: Any,
    duration_min: Any,
    count: Any,
    timezone: Any = None,
    now: datetime | None = None,
) -> SeriesPreview:
    """Which occurrences of a weekly series are bookable, with alternatives for the rest (no writes)."""
    user = require_role(actor, Role.STUDENT)
    req = _parse(session, tutor_id, start, duration_min, count, timezone)
    _check_length(session, req)
    return _preview(session, req, user.id, now or utcnow())


def create_series(
    session: Session,
    *,
    actor: UserOut | None,
    tutor_id: Any,
    start: Any,
    duration_min: Any,
    count: Any,
    timezone: Any = None,
    skip_conflicts: bool = False,
    subject: Any = None,
    now: datetime | None = None,
) -> SeriesOut:
    """Hold every occurrence of a weekly series (PENDING_PAYMENT, like single bookings).

    Any conflict → `SeriesConflict` (409, with the occurrences and alternatives) and nothing is
    written, unless `skip_conflicts` — then the free occurrences are held and the rest listed in
    `skipped` (still 409 if none is free). 402 `SeriesNotCovered` unless the wallet or the credits
    cover every lesson to be held; 429 after 20 hold attempts in an hour (hold_limits.py).
    """
    user = require_role(actor, Role.STUDENT)
    now = now or utcnow()
    with hold_attempt(session, student_id=user.id, kind=BookingKind.SERIES, now=now):
        return _hold_series(session, user, tutor_id, start, duration_min, count, timezone, skip_conflicts, subject,
                            now)


def _hold_series(session: Session, user: UserOut, tutor_id: Any, start: Any, duration_min: Any, count: Any,
                 timezone: Any, skip_conflicts: bool, subject: Any, now: datetime) -> SeriesOut:
    req = _parse(session, tutor_id, start, duration_min, count, timezone)
    _check_length(session, req)
    subject_v = lesson_subject(session, req.profile, subject)
    mode, rate = lesson_mode(req.profile, None)
    assert req.profile.id is not None
    lock_tutors(session, [req.profile.id])
    release_stale_holds(session, req.profile.id, now)
    preview = _preview(session, req, user.id, now)
    ok = [o for o in preview.occurrences if o.ok]
    if preview.conflicts and (not skip_conflicts or not ok):
        raise SeriesConflict(preview)
    check_series_covered(session, user.id, lessons=len(ok), price_minor=preview.price_minor, currency=preview.currency,
                         duration_min=req.duration, now=now)
    clock = clock_for(req.zone)
    local = clock.to_local(to_minute(req.start))
    series = BookingSeries(
        student_id=user.id,
        tutor_id=req.profile.id,
        timezone=req.zone,
        weekday=(day_of(local) + 3) % 7,
        local_start_min=local % MINUTES_PER_DAY,
        duration_min=req.duration,
        count=req.count,
        first_start_at=ok[0].start,
        created_at=now,
    )
    session.add(series)
    session.flush()
    quote = policy.quote(rate, req.duration, req.profile.currency, trial=False)
    held = [
        place_hold(
            session,
            student_id=user.id,
            profile=req.profile,
            start_at=occ.start,
            duration=req.duration,
            kind=BookingKind.SERIES,
            subject=subject_v,
            mode=mode,
            quote=quote,
            now=now,
            series_id=series.id,
            apply_window=occ.index == 0,
            field=f"occurrences.{occ.index}",
            refresh_index=False,
        )
        for occ in ok
    ]
    refresh_tutor_free_slots(session, req.profile.id, now=now)
    return SeriesOut(
        series_id=series.id or 0,
        timezone=req.zone,
        occurrences=bookings_out(session, held, viewer_id=user.id, viewer_is_admin=False, now=now),
        skipped=[o for o in preview.occurrences if not o.ok],
    )
