"""The sweep-line interval algebra equals a brute-force minute-set model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tutorhub.services.scheduling.engine import scanline

interval = st.tuples(st.integers(-50, 250), st.integers(-50, 250))  # inverted/empty pairs included
intervals = st.lists(interval, max_size=25)


def points(items) -> set[int]:
    return {x for start, end in items for x in range(start, end)}


def well_formed(result) -> bool:
    """Sorted, non-empty, disjoint and not touching (maximal)."""
    return all(s < e for s, e in result) and all(a[1] < b[0] for a, b in zip(result, result[1:]))


@settings(max_examples=300, deadline=None)
@given(intervals, intervals)
def test_operations_match_minute_sets(a, b):
    pa, pb = points(a), points(b)
    for result, expected in (
        (scanline.union(a), pa),
        (scanline.subtract(a, b), pa - pb),
        (scanline.intersect(a, b), pa & pb),
    ):
        assert points(result) == expected
        assert well_formed(result)


@settings(max_examples=200, deadline=None)
@given(intervals, st.integers(-60, 260), st.integers(-60, 260))
def test_clip_and_length(a, lo, hi):
    merged = scanline.union(a)
    clipped = scanline.clip(merged, lo, hi)
    assert points(clipped) == {x for x in points(a) if lo <= x < hi}
    assert scanline.total_length(clipped) == len(points(clipped))


def test_edges():
    assert scanline.union([]) == []
    assert scanline.union([(5, 5), (7, 3)]) == []
    assert scanline.union([(0, 10), (10, 20)]) == [(0, 20)]  # touching pieces merge
    assert scanline.subtract([(0, 10)], [(0, 10)]) == []
    assert scanline.subtract([(0, 10)], [(3, 4), (3, 5), (8, 20)]) == [(0, 3), (5, 8)]
    assert scanline.intersect([(0, 10), (20, 30)], [(5, 25)]) == [(5, 10), (20, 25)]


def test_large_input_is_fast_enough_to_be_linearithmic():
    """Not a timing assertion: 200k intervals must simply complete (a quadratic version would not)."""
    base = [(i * 10, i * 10 + 7) for i in range(100_000)]
    holes = [(i * 10 + 3, i * 10 + 12) for i in range(0, 100_000, 2)]
    result = scanline.subtract(base, holes)
    assert len(result) == 100_000
