"""Reading a tutor's free slots and best lesson times, for anyone who may see the tutor.

Who may read: anyone (signed in or not) for an APPROVED tutor whose account is not suspended;
the tutor themselves and admins always (so a tutor can check their grid before approval).
Everyone else gets "not found", exactly like the public profile.

Times go out as ISO 8601 in the viewer's zone with its offset ("2027-03-16T04:00:00-04:00") and,
beside them, in the tutor's zone (`tutor_start`, `tutor_end`) for "17:00 for you · 21:30 for your
tutor". All arithmetic happens in the engine on epoch minutes; see slot_engine.py for the rules
and best_times.py for the scoring.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.scheduling.calendar_store import busy_for_tutor, load_calendar
from tutorhub.services.scheduling.engine import best_times as ranking
from tutorhub.services.scheduling.engine.slot_engine import TutorCalendar, expand_weekly, slot_starts
from tutorhub.services.scheduling.engine.tzclock import (
    MINUTES_PER_DAY,
    ZoneClock,
    clock_for,
    render,
    to_minute,
    to_minute_ceil,
)
from tutorhub.services.scheduling.schedule_input import (
    collect,
    format_hhmm,
    parse_instant,
    parse_windows,
    parse_zone,
    weekly_to_days,
)
from tutorhub.services.scheduling.student_windows import SavedWindows, WindowItem, saved_windows
from tutorhub.services.validation import clean_int, fail, fail_fields

MAX_RANGE_DAYS = 93
DEFAULT_RANGE_DAYS = 28
BEST_DAYS = 14
MAX_BEST_LIMIT = 50
_PAD = 2 * MINUTES_PER_DAY  # busy time this far outside the range can still reach it through buffers


class SlotOut(BaseModel):
    start: str  # viewer's zone, with offset
    end: str
    tutor_start: str  # tutor's zone, with offset
    tutor_end: str


class SlotList(BaseModel):
    tutor_id: int
    timezone: str  # the zone `start`/`end` are rendered in
    tutor_timezone: str
    duration: int
    lesson_lengths: list[int]
    slots: list[SlotOut]


class WindowOut(WindowItem):
    # The same shape as a student's saved window; its own class only so the OpenAPI schema
    # keeps its name ("WindowOut") in the /slots/best contract.
    pass


class ProposalOut(SlotOut):
    score: int  # 0..100, see best_times.py
    wasted_min: int
    splits_stretch: bool


class BestTimes(BaseModel):
    tutor_id: int
    timezone: str  # the zone `start`/`end` are rendered in
    windows_timezone: str  # the zone `windows` are wall-clock times in (a student's saved zone, or `tz`)
    tutor_timezone: str
    duration: int
    windows: list[WindowOut]
    proposals: list[ProposalOut]


def _visible_tutor(session: Session, tutor_id: Any, viewer: UserOut | None) -> tuple[int, str]:
    """(tutor id, tutor zone) if the viewer may see this tutor's slots; NotFound otherwise."""
    try:
        tid = clean_int(tutor_id, "tutor_id", minimum=1, maximum=2**62)
    except InvalidInput as exc:
        raise NotFound("Tutor not found.") from exc
    row = (
        session.connection()
        .execute(
            select(
                col(TutorProfile.status), col(TutorProfile.timezone), col(TutorProfile.user_id), col(User.is_suspended)
            )
            .join(User, col(User.id) == col(TutorProfile.user_id))
            .where(col(TutorProfile.id) == tid)
        )
        .first()
    )
    if row is None:
        raise NotFound("Tutor not found.")
    status, zone, owner_id, suspended = row
    privileged = viewer is not None and (viewer.id == owner_id or viewer.role == Role.ADMIN)
    if not privileged and (status != TutorStatus.APPROVED or suspended):
        raise NotFound("Tutor not found.")
    return tid, zone


def _duration(value: Any, cal: TutorCalendar) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return cal.lesson_lengths[0]
    duration = clean_int(value, "duration", minimum=1, maximum=10_000)
    if duration not in cal.lesson_lengths:
        offered = ", ".join(map(str, cal.lesson_lengths))
        raise fail("duration", f"this tutor offers {offered}-minute lessons")
    return duration


def _slot(start: int, duration: int, viewer: ZoneClock, tutor: ZoneClock) -> dict[str, str]:
    end = start + duration
    return {
        "start": render(start, viewer),
        "end": render(end, viewer),
        "tutor_start": render(start, tutor),
        "tutor_end": render(end, tutor),
    }


