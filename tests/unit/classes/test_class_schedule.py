"""Class schedules: RFC 5545 rules expanded in local wall-clock time, across DST, with exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorhub.services.classes.schedule import expand
from tutorhub.services.errors import InvalidInput


def _local(times, zone):
    return [t.start_at.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for t in times]


@pytest.mark.parametrize("zone,first", [
    ("Europe/Berlin", "2027-03-02T17:00"),  # changes on 2027-03-28 and 2027-10-31
    ("America/New_York", "2027-03-02T17:00"),  # changes on 2027-03-14 and 2027-11-07
])
def test_a_weekly_rule_keeps_local_time_across_both_changes(zone, first):
    times = expand("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=80", first, zone, 60)
    assert len(times) == 80
    assert set(_local(times, zone)) == {"Tue 17:00", "Thu 17:00"}
    offsets = {t.start_at.astimezone(ZoneInfo(zone)).utcoffset() for t in times}
    assert len(offsets) == 2  # the UTC instant moved by the hour, the wall clock did not
    assert all(t.end_at - t.start_at == timedelta(minutes=60) for t in times)
    assert not any(t.shifted for t in times)


def test_berlin_17_00_is_16_00_utc_in_winter_and_15_00_utc_in_summer():
    times = expand("FREQ=WEEKLY;COUNT=6", "2027-03-16T17:00", "Europe/Berlin", 60)
    assert [t.start_at.hour for t in times] == [16, 16, 15, 15, 15, 15]


def test_a_session_in_the_spring_gap_is_held_at_the_same_elapsed_time_and_flagged():
    # 2027-03-28 02:30 does not exist in Berlin (02:00 → 03:00).
    times = expand("FREQ=WEEKLY;COUNT=3", "2027-03-21T02:30", "Europe/Berlin", 30)
    assert [t.shifted for t in times] == [False, True, False]
    gap = times[1]
    assert gap.start_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert gap.start_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "03:30"


def test_an_ambiguous_autumn_time_is_the_first_of_the_two():
    times = expand("FREQ=DAILY;COUNT=1", "2027-10-31T02:30", "Europe/Berlin", 30)
    assert times[0].start_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still CEST (+2)


def test_exceptions_are_left_out():
    times = expand("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4\nEXDATE:20270316T170000", "2027-03-09T17:00",
                   "Europe/Berlin", 60)
    assert [t.local.day for t in times] == [9, 23, 30]


@pytest.mark.parametrize("rule,field_part", [
    ("FREQ=WEEKLY;BYDAY=TU", "must end"),
    ("FREQ=HOURLY;COUNT=3", "at most daily"),
    ("FREQ=BOGUS;COUNT=3", "not a valid"),
    ("DTSTART:20270101T000000\nRRULE:FREQ=DAILY;COUNT=2", "DTSTART"),
    ("FREQ=DAILY;COUNT=500", "at most 100"),
    ("", "recurrence rule"),
])
def test_bad_rules_are_refused_on_the_rrule_field(rule, field_part):
    with pytest.raises(InvalidInput) as err:
        expand(rule, "2027-03-09T17:00", "Europe/Berlin", 60)
    assert field_part in err.value.fields["rrule"]


def test_sessions_longer_than_the_interval_are_refused():
    with pytest.raises(InvalidInput) as err:
        expand("FREQ=DAILY;COUNT=3", "2027-03-09T17:00", "UTC", 60 * 25)
    assert "overlap" in err.value.fields["rrule"]


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]),
       day=st.integers(0, 364), hour=st.integers(0, 23), minute=st.sampled_from([0, 15, 30, 45]),
       count=st.integers(1, 30))
def test_every_weekly_session_shows_the_first_sessions_wall_clock_unless_flagged(zone, day, hour, minute, count):
    first = datetime(2027, 1, 1, hour, minute) + timedelta(days=day)
    times = expand(f"FREQ=WEEKLY;COUNT={count}", first.strftime("%Y-%m-%dT%H:%M"), zone, 30)
    assert len(times) == count
    for i, t in enumerate(times):
        assert t.local == first + timedelta(weeks=i)
        shown = t.start_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        assert (shown == t.local) != t.shifted
        assert t.start_at.tzinfo == UTC
