"""Ranking lesson starts for a student: "smart scheduling" (PRODUCT.md §3).

A candidate is a valid slot (slot_engine rules 1–5) that lies entirely inside one of the
student's weekly windows, expanded in the *student's* zone with the same gap/fold rules as
availability. Candidates are scored by how little they fragment the tutor's free time:

    score = max(0, 100 − ⌈5 × wasted / 6⌉ − 15 × split)

- The lesson sits in one maximal free stretch [fs, fe) of the tutor (free time from the first
  bookable minute, i.e. after minimum notice). Booking [t, t + D) leaves a piece on the left
  (t − fs) and on the right (fe − t − D).
- A piece is *usable* when another lesson still fits in it: length ≥ shortest offered lesson +
  max(buffer before, buffer after). A non-empty piece shorter than that is *wasted*; `wasted`
  is their total in minutes, costing 50 points per wasted hour.
- `split` is 1 when both pieces are usable: the lesson cuts one bookable stretch into two,
  which costs 15 points (the day is more fragmented even though nothing is lost).

So a lesson at either edge of a stretch (or filling it exactly) scores 100, one in the middle
of a long stretch 85, one leaving a 30-minute crumb before a 60-minute minimum 75.
Ranking: higher score first; among equal scores the earliest start first.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from tutorhub.services.scheduling.engine import scanline
from tutorhub.services.scheduling.engine.scanline import Interval
from tutorhub.services.scheduling.engine.slot_engine import (
    BusySpan,
    TutorCalendar,
    free_time,
    slot_starts,
    start_bounds,
)
from tutorhub.services.scheduling.engine.tzclock import MINUTES_PER_DAY

WASTE_POINTS_PER_HOUR = 50
SPLIT_POINTS = 15


@dataclass(frozen=True, slots=True)
class Proposal:
    start: int
    end: int
    score: int
    wasted_min: int
    splits_stretch: bool


def score_slot(start: int, duration: int, stretch: Interval, *, min_lesson: int, clearance: int) -> Proposal:
    """Score one lesson placed in its free stretch (see the module docstring)."""
    pieces = (start - stretch[0], stretch[1] - start - duration)
    usable = [piece >= min_lesson + clearance for piece in pieces]
    wasted = sum(piece for piece, ok in zip(pieces, usable, strict=True) if 0 < piece and not ok)
    split = all(usable)
    penalty = -(-wasted * WASTE_POINTS_PER_HOUR // 60) + (SPLIT_POINTS if split else 0)
    return Proposal(start, start + duration, max(0, 100 - penalty), wasted, split)


def _inside(start: int, end: int, windows: list[Interval], window_starts: list[int]) -> bool:
    i = bisect_right(window_starts, start) - 1
    return i >= 0 and windows[i][1] >= end


def rank(
    cal: TutorCalendar,
    busy: list[BusySpan],
    *,
    windows: list[Interval],
    duration: int,
    lo: int,
    hi: int,
    now: int,
    limit: int,
) -> list[Proposal]:
    """The best `limit` starts in [lo, hi) inside `windows` (UTC intervals), best first."""
    merged = scanline.union(windows)
    window_starts = [w[0] for w in merged]
    candidates = [
        t
        for t in slot_starts(cal, busy, duration=duration, lo=lo, hi=hi, now=now)
        if _inside(t, t + duration, merged, window_starts)
    ]
    if not candidates:
        return []
    first, _ = start_bounds(cal, duration, lo, hi, now)
    stretches = free_time(cal, busy, first, hi + MINUTES_PER_DAY)
    stretch_starts = [s[0] for s in stretches]
    min_lesson = min(cal.lesson_lengths) if cal.lesson_lengths else duration
    clearance = max(cal.buffer_before, cal.buffer_after)
    scored = []
    for t in candidates:
        stretch = stretches[bisect_right(stretch_starts, t) - 1]
        scored.append(score_slot(t, duration, stretch, min_lesson=min_lesson, clearance=clearance))
    scored.sort(key=lambda p: (-p.score, p.start))
    return scored[:limit]
