"""Interval algebra by a sweep-line over sorted endpoints.

Intervals are half-open `(start, end)` pairs of integers (the engine uses UTC epoch minutes);
empty or inverted pairs are ignored, inputs may be unsorted and overlapping. Every operation
turns both inputs into +1/−1 events, sorts them once and walks them left to right keeping a
depth counter per input, so the cost is O((n + m) log(n + m)) for any overlap pattern — no
pairwise comparison of intervals. Results are sorted, disjoint and maximal (touching pieces are
merged), which is what the slot code relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Interval = tuple[int, int]


def _sweep(a: Iterable[Interval], b: Iterable[Interval], keep: Callable[[int, int], bool]) -> list[Interval]:
    """Regions where `keep(depth_a, depth_b)` holds, as sorted maximal intervals."""
    events: list[tuple[int, int, int]] = []
    for start, end in a:
        if start < end:
            events.append((start, 1, 0))
            events.append((end, -1, 0))
    for start, end in b:
        if start < end:
            events.append((start, 0, 1))
            events.append((end, 0, -1))
    if not events:
        return []
    events.sort()
    out: list[Interval] = []
    depth_a = depth_b = 0
    open_at: int | None = None
    i, n = 0, len(events)
    while i < n:
        x = events[i][0]
        # Apply every event at this coordinate before deciding, so the order of ties is irrelevant.
        while i < n and events[i][0] == x:
            depth_a += events[i][1]
            depth_b += events[i][2]
            i += 1
        inside = keep(depth_a, depth_b)
        if inside and open_at is None:
            open_at = x
        elif not inside and open_at is not None:
            if out and out[-1][1] == open_at:
                out[-1] = (out[-1][0], x)
            else:
                out.append((open_at, x))
            open_at = None
    return out


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """The merged cover of `intervals`."""
    return _sweep(intervals, (), lambda da, _db: da > 0)


def subtract(base: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """Points covered by `base` and by nothing in `remove` (availability − busy)."""
    return _sweep(base, remove, lambda da, db: da > 0 and db == 0)


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Points covered by both inputs (free time ∩ a student's windows)."""
    return _sweep(a, b, lambda da, db: da > 0 and db > 0)


def clip(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    """Sorted disjoint `intervals` cut to [lo, hi); linear, for inputs that are already normalized."""
    out: list[Interval] = []
    for start, end in intervals:
        s, e = max(start, lo), min(end, hi)
        if s < e:
            out.append((s, e))
    return out


def total_length(intervals: Iterable[Interval]) -> int:
    """Covered length of sorted disjoint intervals."""
    return sum(end - start for start, end in intervals)
