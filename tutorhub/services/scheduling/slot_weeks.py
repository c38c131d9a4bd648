"""What the tutor profile page shows about time: one viewer-local week of free slots at a time,
and the best times for the signed-in student.

Pages show a calendar week (Monday to Sunday on the *viewer's* wall clock), so the week's bounds
are local midnights in the viewer's zone turned into instants here; the slots themselves come
from slots.get_slots, which does all the authorization and time arithmetic. A lesson belongs to
the week (and the day) in which it starts for the viewer, even when it ends after midnight.
The profile opens on the first week that has a free time (`opening_week`), not blindly on the
current one; paging and live refreshes then ask for a week by number (`week_slots`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.scheduling import SchedulingSettings, StudentSchedulePrefs
from tutorhub.services.actor import UserOut
from tutorhub.services.scheduling.schedule_input import LESSON_LENGTHS, collect, format_hhmm, parse_zone
from tutorhub.services.scheduling.slots import BestTimes, SlotList, SlotOut, best_times, get_slots
from tutorhub.services.scheduling.student_windows import saved_windows
from tutorhub.services.validation import clean_int, fail_fields

WEEKS_AHEAD = 8  # the current week and the seven after it
LONGEST_LESSON = max(LESSON_LENGTHS)


class DaySlots(BaseModel):
    date: str  # "YYYY-MM-DD" on the viewer's wall clock
    slots: list[SlotOut]


class WeekSlots(BaseModel):
    tutor_id: int
    timezone: str  # the viewer's zone (slot `start`/`end`)
    tutor_timezone: str
    duration: int
    lesson_lengths: list[int]
    week: int  # 0 = the week containing today
    weeks: int  # how many weeks may be paged through
    first_day: str  # Monday, "YYYY-MM-DD"
    today: str  # the viewer's date at `now`, "YYYY-MM-DD" (pages mark it with the same clock)
    days: list[DaySlots]  # seven, Monday first


class BestForViewer(BaseModel):
    """`status`: "anonymous", "not_student", "no_windows" (a student without saved windows) or
    "ready" (then `best` holds the ranked proposals, possibly none)."""

    status: str
    best: BestTimes | None = None


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # A midnight that does not exist (a few zones change clocks at 00:00) is resolved the same
    # way slots are: zoneinfo's fold=0 gives the offset in force before the change.
    return datetime.combine(day, time(0), tzinfo=zone)


def _week(found: SlotList, *, week: int, monday: date, today: date) -> WeekSlots:
    """The slots of `found` that start in the viewer-local week beginning on `monday`, by day."""
    end = _local_midnight(monday + timedelta(days=7), ZoneInfo(found.timezone))
    by_day: dict[str, list[SlotOut]] = {(monday + timedelta(days=i)).isoformat(): [] for i in range(7)}
    for slot in found.slots:
        key = slot.start[:10]
        if key in by_day and datetime.fromisoformat(slot.start) < end:
            by_day[key].append(slot)
    return WeekSlots(
        tutor_id=found.tutor_id,
        timezone=found.timezone,
        tutor_timezone=found.tutor_timezone,
        duration=found.duration,
        lesson_lengths=found.lesson_lengths,
        week=week,
        weeks=WEEKS_AHEAD,
        first_day=monday.isoformat(),
        today=today.isoformat(),
        days=[DaySlots(date=key, slots=slots) for key, slots in by_day.items()],
    )


def _slots_between(
    session: Session,
    *,
    tutor_id: Any,
    first: date,
    last: date,
    duration: Any,
    zone: str,
    viewer: UserOut | None,
    now: datetime,
) -> SlotList:
    """Free slots starting on the viewer-local days `first` … `last` (plus lessons that start
    before the end and run past it, which the caller drops by start)."""
    tzinfo = ZoneInfo(zone)
    return get_slots(
        session,
        tutor_id=tutor_id,
        start=_local_midnight(first, tzinfo),
        end=_local_midnight(last + timedelta(days=1), tzinfo) + timedelta(minutes=LONGEST_LESSON),
        duration=duration,
        tz=zone,
        viewer=viewer,
        now=now,
    )


def week_slots(
    session: Session,
    *,
    tutor_id: Any,
    week: Any = 0,
    duration: Any = None,
    tz: Any = None,
    viewer: UserOut | None = None,
    now: datetime | None = None,
) -> WeekSlots:
    """Free slots of one viewer-local week (`week` weeks after the current one), grouped by day."""
    now_dt = now or utcnow()
    errors: dict[str, str] = {}
    week_i = collect(errors, lambda: clean_int(week, "week", minimum=0, maximum=WEEKS_AHEAD - 1))
    zone = collect(errors, lambda: parse_zone(tz))
    if errors:
        raise fail_fields(errors)
    assert week_i is not None and zone is not None
    today = now_dt.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week_i)
    found = _slots_between(
        session,
        tutor_id=tutor_id,
        first=monday,
        last=monday + timedelta(days=6),
        duration=duration,
        zone=zone,
        viewer=viewer,
        now=now_dt,
    )
    return _week(found, week=week_i, monday=monday, today=today)


def preferred_length(session: Session, tutor_id: Any, viewer: UserOut | None) -> int | None:
    """The student's preferred lesson length when this tutor offers it (the profile and its
    booking dialog then open on it), else None (the tutor's shortest)."""
    if viewer is None or viewer.role != Role.STUDENT or not str(tutor_id).isdigit():
        return None
    prefs = session.exec(select(StudentSchedulePrefs).where(col(StudentSchedulePrefs.user_id) == viewer.id)).first()
    if prefs is None:
        return None
    lengths = session.exec(select(SchedulingSettings.lesson_lengths)
                           .where(col(SchedulingSettings.tutor_id) == int(str(tutor_id)))).first()
    return prefs.lesson_length if lengths and prefs.lesson_length in lengths else None


def opening_week(
    session: Session,
    *,
    tutor_id: Any,
    duration: Any = None,
    tz: Any = None,
    viewer: UserOut | None = None,
    now: datetime | None = None,
) -> WeekSlots:
    """The week the profile opens on: the first of the pageable weeks with a free time, or the
    current week when none has one.

    Why not always the current week: late in a week (or for a tutor who teaches on one weekday)
    the current week is often empty, and a visitor who sees "no free times" leaves. The booking
    window and notice are applied by the slot engine, so a week past the window is never chosen.

    Cost: the current week is read exactly as `week_slots` reads it (the usual case, when it has
    a free time); only when it is empty are all the later weeks read together, in one more
    `get_slots` call — never one round-trip per week."""
    now_dt = now or utcnow()
    if duration in (None, ""):
        duration = preferred_length(session, tutor_id, viewer)
    current = week_slots(session, tutor_id=tutor_id, duration=duration, tz=tz, viewer=viewer, now=now_dt)
    if any(day.slots for day in current.days):
        return current
    monday = date.fromisoformat(current.first_day)
    later = _slots_between(
        session,
        tutor_id=current.tutor_id,
        first=monday + timedelta(weeks=1),
        last=monday + timedelta(weeks=WEEKS_AHEAD, days=-1),
        duration=current.duration,
        zone=current.timezone,
        viewer=viewer,
        now=now_dt,
    )
    horizon = _local_midnight(monday + timedelta(weeks=WEEKS_AHEAD), ZoneInfo(current.timezone))
    starts = (datetime.fromisoformat(s.start) for s in later.slots)
    first_free = next((start for start in starts if start < horizon), None)
    if first_free is None:
        return current
    week_i = (first_free.date() - monday).days // 7
    today = date.fromisoformat(current.today)
    return _week(later, week=week_i, monday=monday + timedelta(weeks=week_i), today=today)


def best_for_viewer(
    session: Session,
    *,
    tutor_id: Any,
    lesson_lengths: list[int],
    viewer: UserOut | None,
    limit: int = 3,
    now: datetime | None = None,
) -> BestForViewer:
    """The best times with this tutor inside the viewer's saved windows, when the viewer is a
    student who saved some. The student's preferred length is used when the tutor offers it,
    otherwise the offered length closest to it."""
    if viewer is None:
        return BestForViewer(status="anonymous")
    if viewer.role != Role.STUDENT:
        return BestForViewer(status="not_student")
    saved = saved_windows(session, viewer.id)
    if saved is None:
        return BestForViewer(status="no_windows")
    offered = sorted(lesson_lengths) or [saved.lesson_length]
    length = min(offered, key=lambda n: (abs(n - saved.lesson_length), n))
    best = best_times(session, tutor_id=tutor_id, duration=length, limit=limit, viewer=viewer, now=now, saved=saved)
    return BestForViewer(status="ready", best=best)


def saved_window_filter(session: Session, *, actor: UserOut | None) -> dict[str, Any] | None:
    """The signed-in student's saved windows as search_tutors' `windows`/`windows_tz`/`duration`
    arguments, or None (not a student, or no windows saved)."""
    if actor is None or actor.role != Role.STUDENT:
        return None
    saved = saved_windows(session, actor.id)
    if saved is None:
        return None
    return {
        "windows": [{"weekday": w, "start": format_hhmm(s), "end": format_hhmm(e)} for w, s, e in saved.rows],
        "windows_tz": saved.timezone,
        "duration": saved.lesson_length,
    }
