"""Independent reference implementations for the scheduling tests (plain zoneinfo, brute force).

Nothing here uses the engine's clock: local times are computed with `datetime.fromtimestamp`, and
the documented mapping rule is applied by scanning minutes: a local time denotes the *first
instant at which the zone's clock shows that time or later* (this single rule gives both "gaps
map to the transition" and "repeats take the first occurrence").
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

EPOCH_NAIVE = datetime(1970, 1, 1)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_of(minute: int, name: str) -> int:
    """Local epoch minute of a UTC epoch minute, via zoneinfo."""
    wall = datetime.fromtimestamp(minute * 60, zone(name)).replace(tzinfo=None)
    return int((wall - EPOCH_NAIVE).total_seconds() // 60)


def offset_of(minute: int, name: str) -> int:
    return local_of(minute, name) - minute


def first_instant_showing(local: int, name: str) -> int:
    """min u such that the clock in `name` shows ≥ `local` at u (brute force over minutes)."""
    for u in range(local - 14 * 60 - 1, local + 12 * 60 + 2):
        if local_of(u, name) >= local:
            return u
    raise AssertionError("no instant found")


def transitions(name: str, start_year: int, end_year: int) -> list[tuple[int, int, int]]:
    """(instant, offset before, offset after) of every offset change, found by hourly scanning."""
    lo = int(datetime(start_year, 1, 1, tzinfo=UTC).timestamp() // 60)
    hi = int(datetime(end_year + 1, 1, 1, tzinfo=UTC).timestamp() // 60)
    out = []
    prev = offset_of(lo, name)
    u = lo
    while u < hi:
        nxt = u + 60
        off = offset_of(nxt, name)
        if off != prev:
            exact = next(m for m in range(u + 1, nxt + 1) if offset_of(m, name) != prev)
            out.append((exact, prev, offset_of(exact, name)))
            prev = offset_of(exact, name)
        u = nxt
    return out


def to_min(dt: datetime) -> int:
    return int(dt.timestamp() // 60)
