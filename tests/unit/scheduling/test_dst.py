"""Daylight-saving suite: every 2026–2027 transition of seven zones, checked against zoneinfo.

The reference (tests/unit/scheduling_oracle.py) is brute force over minutes; the rule under test
(services/scheduling/engine/tzclock.py) is: a local time denotes the first instant at which the clock shows that
time or later — spring-forward gaps collapse to the transition, fall-back repeats take the first
occurrence — and slot starts are instants whose local minute is on the grid.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest

from tests.support import scheduling_oracle as oracle
from tutorhub.services.scheduling.engine.slot_engine import TutorCalendar, availability, slot_starts
from tutorhub.services.scheduling.engine.tzclock import clock_for, render, to_minute

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
)
DAY = 1440
EVERY_DAY_FULL = (((0, 1440),),) * 7


@cache
def transitions(zone: str) -> tuple[tuple[int, int, int], ...]:
    return tuple(oracle.transitions(zone, 2026, 2027))


CASES = [(zone, t) for zone in ZONES for t in transitions(zone)]
IDS = [f"{zone}@{datetime.fromtimestamp(t[0] * 60, UTC):%Y-%m-%dT%H:%M}Z" for zone, t in CASES]


def cal(zone: str, weekly=EVERY_DAY_FULL, **kw) -> TutorCalendar:
    return TutorCalendar(tutor_id=1, zone=zone, weekly=weekly, max_per_day=0, **kw)


def grid_oracle(zone: str, lo: int, hi: int, step: int) -> list[int]:
    return [u for u in range(lo, hi + 1) if oracle.local_of(u, zone) % step == 0]


def test_the_suite_covers_the_expected_transitions():
    counts = {zone: len(transitions(zone)) for zone in ZONES}
    assert counts == {
        "Europe/Berlin": 4,
        "America/New_York": 4,
        "America/Sao_Paulo": 0,  # no DST since 2019
        "Australia/Sydney": 4,
        "Australia/Lord_Howe": 4,
        "Asia/Kolkata": 0,
        "Asia/Kathmandu": 0,
    }
    assert {abs(after - before) for _, before, after in transitions("Australia/Lord_Howe")} == {30}


@pytest.mark.parametrize("zone", ZONES)
def test_clock_offsets_match_zoneinfo(zone):
    clock = clock_for(zone)
    lo = to_minute(datetime(2026, 1, 1, tzinfo=UTC))
    hi = to_minute(datetime(2028, 1, 1, tzinfo=UTC))
    changes = [(start, off) for start, _, off in clock.segments(lo, hi)][1:]
    assert changes == [(t, after) for t, _, after in transitions(zone)]
    for t, before, after in transitions(zone):
        assert clock.offset_at(t - 1) == before == oracle.offset_of(t - 1, zone)
        assert clock.offset_at(t) == after == oracle.offset_of(t, zone)


@pytest.mark.parametrize(("zone", "change"), CASES, ids=IDS)
@pytest.mark.parametrize("duration", [30, 45, 60])
def test_grid_starts_around_a_transition_match_brute_force(zone, change, duration):
    """Whole days available: every start is an instant whose tutor-local minute is on the grid,
    nothing is invented or lost around the change, and lessons last `duration` real minutes."""
    t, before, after = change
    lo, hi = t - 2 * DAY, t + 2 * DAY
    step = 30 if duration % 30 == 0 else 15
    starts = slot_starts(cal(zone, lesson_lengths=(duration,)), [], duration=duration, lo=lo, hi=hi)
    assert starts == grid_oracle(zone, lo, hi - duration, step)
    # The local day of the change has as many 30-minute starts as it has half hours.
    if duration == 30:
        day = oracle.local_of(t, zone) // DAY
        on_day = [u for u in starts if oracle.local_of(u, zone) // DAY == day]
        assert len(on_day) == (DAY - (after - before)) // 30


@pytest.mark.parametrize(("zone", "change"), CASES, ids=IDS)
def test_intervals_around_a_transition_follow_the_first_instant_rule(zone, change):
    t, before, after = change
    wall_old, wall_new = t + before, t + after  # the clock reading just before / after the change
    day = min(wall_old, wall_new) // DAY
    low, high = min(wall_old, wall_new) - day * DAY, max(wall_old, wall_new) - day * DAY
    weekday = (day + 3) % 7
    spans = [
        (low // 30 * 30 - 60, -(-high // 30) * 30 + 60),  # across the change
        (low // 30 * 30, -(-high // 30) * 30),  # exactly the gap / the repeated range
        (low // 30 * 30 - 30, low // 30 * 30 + 30),  # ends inside it
        (high // 30 * 30 - 30 if high % 30 else high - 30, high + 60 - high % 30),  # starts inside it
    ]
    for start, end in spans:
        if not (0 <= start < end <= DAY):
            continue
        weekly = tuple(((start, end),) if w == weekday else () for w in range(7))
        got = availability(cal(zone, weekly=weekly), t - 2 * DAY, t + 2 * DAY)
        a = oracle.first_instant_showing(day * DAY + start, zone)
        b = oracle.first_instant_showing(day * DAY + end, zone)
        assert got == ([(a, b)] if a < b else []), (start, end)
        starts = slot_starts(
            cal(zone, weekly=weekly, lesson_lengths=(30,)), [], duration=30, lo=t - 2 * DAY, hi=t + 2 * DAY
        )
        assert starts == [u for u in grid_oracle(zone, a, b - 30, 30)]


def berlin(y, mo, d, h, mi=0, off=1) -> int:
    return to_minute(datetime(y, mo, d, h, mi, tzinfo=UTC)) - off * 60


def _sunday(weekly_span) -> tuple:
    return tuple((weekly_span,) if w == 6 else () for w in range(7))


def test_documented_berlin_examples():
    lo, hi = berlin(2027, 3, 27, 0), berlin(2027, 3, 30, 0)
    # Spring forward (02:00 → 03:00 on 2027-03-28): 01:00–04:00 is two real hours, 02:00–03:00 nothing.
    assert availability(cal("Europe/Berlin", weekly=_sunday((60, 240))), lo, hi) == [
        (berlin(2027, 3, 28, 1), berlin(2027, 3, 28, 4, off=2))
    ]
    assert berlin(2027, 3, 28, 4, off=2) - berlin(2027, 3, 28, 1) == 120
    assert availability(cal("Europe/Berlin", weekly=_sunday((120, 180))), lo, hi) == []
    # Fall back (03:00 → 02:00 on 2027-10-31): 02:00–02:30 is the first (CEST) occurrence only;
    # 01:00–04:00 covers both 02:00 hours, four real hours.
    lo, hi = berlin(2027, 10, 30, 0), berlin(2027, 11, 2, 0)
    first = availability(cal("Europe/Berlin", weekly=_sunday((120, 150))), lo, hi)
    assert first == [(berlin(2027, 10, 31, 2, off=2), berlin(2027, 10, 31, 2, 30, off=2))]
    clock = clock_for("Europe/Berlin")
    assert render(first[0][0], clock) == "2027-10-31T02:00:00+02:00"
    ((a, b),) = availability(cal("Europe/Berlin", weekly=_sunday((60, 240))), lo, hi)
    assert b - a == 240
    starts = slot_starts(
        cal("Europe/Berlin", weekly=_sunday((60, 240)), lesson_lengths=(60,)), [], duration=60, lo=lo, hi=hi
    )
    assert [render(u, clock)[11:] for u in starts] == [
        "01:00:00+02:00",
        "01:30:00+02:00",
        "02:00:00+02:00",
        "02:30:00+02:00",
        "02:00:00+01:00",
        "02:30:00+01:00",
        "03:00:00+01:00",
    ]


def test_lord_howe_half_hour_shift():
    zone = "Australia/Lord_Howe"
    clock = clock_for(zone)
    # 2026-10-04 02:00 (+10:30) → 02:30 (+11:00): 01:30–03:00 lasts one real hour.
    day_lo = to_minute(datetime(2026, 10, 3, tzinfo=UTC))
    ((a, b),) = availability(cal(zone, weekly=_sunday((90, 180))), day_lo, day_lo + 3 * DAY)
    assert b - a == 60
    assert render(a, clock) == "2026-10-04T01:30:00+10:30" and render(b, clock) == "2026-10-04T03:00:00+11:00"
    starts = slot_starts(
        cal(zone, weekly=_sunday((90, 180)), lesson_lengths=(30,)), [], duration=30, lo=day_lo, hi=day_lo + 3 * DAY
    )
    assert [render(u, clock)[11:16] for u in starts] == ["01:30", "02:30"]  # 02:00 does not exist


@pytest.mark.parametrize("zone", ZONES)
def test_wall_clock_is_preserved_all_year(zone):
    """09:00–10:30 and 17:00–18:00 every day: 60-minute lessons start at 09:00, 09:30 and 17:00
    local on every single day of 2026–2027, whatever the offset that day."""
    weekly = (((540, 630), (1020, 1080)),) * 7
    lo = to_minute(datetime(2026, 1, 2, tzinfo=UTC))
    hi = to_minute(datetime(2027, 12, 30, tzinfo=UTC))
    starts = slot_starts(cal(zone, weekly=weekly, lesson_lengths=(60,)), [], duration=60, lo=lo, hi=hi)
    by_day: dict[int, list[int]] = {}
    for u in starts:
        local = oracle.local_of(u, zone)
        by_day.setdefault(local // DAY, []).append(local % DAY)
    full_days = [times for day, times in by_day.items() if lo + DAY < day * DAY < hi - 2 * DAY]
    assert len(full_days) > 700
    assert all(times == [540, 570, 1020] for times in full_days)


@pytest.mark.parametrize("zone", ZONES)
def test_viewers_in_other_zones_see_the_same_instants(zone):
    """The tutor and students in every other zone get the same instants, rendered exactly like
    datetime.isoformat() in their zone."""
    points = [t for t, _, _ in transitions(zone)] or [to_minute(datetime(2027, 3, 14, tzinfo=UTC))]
    for t in points:
        starts = slot_starts(cal(zone, lesson_lengths=(60,)), [], duration=60, lo=t - DAY, hi=t + DAY)
        assert starts
        for viewer in ZONES:
            clock = clock_for(viewer)
            for u in starts[::7]:
                text = render(u, clock)
                expected = datetime.fromtimestamp(u * 60, oracle.zone(viewer)).isoformat()
                assert text == expected
                assert to_minute(datetime.fromisoformat(text)) == u


def test_half_and_three_quarter_hour_zones_align_to_their_own_clock():
    lo = to_minute(datetime(2027, 1, 4, tzinfo=UTC))
    for zone, utc_minutes in (("Asia/Kolkata", {0, 30}), ("Asia/Kathmandu", {15, 45})):
        starts = slot_starts(cal(zone, lesson_lengths=(60,)), [], duration=60, lo=lo, hi=lo + DAY)
        assert {u % 60 for u in starts} == utc_minutes
        assert {oracle.local_of(u, zone) % 60 for u in starts} == {0, 30}
