"""Wall-clock ↔ UTC arithmetic on integer minutes, with explicit daylight-saving rules.

The engine works in *epoch minutes*: UTC minutes since 1970-01-01T00:00Z for instants, and
"local epoch minutes" (the same count on the zone's wall clock) for local times, so a local day
is `local // 1440` and Monday is weekday 0. `ZoneClock` learns a zone's UTC offsets from
`zoneinfo` once per year (sampling each day, then bisecting to the exact minute of a change)
and answers with a `bisect` afterwards — far cheaper than a `datetime` round trip per slot.

Rules (PRODUCT.md §3, "Time" in ARCHITECTURE.md). In one sentence: a local time denotes the
*first instant at which the zone's clock shows that time or later*. Spelled out:
- **Spring-forward gaps** — a local time that does not exist maps to the transition instant,
  for starts and ends alike, so an interval is clipped to the local times that exist and one
  wholly inside the gap becomes empty (it is skipped). Python's own `fold=0` would instead
  push 02:30 to 03:30 and make the interval an hour too late; we do not use it for gaps.
- **Fall-back repeats** — a repeated local time is taken at its *first* occurrence (the earlier
  instant, PEP 495 `fold=0`), for starts and ends alike. An interval is the real time between
  its two endpoints, so one that spans the whole repeated hour lasts an hour longer, while
  "02:00–02:30" on that night is the first 02:00–02:30 only.
- **Grid** — a slot may start at an instant whose wall-clock time in the tutor's zone is a
  multiple of the grid step past midnight. Alignment is decided per instant with that instant's
  own offset, so +05:30 and +05:45 zones get :00/:30 local starts (UTC :30 or :15/:45), and on a
  fall-back night both 02:00s are grid points.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 1440
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MIN_YEAR, MAX_YEAR = 1971, 2199
# Offsets span −12 h … +14 h, so every instant a local time can denote lies within 26 h of it.
_REACH = 27 * 60


def to_minute(value: datetime) -> int:
    """Epoch minute of an aware datetime (floored to the minute)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return int((value - EPOCH).total_seconds() // 60)


def to_minute_ceil(value: datetime) -> int:
    """Epoch minute of an aware datetime, rounded up (for the start of a range)."""
    seconds = (value - EPOCH).total_seconds()
    return int(-(-seconds // 60))


def from_minute(minute: int) -> datetime:
    """The aware UTC datetime of an epoch minute."""
    return EPOCH + timedelta(minutes=minute)


def day_of(local_minute: int) -> int:
    """Local day number (days since 1970-01-01) of a local epoch minute."""
    return local_minute // MINUTES_PER_DAY


def weekday_of_day(day: int) -> int:
    """0 = Monday … 6 = Sunday (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def date_of_day(day: int) -> date:
    return date.fromordinal(EPOCH_ORDINAL + day)


def day_of_date(value: date) -> int:
    return value.toordinal() - EPOCH_ORDINAL


@lru_cache(maxsize=8192)
def _year_changes(zone: str, year: int) -> tuple[tuple[int, int], ...]:
    """(instant, offset) pairs: the offset at the year's first UTC minute, then every change."""
    tz = ZoneInfo(zone)

    def offset(minute: int) -> int:
        delta = datetime.fromtimestamp(minute * 60, tz).utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    start = to_minute(datetime(year, 1, 1, tzinfo=UTC))
    end = to_minute(datetime(year + 1, 1, 1, tzinfo=UTC))
    changes = [(start, offset(start))]
    lo = start
    while lo < end - 1:
        hi = min(lo + MINUTES_PER_DAY, end - 1)
        current = changes[-1][1]
        if offset(hi) == current:
            lo = hi
            continue
        # Bisect to the first minute with a different offset (at most one change found per pass,
        # so two changes within a day are still both found on the next passes).
        a, b = lo, hi
        while b - a > 1:
            mid = (a + b) // 2
            if offset(mid) == current:
                a = mid
            else:
                b = mid
        changes.append((b, offset(b)))
        lo = b
    return tuple(changes)


class ZoneClock:
    """UTC offsets of one IANA zone as sorted segments; see the module docstring for the rules."""

    def __init__(self, zone: str) -> None:
        ZoneInfo(zone)  # fail early on unknown zones
        self.zone = zone
        self._lock = threading.Lock()
        # (first covered minute, end of coverage, first year, last year, segment starts, offsets),
        # replaced as a whole so that readers on other threads always see a consistent table.
        self._table: tuple[int, int, int, int, list[int], list[int]] = (0, 0, 0, -1, [], [])

    def _covering(self, lo: int, hi: int) -> tuple[list[int], list[int]]:
        """Segment starts and offsets covering [lo, hi] (epoch minutes), learning years on demand."""
        table = self._table
        if table[0] <= lo - _REACH and hi + _REACH < table[1]:  # the hot path: two comparisons
            return table[4], table[5]
        y_lo = max(MIN_YEAR, from_minute(max(lo - _REACH, 0)).year)
        y_hi = min(MAX_YEAR, from_minute(max(hi + _REACH, 0)).year)
        with self._lock:
            _, _, have_lo, have_hi, starts, offsets = self._table
            if have_hi >= have_lo:
                y_lo, y_hi = min(y_lo, have_lo), max(y_hi, have_hi)
            starts, offsets = [], []
            for year in range(y_lo, y_hi + 1):
                for instant, off in _year_changes(self.zone, year):
                    if not offsets or offsets[-1] != off:
                        starts.append(instant)
                        offsets.append(off)
            first = to_minute(datetime(y_lo, 1, 1, tzinfo=UTC))
            end = to_minute(datetime(y_hi + 1, 1, 1, tzinfo=UTC))
            self._table = (first, end, y_lo, y_hi, starts, offsets)
            return starts, offsets

    def offset_at(self, minute: int) -> int:
        """UTC offset in minutes at an instant."""
        starts, offsets = self._covering(minute, minute)
        return offsets[max(0, bisect_right(starts, minute) - 1)]

    def to_local(self, minute: int) -> int:
        """Local epoch minute (wall clock) of an instant."""
        return minute + self.offset_at(minute)

    def segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(start, end, offset) pieces covering [lo, hi), clipped to it."""
        starts, offsets = self._covering(lo, hi)
        i = max(0, bisect_right(starts, lo) - 1)
        out: list[tuple[int, int, int]] = []
        while i < len(starts) and starts[i] < hi:
            seg_end = starts[i + 1] if i + 1 < len(starts) else hi
            a, b = max(lo, starts[i]), min(hi, seg_end)
            if a < b:
                out.append((a, b, offsets[i]))
            i += 1
        return out

    def to_utc(self, local: int) -> int:
        """The instant of a local epoch minute: first occurrence when repeated, the transition
        instant when it falls in a gap."""
        starts, offsets = self._covering(local - _REACH, local + _REACH)
        guess = local - offsets[max(0, bisect_right(starts, local) - 1)]
        i = max(0, bisect_right(starts, guess) - 1)
        # Fast path: no offset change anywhere near, so exactly one candidate exists.
        seg_start = starts[i]
        seg_end = starts[i + 1] if i + 1 < len(starts) else None
        utc = local - offsets[i]
        if seg_start + _REACH <= utc and (seg_end is None or utc + _REACH < seg_end):
            return utc
        pieces = self.segments(local - 2 * _REACH, local + 2 * _REACH)
        candidates = [local - off for start, end, off in pieces if start <= local - off < end]
        if candidates:
            return min(candidates)
        for (_, _, before), (change, _, after) in zip(pieces, pieces[1:], strict=False):
            if change + before <= local < change + after:
                return change
        raise AssertionError(f"unresolvable local minute {local} in {self.zone}")

    def grid_starts(self, lo: int, hi: int, step: int) -> list[int]:
        """Instants t in [lo, hi] whose wall-clock minute of day is a multiple of `step`."""
        if hi < lo:
            return []
        out: list[int] = []
        for a, b, off in self.segments(lo, hi + 1):
            first = a + (-(a + off)) % step
            out.extend(range(first, b, step))
        return out


@lru_cache(maxsize=1024)
def clock_for(zone: str) -> ZoneClock:
    """The shared clock of a zone (valid IANA names only; validate user input first)."""
    return ZoneClock(zone)


@lru_cache(maxsize=4096)
def _date_text(day: int) -> str:
    return date_of_day(day).isoformat()


def render(minute: int, clock: ZoneClock) -> str:
    """ISO 8601 with the zone's offset, e.g. "2027-03-16T04:00:00-04:00" (same as isoformat())."""
    off = clock.offset_at(minute)
    local = minute + off
    hh, mm = divmod(local % MINUTES_PER_DAY, 60)
    sign = "+" if off >= 0 else "-"
    oh, om = divmod(abs(off), 60)
    return f"{_date_text(day_of(local))}T{hh:02d}:{mm:02d}:00{sign}{oh:02d}:{om:02d}"
