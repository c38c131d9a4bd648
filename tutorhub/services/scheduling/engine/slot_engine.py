"""The pure slot engine: a tutor's rules and busy time in, free intervals and lesson starts out.

No database and no datetimes inside — integer epoch minutes (see tzclock.py) and plain data
classes — so the property and DST tests can drive it directly and the precomputed search index
can run it for thousands of tutors quickly.

Rules, in the order they apply:
1. **Availability** — for every local day, the dated override if there is one (an empty one
   blocks the day), otherwise that weekday's intervals; each interval is mapped to UTC by its
   endpoints with the gap/fold rules of tzclock.py.
2. **Busy time and buffers** — a lesson [t, t+D) needs [t − buffer_before, t + D + buffer_after)
   clear of busy time, i.e. each busy interval blocks [start − after, end + before). Lesson-like
   busy time (bookings, holds) has the same buffers itself, so it blocks
   [start − max(before, after), end + max(before, after)). Buffers never need to lie inside
   availability: a lesson may start right when availability starts.
3. **Free time** = availability − blocked time, by the sweep-line (scanline.py).
4. **Starts** — grid points (tutor's wall clock: every 30 minutes for 30/60/90-minute lessons,
   every 15 for 45-minute ones, so 45-minute lessons can be packed back to back) at which the
   whole lesson fits in free time.
5. **Minimum notice** (start ≥ now + notice), **booking window** (start < now + window) and
   **max lessons per day** (a tutor-local day that already holds that many booked lessons offers
   nothing more; the day of a lesson is the local day of its start).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tutorhub.models.scheduling import BusySource
from tutorhub.services.scheduling.engine import scanline
from tutorhub.services.scheduling.engine.scanline import Interval
from tutorhub.services.scheduling.engine.tzclock import MINUTES_PER_DAY, clock_for, day_of, weekday_of_day

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class TutorCalendar:
    """Everything the engine needs to know about one tutor (built by services/scheduling/availability.py)."""

    tutor_id: int
    zone: str
    weekly: tuple[tuple[Span, ...], ...] = ((),) * 7  # Monday first; local minutes 0..1440
    overrides: Mapping[int, tuple[Span, ...]] = field(default_factory=dict)  # local day number → spans
    lesson_lengths: tuple[int, ...] = (60,)
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice_min: int = 12 * 60
    booking_window_min: int = 60 * MINUTES_PER_DAY
    max_per_day: int = 8


@dataclass(frozen=True, slots=True)
class BusySpan:
    """Busy time in epoch minutes; `source` is a models.scheduling.BusySource value."""

    start: int
    end: int
    source: str = BusySource.MANUAL

    @property
    def is_lesson(self) -> bool:
        return self.source in BusySource.LESSONS


def grid_step(duration: int) -> int:
    """Minutes between possible starts: 15 for lengths that are not a multiple of 30 (45)."""
    return 30 if duration % 30 == 0 else 15


def expand_weekly(
    zone: str,
    weekly: tuple[tuple[Span, ...], ...],
    overrides: Mapping[int, tuple[Span, ...]],
    lo: int,
    hi: int,
) -> list[Interval]:
    """Local weekly intervals (and dated overrides) as merged UTC intervals within [lo, hi)."""
    if hi <= lo:
        return []
    clock = clock_for(zone)
    pieces: list[Interval] = []
    # Local days that can touch [lo, hi): offsets are within ±1 day of UTC.
    for day in range(lo // MINUTES_PER_DAY - 1, (hi - 1) // MINUTES_PER_DAY + 2):
        spans = overrides[day] if day in overrides else weekly[weekday_of_day(day)]
        base = day * MINUTES_PER_DAY
        for start, end in spans:
            utc_start, utc_end = clock.to_utc(base + start), clock.to_utc(base + end)
            if utc_start < utc_end:
                pieces.append((utc_start, utc_end))
    return scanline.clip(scanline.union(pieces), lo, hi)


def availability(cal: TutorCalendar, lo: int, hi: int) -> list[Interval]:
    """The tutor's available UTC intervals within [lo, hi) (rule 1)."""
    return expand_weekly(cal.zone, cal.weekly, cal.overrides, lo, hi)


def blocked(cal: TutorCalendar, busy: Iterable[BusySpan]) -> list[Interval]:
    """Busy time widened by the buffers (rule 2), unmerged."""
    before, after = cal.buffer_before, cal.buffer_after
    both = max(before, after)
    return [
        (b.start - both, b.end + both) if b.is_lesson else (b.start - after, b.end + before)
        for b in busy
        if b.start < b.end
    ]


def free_time(cal: TutorCalendar, busy: Iterable[BusySpan], lo: int, hi: int) -> list[Interval]:
    """Availability − blocked time within [lo, hi) (rule 3)."""
    return scanline.subtract(availability(cal, lo, hi), blocked(cal, busy))


def full_days(cal: TutorCalendar, busy: Iterable[BusySpan]) -> set[int]:
    """Tutor-local days whose booked lessons already reach `max_per_day`."""
    if cal.max_per_day <= 0:
        return set()
    clock = clock_for(cal.zone)
    counts = Counter(day_of(clock.to_local(b.start)) for b in busy if b.is_lesson and b.start < b.end)
    return {day for day, n in counts.items() if n >= cal.max_per_day}


def start_bounds(cal: TutorCalendar, duration: int, lo: int, hi: int, now: int | None) -> tuple[int, int]:
    """First and last allowed start for lessons inside [lo, hi), notice and window applied."""
    first, last = lo, hi - duration
    if now is not None:
        first = max(first, now + cal.min_notice_min)
        last = min(last, now + cal.booking_window_min - 1)
    return first, last


def slot_starts(
    cal: TutorCalendar,
    busy: list[BusySpan],
    *,
    duration: int,
    lo: int,
    hi: int,
    now: int | None = None,
) -> list[int]:
    """Sorted valid starts of `duration`-minute lessons lying inside [lo, hi) (rules 1–5).

    With `now=None` notice and window are not applied (the search index applies them later).
    """
    first, last = start_bounds(cal, duration, lo, hi, now)
    if last < first:
        return []
    clock = clock_for(cal.zone)
    step = grid_step(duration)
    out: list[int] = []
    for free_start, free_end in free_time(cal, busy, first, last + duration):
        out.extend(clock.grid_starts(free_start, free_end - duration, step))
    days = full_days(cal, busy)
    if days:
        out = [t for t in out if day_of(clock.to_local(t)) not in days]
    return out