def get_slots(
    session: Session,
    *,
    tutor_id: Any,
    start: Any = None,
    end: Any = None,
    duration: Any = None,
    tz: Any = None,
    viewer: UserOut | None = None,
    now: datetime | None = None,
) -> SlotList:
    """Bookable starts of `duration`-minute lessons lying wholly inside [start, end), sorted.

    `start`/`end` are aware datetimes or ISO 8601 text with an offset (default: now … 28 days);
    the range may span at most 93 days. `duration` defaults to the tutor's shortest length and
    must be one the tutor offers. `tz` (default UTC) is the zone the times are rendered in.
    """
    now_dt = now or utcnow()
    errors: dict[str, str] = {}
    zone = collect(errors, lambda: parse_zone(tz))
    start_dt = collect(errors, lambda: parse_instant(start, "start")) if start is not None else now_dt
    end_dt = collect(errors, lambda: parse_instant(end, "end")) if end is not None else None
    if start_dt is not None and end_dt is None and end is None:
        end_dt = start_dt + timedelta(days=DEFAULT_RANGE_DAYS)
    if start_dt is not None and end_dt is not None:
        if end_dt <= start_dt:
            errors["end"] = "must be after start"
        elif end_dt - start_dt > timedelta(days=MAX_RANGE_DAYS):
            errors["end"] = f"the range may span at most {MAX_RANGE_DAYS} days"
    if errors:
        raise fail_fields(errors)
    assert start_dt is not None and end_dt is not None and zone is not None
    tid, tutor_zone = _visible_tutor(session, tutor_id, viewer)
    lo, hi = to_minute_ceil(start_dt), to_minute(end_dt)
    cal = load_calendar(session, tid, lo, hi, zone=tutor_zone)
    length = _duration(duration, cal)
    busy = busy_for_tutor(session, tid, lo - _PAD, hi + _PAD)
    starts = slot_starts(cal, busy, duration=length, lo=lo, hi=hi, now=to_minute(now_dt))
    viewer_clock, tutor_clock = clock_for(zone), clock_for(tutor_zone)
    return SlotList(
        tutor_id=tid,
        timezone=zone,
        tutor_timezone=tutor_zone,
        duration=length,
        lesson_lengths=list(cal.lesson_lengths),
        slots=[SlotOut(**_slot(t, length, viewer_clock, tutor_clock)) for t in starts],
    )


def best_times(
    session: Session,
    *,
    tutor_id: Any,
    tz: Any = None,
    duration: Any = None,
    windows: Any = None,
    limit: Any = 5,
    days: int = BEST_DAYS,
    viewer: UserOut | None = None,
    now: datetime | None = None,
    saved: SavedWindows | None = None,
) -> BestTimes:
    """The best lesson starts with this tutor inside weekly `windows` (in `tz`) over the next
    `days` days, best first, with their scores (best_times.py documents the formula).

    `windows` is a list (or its JSON text) of {"weekday", "start", "end"}. When it is omitted
    and the viewer is a student with saved windows, those are used — always in the student's
    saved zone (`windows_timezone`) — with that zone and their lesson length as defaults for
    `tz` and `duration`. `saved` is the viewer's own saved windows when the caller has
    already loaded them (slot_weeks.best_for_viewer), to save reading them again.
    """
    now_dt = now or utcnow()
    rows: list[tuple[int, int, int]] | None = None
    saved_zone: str | None = None
    if windows is None and viewer is not None and viewer.role == Role.STUDENT:
        saved = saved if saved is not None else saved_windows(session, viewer.id)
        if saved is not None:
            # Saved windows are wall-clock times in the student's zone, whatever `tz` the answer
            # is rendered in.
            rows, saved_zone = saved.rows, saved.timezone
            tz = tz if tz not in (None, "") else saved.timezone
            duration = duration if duration not in (None, "") else saved.lesson_length
    errors: dict[str, str] = {}
    zone = collect(errors, lambda: parse_zone(tz))
    if rows is None:
        if windows is None:
            errors["windows"] = "give your preferred weekly windows"
        else:
            rows = collect(errors, lambda: parse_windows(windows))
    top = collect(
        errors, lambda: clean_int(5 if limit in (None, "") else limit, "limit", minimum=1, maximum=MAX_BEST_LIMIT)
    )
    if errors:
        raise fail_fields(errors)
    assert zone is not None and rows is not None and top is not None
    tid, tutor_zone = _visible_tutor(session, tutor_id, viewer)
    lo = to_minute_ceil(now_dt)
    hi = lo + days * MINUTES_PER_DAY
    cal = load_calendar(session, tid, lo, hi, zone=tutor_zone)
    length = _duration(duration, cal)
    windows_zone = saved_zone or zone
    window_utc = expand_weekly(windows_zone, weekly_to_days(rows), {}, lo - MINUTES_PER_DAY, hi + MINUTES_PER_DAY)
    busy = busy_for_tutor(session, tid, lo - _PAD, hi + 2 * _PAD)
    proposals = ranking.rank(
        cal, busy, windows=window_utc, duration=length, lo=lo, hi=hi, now=to_minute(now_dt), limit=top
    )
    viewer_clock, tutor_clock = clock_for(zone), clock_for(tutor_zone)
    return BestTimes(
        tutor_id=tid,
        timezone=zone,
        windows_timezone=windows_zone,
        tutor_timezone=tutor_zone,
        duration=length,
        windows=[WindowOut(weekday=w, start=format_hhmm(s), end=format_hhmm(e)) for w, s, e in rows],
        proposals=[
            ProposalOut(
                **_slot(p.start, length, viewer_clock, tutor_clock),
                score=p.score,
                wasted_min=p.wasted_min,
                splits_stretch=p.splits_stretch,
            )
            for p in proposals
        ],
    )
