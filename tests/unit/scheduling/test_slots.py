"""Slots: the engine against a brute-force model (hypothesis), then the service's rules and access."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import scheduling_oracle as oracle
from tutorhub.models import Role, TutorProfile, User
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.scheduling import availability as avail
from tutorhub.services.scheduling import slot_weeks, slots
from tutorhub.services.scheduling.engine.slot_engine import (
    BusySpan,
    TutorCalendar,
    availability,
    grid_step,
    slot_starts,
)
from tutorhub.services.scheduling.engine.tzclock import day_of_date, to_minute

DAY = 1440


BASE = to_minute(datetime(2027, 3, 24, tzinfo=UTC))  # spans Europe's 2027-03-28 change
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC")


@st.composite
def day_spans(draw):
    points = sorted(set(draw(st.lists(st.integers(0, 48), max_size=6))))
    if len(points) % 2:
        points = points[:-1]
    return tuple((points[i] * 30, points[i + 1] * 30) for i in range(0, len(points), 2))


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    duration = draw(st.sampled_from((30, 45, 60, 90)))
    weekly = tuple(draw(day_spans()) for _ in range(7))
    first_day = BASE // DAY
    overrides = {first_day + k: draw(day_spans()) for k in draw(st.lists(st.integers(0, 4), max_size=2, unique=True))}
    cal = TutorCalendar(
        tutor_id=1,
        zone=zone,
        weekly=weekly,
        overrides=overrides,
        lesson_lengths=(duration,),
        buffer_before=draw(st.sampled_from((0, 10, 15, 30))),
        buffer_after=draw(st.sampled_from((0, 5, 15, 45))),
        min_notice_min=draw(st.integers(0, 36)) * 60,
        booking_window_min=draw(st.integers(1, 5)) * DAY,
        max_per_day=draw(st.integers(1, 3)),
    )
    busy = [
        BusySpan(BASE + start, BASE + start + length, source)
        for start, length, source in draw(
            st.lists(
                st.tuples(
                    st.integers(-600, 4 * DAY),
                    st.integers(1, 400),
                    st.sampled_from(("manual", "external", "booking", "hold")),
                ),
                max_size=8,
            )
        )
    ]
    now = BASE + draw(st.integers(-DAY, DAY))
    return cal, busy, duration, now


def conflicts(cal: TutorCalendar, busy: list[BusySpan], start: int, end: int) -> bool:
    """Does [start, end) (with its buffers) touch busy time (with lesson buffers)?"""
    for b in busy:
        if start - cal.buffer_before < b.end and b.start < end + cal.buffer_after:
            return True
        if b.is_lesson and start < b.end + cal.buffer_after and b.start - cal.buffer_before < end:
            return True
    return False


def naive_starts(cal, busy, duration, lo, hi, now):
    """Every minute, tested one by one: grid (zoneinfo), availability, busy, notice, window, per-day."""
    free = availability(cal, lo, hi)
    lessons = Counter(oracle.local_of(b.start, cal.zone) // DAY for b in busy if b.is_lesson)
    out = []
    for t in range(lo, hi - duration + 1):
        if oracle.local_of(t, cal.zone) % grid_step(duration):
            continue
        if t < now + cal.min_notice_min or t >= now + cal.booking_window_min:
            continue
        if not any(a <= t and t + duration <= b for a, b in free):
            continue
        if conflicts(cal, busy, t, t + duration):
            continue
        if lessons[oracle.local_of(t, cal.zone) // DAY] >= cal.max_per_day:
            continue
        out.append(t)
    return out


@settings(max_examples=120, deadline=None)
@given(scenarios())
def test_engine_equals_brute_force(scenario):
    cal, busy, duration, now = scenario
    lo, hi = BASE, BASE + 4 * DAY
    got = slot_starts(cal, busy, duration=duration, lo=lo, hi=hi, now=now)
    assert got == naive_starts(cal, busy, duration, lo, hi, now)
    free = availability(cal, lo, hi)
    for t in got:
        assert any(a <= t and t + duration <= b for a, b in free), "slot outside availability"
        assert not conflicts(cal, busy, t, t + duration), "slot overlaps busy time or buffers"
    assert got == sorted(set(got))


# The service: rules on real rows

MONDAY = datetime(2027, 3, 15, tzinfo=UTC)  # a Monday
BERLIN_WEEK = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)]


@pytest.fixture
def tutor(db, make_approved_tutor):
    """An approved Berlin tutor teaching 09:00–12:00 on weekdays, 60-minute lessons, no notice."""
    user, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    avail.save_availability(
        db,
        actor=user,
        data={"weekly": BERLIN_WEEK, "settings": {"lesson_lengths": [60, 90], "min_notice_hours": 0}},
        now=MONDAY,
    )
    db.commit()
    return user, tutor_id


def _times(result) -> list[str]:
    return [s.start for s in result.slots]


def _slots_between(db, tid, start: str, end: str, *, tz: str = "Europe/Berlin"):
    """60-minute slots in [start, end) as seen on MONDAY, rendered in `tz`."""
    return slots.get_slots(db, tutor_id=tid, start=start, end=end, duration=60, tz=tz, now=MONDAY)


def test_slots_render_in_viewer_zone_with_tutor_time_beside(db, tutor):
    _, tid = tutor
    res = _slots_between(db, tid, "2027-03-16T00:00:00+01:00", "2027-03-17T00:00:00+01:00", tz="America/New_York")
    # 09:00 in Berlin (+01:00 until 28 March) is 04:00 in New York (already -04:00 since 14 March).
    assert _times(res) == [f"2027-03-16T{h}:00-04:00" for h in ("04:00", "04:30", "05:00", "05:30", "06:00")]
    assert res.slots[0].tutor_start == "2027-03-16T09:00:00+01:00"
    assert res.slots[0].end == "2027-03-16T05:00:00-04:00"
    assert res.tutor_timezone == "Europe/Berlin" and res.duration == 60 and res.lesson_lengths == [60, 90]


def test_slots_lie_inside_the_requested_range(db, tutor):
    _, tid = tutor
    res = _slots_between(db, tid, "2027-03-16T09:30:00+01:00", "2027-03-16T11:30:00+01:00")
    assert [s.tutor_start[11:16] for s in res.slots] == ["09:30", "10:00", "10:30"]


def test_min_notice_and_booking_window(db, tutor):
    user, tid = tutor
    now = datetime(2027, 3, 16, 7, 0, tzinfo=UTC)  # Tuesday 08:00 Berlin
    avail.save_availability(
        db, actor=user, data={"settings": {"min_notice_hours": 3, "booking_window_days": 1}}, now=now
    )
    res = slots.get_slots(
        db, tutor_id=tid, start=MONDAY, end=MONDAY + timedelta(days=7), duration=60, tz="Europe/Berlin", now=now
    )
    # Tuesday from 11:00 (08:00 + 3 h); Wednesday before 08:00 only — nothing then.
    assert [s.start for s in res.slots] == ["2027-03-16T11:00:00+01:00"]


def test_max_lessons_per_day_counts_bookings(db, tutor):
    user, tid = tutor
    avail.save_availability(db, actor=user, data={"settings": {"max_lessons_per_day": 1}}, now=MONDAY)
    avail.replace_busy_from_source(
        db,
        tutor_id=tid,
        source="booking",
        spans=[(datetime(2027, 3, 16, 16, tzinfo=UTC), datetime(2027, 3, 16, 17, tzinfo=UTC), "b1")],
        now=MONDAY,
    )
    res = slots.get_slots(
        db, tutor_id=tid, start=MONDAY, end=MONDAY + timedelta(days=3), duration=60, tz="Europe/Berlin", now=MONDAY
    )
    days = {s.start[:10] for s in res.slots}
    assert days == {"2027-03-15", "2027-03-17"}  # Tuesday already has its one lesson


def test_buffers_around_busy_time(db, tutor):
    user, tid = tutor
    avail.save_availability(
        db, actor=user, data={"settings": {"buffer_before_min": 30, "buffer_after_min": 30}}, now=MONDAY
    )
    avail.add_busy(db, actor=user, start="2027-03-16T10:30:00+01:00", end="2027-03-16T11:00:00+01:00", now=MONDAY)
    res = _slots_between(db, tid, "2027-03-16T00:00:00+01:00", "2027-03-17T00:00:00+01:00")
    # 09:00–10:00 still leaves the 30 minutes before 10:30; 11:00 would need 30 after the block.
    assert [s.start[11:16] for s in res.slots] == ["09:00"]


def test_overrides_replace_or_block_a_day(db, tutor):
    user, tid = tutor
    avail.save_availability(
        db,
        actor=user,
        now=MONDAY,
        data={
            "overrides": [
                {"date": "2027-03-16", "intervals": []},
                {"date": "2027-03-17", "intervals": [{"start": "14:00", "end": "15:00"}]},
                {"date": "2027-03-20", "intervals": [{"start": "10:00", "end": "11:00"}]},
            ]
        },
    )
    res = _slots_between(db, tid, "2027-03-16T00:00:00+01:00", "2027-03-21T00:00:00+01:00")
    assert [s.start[:16] for s in res.slots] == [
        "2027-03-17T14:00",  # Wednesday: only the override
        "2027-03-18T09:00",
        "2027-03-18T09:30",
        "2027-03-18T10:00",
        "2027-03-18T10:30",
        "2027-03-18T11:00",
        "2027-03-19T09:00",
        "2027-03-19T09:30",
        "2027-03-19T10:00",
        "2027-03-19T10:30",
        "2027-03-19T11:00",
        "2027-03-20T10:00",  # Saturday: extra hours
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "x" * 10_240}, "tz"),
        ({"start": "2027-03-20T00:00:00+00:00", "end": "2027-03-19T00:00:00+00:00"}, "end"),
        ({"start": "2027-03-01T00:00:00+00:00", "end": "2027-06-03T00:00:01+00:00"}, "end"),
        ({"start": "2027-03-01T00:00:00", "end": "2027-03-05T00:00:00+00:00"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"start": "0001-01-01T00:00:00+05:00"}, "start"),
        ({"duration": 45}, "duration"),
        ({"duration": "sixty"}, "duration"),
    ],
)
def test_bad_slot_queries_are_field_errors(db, tutor, kwargs, field):
    _, tid = tutor
    with pytest.raises(InvalidInput) as err:
        slots.get_slots(db, tutor_id=tid, **kwargs, now=MONDAY)
    assert field in err.value.fields


def test_ninety_three_days_is_allowed(db, tutor):
    _, tid = tutor
    res = slots.get_slots(
        db, tutor_id=tid, start="2027-03-01T00:00:00+00:00", end="2027-06-02T00:00:00+00:00", duration=90, now=MONDAY
    )
    assert res.duration == 90 and len(res.slots) > 100


def test_who_may_read_slots(db, tutor, make_user):
    user, tid = tutor
    profile = db.get(TutorProfile, tid)
    profile.status = "PENDING"
    db.add(profile)
    db.commit()
    with pytest.raises(NotFound):
        slots.get_slots(db, tutor_id=tid, now=MONDAY)
    with pytest.raises(NotFound):
        slots.get_slots(db, tutor_id=tid, viewer=make_user(Role.STUDENT), now=MONDAY)
    assert slots.get_slots(db, tutor_id=tid, viewer=user, now=MONDAY).tutor_id == tid  # the owner
    assert slots.get_slots(db, tutor_id=tid, viewer=make_user(Role.ADMIN), now=MONDAY).tutor_id == tid
    profile.status = "APPROVED"
    db.add(profile)
    account = db.get(User, profile.user_id)
    account.is_suspended = True
    db.add(account)
    db.commit()
    with pytest.raises(NotFound):
        slots.get_slots(db, tutor_id=tid, now=MONDAY)
    for bad in (0, -1, "abc", 10**40, None):
        with pytest.raises(NotFound):
            slots.get_slots(db, tutor_id=bad, now=MONDAY)


def test_default_range_and_duration(db, tutor):
    _, tid = tutor
    res = slots.get_slots(db, tutor_id=tid, now=MONDAY)
    assert res.duration == 60 and res.timezone == "UTC"
    assert res.slots[0].start == "2027-03-15T08:00:00+00:00"
    assert res.slots[-1].start < "2027-04-12"  # 28 days


def test_override_days_are_local_dates(db, tutor):
    """An override for 2027-03-16 blocks the tutor's local day, whatever the viewer's zone."""
    user, tid = tutor
    avail.save_availability(db, actor=user, data={"overrides": [{"date": "2027-03-16", "intervals": []}]}, now=MONDAY)
    res = slots.get_slots(
        db, tutor_id=tid, start=MONDAY, end=MONDAY + timedelta(days=3), tz="Pacific/Kiritimati", now=MONDAY
    )
    assert {s.tutor_start[:10] for s in res.slots} == {"2027-03-15", "2027-03-17"}
    # Monday 11:00 in Berlin is already Tuesday 00:00 in Kiritimati (+14:00): the viewer's 16th
    # keeps that slot, because the override blocks the tutor's 16th, not the viewer's.
    assert [s.tutor_start[11:16] for s in res.slots if s.tutor_start.startswith("2027-03-15")] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]
    assert "2027-03-16T00:00:00+14:00" in _times(res)
    assert day_of_date(datetime(2027, 3, 16).date()) * DAY < to_minute(MONDAY) + 2 * DAY


def test_week_slots_are_viewer_local_weeks_and_report_every_bad_input(db, tutor):
    """On MONDAY 00:00 UTC it is still Sunday the 14th in New York, so the viewer's next week
    starts on the 15th (for a Berlin viewer it would start on the 22nd)."""
    _, tid = tutor
    week = slot_weeks.week_slots(db, tutor_id=tid, week=1, tz="America/New_York", now=MONDAY)
    assert week.first_day == "2027-03-15" and [d.date for d in week.days][::6] == ["2027-03-15", "2027-03-21"]
    assert [s.start[11:16] for s in week.days[0].slots] == ["04:00", "04:30", "05:00", "05:30", "06:00"]
    assert week.days[5].slots == [] and week.days[6].slots == []  # no weekend hours
    assert slot_weeks.week_slots(db, tutor_id=tid, tz=" ", now=MONDAY).timezone == "UTC"  # blank = UTC, as get_slots
    with pytest.raises(InvalidInput) as err:
        slot_weeks.week_slots(db, tutor_id=tid, week=slot_weeks.WEEKS_AHEAD, tz="Mars/Base", now=MONDAY)
    assert set(err.value.fields) == {"week", "tz"}
