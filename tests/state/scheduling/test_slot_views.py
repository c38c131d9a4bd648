"""A free time as the page gets it: two fields sent, the wall clock and label derived (the
properties here, components/slot_times in the browser), and a tutor's full week under 20 kB."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from reflex_base.utils.format import json_dumps

from tutorhub.services.scheduling.slot_weeks import DaySlots, WeekSlots
from tutorhub.services.scheduling.slots import SlotOut
from tutorhub.state.scheduling.views import MAX_SLOTS_PER_DAY, day_views, slot_view


def _slot(start: datetime, tutor_start: datetime) -> SlotOut:
    end, tutor_end = start + timedelta(hours=1), tutor_start + timedelta(hours=1)
    return SlotOut(start=start.isoformat(), end=end.isoformat(), tutor_start=tutor_start.isoformat(),
                   tutor_end=tutor_end.isoformat())


def test_a_free_time_sends_its_start_and_tutor_clock_and_derives_the_rest():
    same = slot_view(_slot(datetime.fromisoformat("2027-03-29T17:00:00+02:00"),
                           datetime.fromisoformat("2027-03-29T17:00:00+02:00")))
    assert (same.time, same.tutor_time, same.label) == ("17:00", "", "17:00")
    apart = slot_view(_slot(datetime.fromisoformat("2027-03-29T23:30:00+02:00"),
                            datetime.fromisoformat("2027-03-30T07:30:00+10:00")))
    assert (apart.time, apart.tutor_time) == ("23:30", "07:30 Tue")
    assert apart.label == "23:30 for you · 07:30 Tue for your tutor"
    assert apart.start == "2027-03-29T23:30:00+02:00"  # what the booking dialog is opened with, unchanged
    assert set(json.loads(json_dumps(apart))) == {"tutor_time", "start"}


def test_a_tutor_open_around_the_clock_is_one_update_under_20_kb():
    first = date(2027, 3, 29)
    days = []
    for d in range(7):
        day = datetime.fromisoformat(f"{first + timedelta(days=d)}T00:00:00+00:00")
        starts = [day + timedelta(minutes=30 * i) for i in range(MAX_SLOTS_PER_DAY)]
        days.append(DaySlots(date=str(first + timedelta(days=d)), slots=[_slot(s, s) for s in starts]))
    week = WeekSlots(tutor_id=1, timezone="UTC", tutor_timezone="UTC", duration=60, lesson_lengths=[60], week=0,
                     weeks=8, first_day=str(first), today=str(first), days=days)
    views = day_views(week, first)
    assert sum(len(d.slots) for d in views) == 7 * 48
    # Measured as benchmarks/bench_realtime.py measures an update (compact JSON): was 28 kB.
    assert len(json.dumps(json.loads(json_dumps(views)), separators=(",", ":"))) < 19_000
