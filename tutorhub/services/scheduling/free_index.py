"""The precomputed free-slot index behind "free in my windows" search.

Search must not expand thousands of calendars per request, so every tutor's valid lesson starts
for the next `INDEX_DAYS` are kept in `tutor_free_slots`: one row per (tutor, offered lesson
length) holding a bitmask on a 15-minute UTC tick grid (every real zone offset today is a
multiple of 15 minutes, so every tutor-local grid point is a tick; a start that is not is left
out of the index). A search builds the student's mask once — their weekly windows expanded in
their zone for the next `SEARCH_DAYS`, bit set where a whole lesson fits — and keeps the tutors
whose mask intersects it: two integer ANDs per tutor, no calendar expansion.

Freshness:
- `refresh_tutor_free_slots` recomputes one tutor inside the caller's transaction; every service
  that changes availability, overrides, settings or busy time calls it. Booking changes call
  `refresh_tutor_free_slots_near`, which recomputes only the days around the changed lesson.
- `rebuild_free_slots` recomputes everyone in bulk (a daily job or the CLI
  `python -m tutorhub rebuild-free-slots`): rows cover `INDEX_DAYS` = 16 days from their
  base, so a table rebuilt within the last two days still covers the 14-day search horizon.
- Minimum notice and booking window depend on *now*, so they are stored per row and applied
  when reading; the bits themselves only change when the tutor's data changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy import select as sa_select  # sqlmodel's select is typed for at most four columns
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.scheduling import TutorFreeSlots
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.live_hints import slots_changed
from tutorhub.services.scheduling.calendar_store import busy_spans, load_calendars
from tutorhub.services.scheduling.engine.slot_engine import BusySpan, TutorCalendar, expand_weekly, slot_starts
from tutorhub.services.scheduling.engine.tzclock import MINUTES_PER_DAY, from_minute, to_minute
from tutorhub.services.scheduling.schedule_input import weekly_to_days

TICK = 15
INDEX_DAYS = 16
SEARCH_DAYS = 14
_BUSY_PAD = 2 * MINUTES_PER_DAY  # wide enough for any buffer


def _base(now: int) -> int:
    return now - now % TICK


def _rows_for(cal: TutorCalendar, busy: list[BusySpan], base: int, computed_at: datetime) -> list[dict[str, Any]]:
    """Index rows of one tutor, one per offered lesson length (plain dicts for a bulk insert)."""
    horizon = base + INDEX_DAYS * MINUTES_PER_DAY
    rows = []
    has_rules = any(cal.weekly) or any(cal.overrides.values())
    for duration in cal.lesson_lengths:
        starts = slot_starts(cal, busy, duration=duration, lo=base, hi=horizon) if has_rules else []
        mask = 0
        for t in starts:
            offset = t - base
            if offset % TICK == 0:
                mask |= 1 << (offset // TICK)
        rows.append(
            {
                "tutor_id": cal.tutor_id,
                "duration_min": duration,
                "base_minute": base,
                "horizon_end": from_minute(horizon),
                "starts": mask.to_bytes((mask.bit_length() + 7) // 8, "little"),
                "slot_count": mask.bit_count(),
                "first_start_at": from_minute(starts[0]) if starts else None,
                "min_notice_min": cal.min_notice_min,
                "booking_window_min": cal.booking_window_min,
                "computed_at": computed_at,
            }
        )
    return rows


def refresh_tutor_free_slots(session: Session, tutor_id: int, *, now: datetime | None = None) -> int:
    """Recompute one tutor's index rows in the caller's transaction; returns rows written."""
    now_dt = now or utcnow()
    slots_changed(session, tutor_id)  # open views of this tutor's times refresh after the commit
    base = _base(to_minute(now_dt))
    horizon = base + INDEX_DAYS * MINUTES_PER_DAY
    cal = load_calendars(session, [tutor_id], base, horizon).get(tutor_id)
    session.execute(delete(TutorFreeSlots).where(col(TutorFreeSlots.tutor_id) == tutor_id))
    if cal is None:
        return 0
    busy = busy_spans(session, [tutor_id], base - _BUSY_PAD, horizon + _BUSY_PAD).get(tutor_id, [])
    rows = _rows_for(cal, busy, base, now_dt)
    if rows:
        session.execute(insert(TutorFreeSlots), rows)
    return len(rows)


def refresh_tutor_free_slots_near(
    session: Session,
    tutor_id: int,
    start_at: datetime,
    end_at: datetime,
    *,
    now: datetime | None = None,
    cal: TutorCalendar | None = None,
    busy: list[BusySpan] | None = None,
) -> int:
    """Update one tutor's index rows for a booking change in [start_at, end_at) only.

    A lesson, hold or buffer there can only change lesson starts within a day or so of it (its
    buffers reach at most two hours; "lessons per day" reaches the rest of its local day), so
    only the starts within two days either side are recomputed and spliced into the stored
    bitmasks — a few milliseconds instead of the 16-day recomputation, which matters on the
    contended booking path. Falls back to `refresh_tutor_free_slots` when the stored rows do
    not match the tutor's lesson lengths. Returns rows written.

    `cal` and `busy` may be passed when the caller has just read them (the booking path): the
    calendar must cover three days and the busy time four days either side of the change.
    """
    now_dt = now or utcnow()
    slots_changed(session, tutor_id)  # open views of this tutor's times refresh after the commit
    # Plain columns, not ORM rows: the bulk UPDATE below bypasses the identity map, so ORM rows
    # read here would be stale for a second refresh in the same transaction (a reschedule).
    rows = {
        duration: (row_id, base, starts)
        for row_id, duration, base, starts in session.connection().execute(
            sa_select(
                col(TutorFreeSlots.id),
                col(TutorFreeSlots.duration_min),
                col(TutorFreeSlots.base_minute),
                col(TutorFreeSlots.starts),
            ).where(col(TutorFreeSlots.tutor_id) == tutor_id)
        )
    }
    lo = to_minute(start_at) - 2 * MINUTES_PER_DAY
    hi = to_minute(end_at) + 2 * MINUTES_PER_DAY
    if cal is None:
        cal = load_calendars(session, [tutor_id], lo, hi + max(rows or [0])).get(tutor_id)
    if cal is None or not rows or set(rows) != set(cal.lesson_lengths):
        return refresh_tutor_free_slots(session, tutor_id, now=now_dt)
    if busy is None:
        busy = busy_spans(session, [tutor_id], lo - _BUSY_PAD, hi + _BUSY_PAD).get(tutor_id, [])
    updates: list[dict[str, Any]] = []
    has_rules = any(cal.weekly) or any(cal.overrides.values())
    for duration, (row_id, base, stored) in rows.items():
        horizon = base + INDEX_DAYS * MINUTES_PER_DAY
        first, last = max(lo, base), min(hi, horizon - duration)
        if last < first:
            continue
        starts = slot_starts(cal, busy, duration=duration, lo=first, hi=last + duration) if has_rules else []
        first_tick, last_tick = -(-(first - base) // TICK), (last - base) // TICK
        mask = int.from_bytes(stored, "little") & ~_range_mask(first_tick, last_tick)
        for t in starts:
            offset = t - base
            if offset % TICK == 0:
                mask |= 1 << (offset // TICK)
        updates.append(
            {
                "id": row_id,
                "starts": mask.to_bytes((mask.bit_length() + 7) // 8, "little"),
                "slot_count": mask.bit_count(),
                "first_start_at": from_minute(base + TICK * ((mask & -mask).bit_length() - 1)) if mask else None,
                "computed_at": now_dt,
            }
        )
    if updates:
        session.execute(update(TutorFreeSlots), updates)  # one executemany by primary key
    return len(rows)


def rebuild_free_slots(
    session: Session, *, now: datetime | None = None, chunk: int = 1000, commit_each_chunk: bool = False
) -> int:
    """Recompute the whole index (batch job); returns rows written.

    Works chunk by chunk: each chunk locks its tutors' profile rows (the lock availability
    saves and bookings take), replaces only those tutors' rows, and — with
    `commit_each_chunk` (the nightly job) — commits, so a tutor saving during the rebuild
    waits for at most one chunk instead of colliding with it, and SQLite's write lock is
    never held for the whole rebuild. Reads use a handful of queries per chunk and one
    executemany insert, so the cost is the engine's, not the database round trips'.
    """
    now_dt = now or utcnow()
    base = _base(to_minute(now_dt))
    horizon = base + INDEX_DAYS * MINUTES_PER_DAY
    everyone = session.exec(
        select(col(TutorProfile.id), col(TutorProfile.timezone)).order_by(col(TutorProfile.id))
    ).all()
    # Rows of tutors that no longer exist (none normally; profiles are not deleted).
    known = [tid for tid, _ in everyone if tid is not None]
    session.execute(delete(TutorFreeSlots).where(col(TutorFreeSlots.tutor_id).not_in(known)))
    written = 0
    for i in range(0, len(everyone), chunk):
        zones = {tid: zone for tid, zone in everyone[i : i + chunk] if tid is not None}
        ids = list(zones)
        session.exec(select(col(TutorProfile.id)).where(col(TutorProfile.id).in_(ids)).with_for_update()).all()
        calendars = load_calendars(session, ids, base, horizon, zones=zones)
        busy = busy_spans(session, ids, base - _BUSY_PAD, horizon + _BUSY_PAD)
        rows: list[dict[str, Any]] = []
        for tid, cal in calendars.items():
            rows.extend(_rows_for(cal, busy.get(tid, []), base, now_dt))
        session.execute(delete(TutorFreeSlots).where(col(TutorFreeSlots.tutor_id).in_(ids)))
        if rows:
            session.execute(insert(TutorFreeSlots), rows)
        written += len(rows)
        if commit_each_chunk:
            session.commit()
    return written


def _range_mask(lo_tick: int, hi_tick: int) -> int:
    """Bits lo_tick..hi_tick inclusive (empty when hi < lo or hi < 0)."""
    lo_tick = max(lo_tick, 0)
    if hi_tick < lo_tick:
        return 0
    return ((1 << (hi_tick - lo_tick + 1)) - 1) << lo_tick


@dataclass(slots=True)
class WindowMask:
    """A student's acceptable lesson starts for one duration, as ticks from `base` (epoch minute).

    Index rows have their own anchors and notice/window settings; the mask is translated into
    each distinct (anchor, notice, window) frame once and cached, so testing a row is one
    `int.from_bytes` and one AND.
    """

    base: int
    now: int
    duration: int
    mask: int
    _frames: dict[tuple[int, int, int], int] = field(default_factory=dict)

    def _frame(self, row_base: int, min_notice_min: int, booking_window_min: int) -> int:
        key = (row_base, min_notice_min, booking_window_min)
        target = self._frames.get(key)
        if target is None:
            first = self.now + min_notice_min - self.base
            last = self.now + booking_window_min - 1 - self.base
            target = self.mask & _range_mask(-(-first // TICK), last // TICK)
            shift = (row_base - self.base) // TICK  # row bit i is our bit i + shift
            target = target >> shift if shift >= 0 else target << -shift
            self._frames[key] = target
        return target

    def matches(self, row_base: int, starts: bytes, min_notice_min: int, booking_window_min: int) -> bool:
        """Does an index row hold a start inside the windows that is bookable now?"""
        if not self.mask or not starts:
            return False
        return bool(int.from_bytes(starts, "little") & self._frame(row_base, min_notice_min, booking_window_min))

    def count(self, row_base: int, starts: bytes, min_notice_min: int, booking_window_min: int) -> int:
        """How many bookable starts of an index row fall inside the windows (15-minute ticks)."""
        if not self.mask or not starts:
            return 0
        both = int.from_bytes(starts, "little") & self._frame(row_base, min_notice_min, booking_window_min)
        return both.bit_count()


def window_mask(
    windows: Sequence[tuple[int, int, int]], zone: str, duration: int, *, now: datetime, days: int = SEARCH_DAYS
) -> WindowMask:
    """The mask of starts t (on ticks) with [t, t + duration) inside a window in the next `days`."""
    now_min = to_minute(now)
    base = _base(now_min)
    spans = expand_weekly(zone, weekly_to_days(windows), {}, now_min, now_min + days * MINUTES_PER_DAY)
    mask = 0
    for start, end in spans:
        mask |= _range_mask(-(-(start - base) // TICK), (end - duration - base) // TICK)
    return WindowMask(base=base, now=now_min, duration=duration, mask=mask)


def matching_tutor_ids(session: Session, mask: WindowMask) -> set[int]:
    """Tutors whose index row for `mask.duration` intersects the mask.

    One pass over the index rows of that duration (plain integers and bytes, read through the
    connection without ORM row processing): a search costs two integer ANDs per tutor.
    """
    query = sa_select(
        col(TutorFreeSlots.tutor_id),
        col(TutorFreeSlots.base_minute),
        col(TutorFreeSlots.starts),
        col(TutorFreeSlots.min_notice_min),
        col(TutorFreeSlots.booking_window_min),
    ).where(col(TutorFreeSlots.duration_min) == mask.duration, col(TutorFreeSlots.slot_count) > 0)
    # Streamed, not fetched with .all(): rows die at once, so thousands of them never pile up
    # into the generations that trigger full garbage collections (measured: 90 ms pauses).
    rows = session.connection().execute(query)
    return {tid for tid, base, starts, notice, window in rows if mask.matches(base, starts, notice, window)}


def free_start_counts(session: Session, mask: WindowMask, tutor_ids: Sequence[int]) -> dict[int, int]:
    """For each of `tutor_ids` with a row for `mask.duration`: its bookable starts inside the mask
    (the lead inbox's "N free times in their windows"); tutors without any are left out."""
    if not tutor_ids:
        return {}
    query = sa_select(
        col(TutorFreeSlots.tutor_id),
        col(TutorFreeSlots.base_minute),
        col(TutorFreeSlots.starts),
        col(TutorFreeSlots.min_notice_min),
        col(TutorFreeSlots.booking_window_min),
    ).where(col(TutorFreeSlots.duration_min) == mask.duration, col(TutorFreeSlots.slot_count) > 0)
    wanted = set(tutor_ids)
    out: dict[int, int] = {}
    for tid, base, starts, notice, window in session.connection().execute(query):
        if tid in wanted:
            n = mask.count(base, starts, notice, window)
            if n:
                out[tid] = n
    return out


def next_free_minutes(session: Session, tutor_ids: Sequence[int], *, now: datetime) -> dict[int, int]:
    """The earliest bookable start (epoch minute, any offered length) of each tutor in the index,
    honouring minimum notice and booking window; tutors with none are left out ("next free" sort)."""
    if not tutor_ids:
        return {}
    now_min = to_minute(now)
    wanted = set(tutor_ids)
    out: dict[int, int] = {}
    query = sa_select(
        col(TutorFreeSlots.tutor_id),
        col(TutorFreeSlots.base_minute),
        col(TutorFreeSlots.starts),
        col(TutorFreeSlots.min_notice_min),
        col(TutorFreeSlots.booking_window_min),
    ).where(col(TutorFreeSlots.slot_count) > 0)
    for tid, base, starts, notice, window in session.connection().execute(query):
        if tid not in wanted or not starts:
            continue
        bits = int.from_bytes(starts, "little") & _range_mask(-(-(now_min + notice - base) // TICK),
                                                             (now_min + window - 1 - base) // TICK)
        if bits:
            first = base + ((bits & -bits).bit_length() - 1) * TICK
            out[tid] = min(out.get(tid, first), first)
    return out
