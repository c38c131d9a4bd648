"""Best lesson times for a student: scoring, ranking, windows in another zone, saved windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorhub.models import Role
from tutorhub.services.errors import Forbidden, InvalidInput
from tutorhub.services.scheduling import availability as avail
from tutorhub.services.scheduling import slots, student_windows
from tutorhub.services.scheduling.engine import best_times
from tutorhub.services.scheduling.engine.scanline import union
from tutorhub.services.scheduling.engine.slot_engine import BusySpan, TutorCalendar, slot_starts
from tutorhub.services.scheduling.engine.tzclock import to_minute

MONDAY = datetime(2027, 3, 15, tzinfo=UTC)
DAY = 1440


@pytest.mark.parametrize(
    ("start", "stretch", "expected"),
    [
        (0, (0, 480), (100, 0, False)),  # at the left edge
        (420, (0, 480), (100, 0, False)),  # at the right edge
        (0, (0, 60), (100, 0, False)),  # fills the stretch
        (240, (0, 480), (85, 0, True)),  # cuts a long stretch in two usable pieces
        (30, (0, 480), (75, 30, False)),  # leaves a 30-minute crumb (shortest lesson is 60)
        (60, (0, 180), (0, 120, False)),  # 60 + 60 left over, each too short once 15 min clearance is kept
        (45, (0, 180), (62, 45, False)),  # 45 wasted (⌈37.5⌉ points), 75 still usable
    ],
)
def test_score_formula(start, stretch, expected):
    clearance = 15 if start == 60 else 0
    p = best_times.score_slot(start, 60, stretch, min_lesson=60, clearance=clearance)
    assert (p.score, p.wasted_min, p.splits_stretch) == expected


def test_ranking_prefers_unfragmenting_starts_then_the_earliest():
    cal = TutorCalendar(tutor_id=1, zone="UTC", weekly=(((540, 720),),) * 7, lesson_lengths=(60,), min_notice_min=0)
    lo = to_minute(MONDAY)
    windows = [(lo + 540, lo + 720), (lo + DAY + 540, lo + DAY + 720)]
    ranked = best_times.rank(cal, [], windows=windows, duration=60, lo=lo, hi=lo + 2 * DAY, now=lo, limit=10)
    assert [(p.start - lo, p.score) for p in ranked] == [
        (540, 100),
        (660, 100),
        (DAY + 540, 100),
        (DAY + 660, 100),  # edges, day by day
        (600, 85),
        (DAY + 600, 85),  # the middle splits 09–12 into two bookable hours
        (570, 75),
        (630, 75),
        (DAY + 570, 75),
        (DAY + 630, 75),  # 30-minute crumbs
    ]


def test_busy_time_moves_the_best_start_next_to_it():
    cal = TutorCalendar(tutor_id=1, zone="UTC", weekly=(((540, 1020),),) * 7, lesson_lengths=(60,), min_notice_min=0)
    lo = to_minute(MONDAY)
    busy = [BusySpan(lo + 720, lo + 780, "booking")]  # a lesson 12:00–13:00
    windows = [(lo + 600, lo + 900)]  # the student: 10:00–15:00
    top = best_times.rank(cal, busy, windows=windows, duration=60, lo=lo, hi=lo + DAY, now=lo, limit=2)
    assert [p.start - lo for p in top] == [660, 780]  # right before and right after the lesson


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 46)), max_size=5),
    st.lists(st.tuples(st.integers(0, 3 * DAY), st.integers(15, 300)), max_size=5),
    st.sampled_from((30, 45, 60, 90)),
    st.sampled_from(("UTC", "Asia/Kathmandu", "America/New_York")),
)
def test_proposals_are_valid_slots_inside_windows_in_rank_order(win, busy_raw, duration, student_zone):
    cal = TutorCalendar(
        tutor_id=1,
        zone="Europe/Berlin",
        weekly=(((480, 1200),),) * 7,
        lesson_lengths=(30, duration),
        min_notice_min=120,
        buffer_after=15,
    )
    lo = to_minute(MONDAY)
    busy = [BusySpan(lo + s, lo + s + n, "booking") for s, n in busy_raw]
    windows = [(lo + d * DAY + h * 30, lo + d * DAY + h * 30 + 180) for d, h in win]
    ranked = best_times.rank(cal, busy, windows=windows, duration=duration, lo=lo, hi=lo + 7 * DAY, now=lo, limit=50)
    valid = set(slot_starts(cal, busy, duration=duration, lo=lo, hi=lo + 7 * DAY, now=lo))
    merged = union(windows)
    for p in ranked:
        assert p.start in valid and p.end == p.start + duration
        assert any(a <= p.start and p.end <= b for a, b in merged)
        assert 0 <= p.score <= 100
    assert [(-p.score, p.start) for p in ranked] == sorted((-p.score, p.start) for p in ranked)


@pytest.fixture
def tutor(db, make_approved_tutor):
    user, tid = make_approved_tutor(timezone="Europe/Berlin")
    avail.save_availability(
        db,
        actor=user,
        now=MONDAY,
        data={
            "weekly": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)],
            "settings": {"lesson_lengths": [30, 60], "min_notice_hours": 0},
        },
    )
    db.commit()
    return user, tid


def test_service_ranks_in_the_students_zone(db, tutor):
    _, tid = tutor
    # Kolkata 14:30–17:30 on Tuesdays = 10:00–13:00 in Berlin (+01:00 in March before the 28th).
    windows = json.dumps([{"weekday": 1, "start": "14:30", "end": "17:30"}])
    res = slots.best_times(db, tutor_id=tid, tz="Asia/Kolkata", duration=60, windows=windows, limit=3, now=MONDAY)
    assert [(p.start, p.tutor_start, p.score) for p in res.proposals] == [
        ("2027-03-16T15:30:00+05:30", "2027-03-16T11:00:00+01:00", 100),  # ends with the tutor's morning
        ("2027-03-23T15:30:00+05:30", "2027-03-23T11:00:00+01:00", 100),
        ("2027-03-16T14:30:00+05:30", "2027-03-16T10:00:00+01:00", 85),
    ]
    assert res.windows[0].start == "14:30" and res.duration == 60


def test_service_uses_a_students_saved_windows(db, tutor, make_user):
    _, tid = tutor
    student = make_user(Role.STUDENT)
    saved = student_windows.save_student_windows(
        db,
        actor=student,
        data={
            "timezone": "America/New_York",
            "windows": [{"weekday": 2, "start": "04:00", "end": "06:00"}],
            "lesson_length": 30,
        },
    )
    assert saved.timezone == "America/New_York" and saved.lesson_length == 30
    res = slots.best_times(db, tutor_id=tid, viewer=student, now=MONDAY)
    assert res.timezone == "America/New_York" and res.duration == 30
    assert res.proposals[0].start == "2027-03-17T04:00:00-04:00"  # 09:00 Berlin
    with pytest.raises(InvalidInput) as err:
        slots.best_times(db, tutor_id=tid, now=MONDAY)  # anonymous, no windows
    assert "windows" in err.value.fields


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"windows": "garbage"}, "windows"),
        ({"windows": "{}"}, "windows"),
        ({"windows": "[" * 5000}, "windows"),
        ({"windows": "x" * 30_000}, "windows"),
        ({"windows": json.dumps([{"weekday": 0, "start": "18:00", "end": "17:00"}])}, "windows.0.end"),
        ({"windows": "[]", "limit": 51}, "limit"),
        ({"windows": "[]", "limit": 0}, "limit"),
        ({"windows": "[]", "tz": "Nowhere/City"}, "tz"),
        ({"windows": "[]", "duration": 90}, "duration"),
    ],
)
def test_bad_best_time_queries(db, tutor, kwargs, field):
    _, tid = tutor
    with pytest.raises(InvalidInput) as err:
        slots.best_times(db, tutor_id=tid, now=MONDAY, **kwargs)
    assert field in err.value.fields


def test_no_overlap_means_no_proposals(db, tutor):
    _, tid = tutor
    res = slots.best_times(
        db, tutor_id=tid, windows=[{"weekday": 0, "start": "20:00", "end": "22:00"}], tz="Europe/Berlin", now=MONDAY
    )
    assert res.proposals == []


def test_student_windows_validation_and_roles(db, make_user):
    student = make_user(Role.STUDENT, timezone="Asia/Kolkata")
    assert student_windows.get_student_windows(db, actor=student).windows == []
    for data, field in (
        ({"windows": [{"weekday": 0, "start": "10:00", "end": "09:00"}]}, "windows.0.end"),
        ({"windows": '[{"weekday": 0, "start": "09:00", "end": "10:00"}]'}, "windows"),
        ({"lesson_length": 50}, "lesson_length"),
        ({"timezone": "Asia/Nowhere"}, "timezone"),
    ):
        with pytest.raises(InvalidInput) as err:
            student_windows.save_student_windows(db, actor=student, data=data)
        assert field in err.value.fields
    with pytest.raises(Forbidden):
        student_windows.save_student_windows(db, actor=make_user(Role.TUTOR), data={})
    out = student_windows.save_student_windows(
        db, actor=student, data={"windows": [{"weekday": 6, "start": "07:00", "end": "08:00"}]}
    )
    assert out.timezone == "Asia/Kolkata" and [w.start for w in out.windows] == ["07:00"] and out.lesson_length == 60


def test_saved_windows_stay_in_their_own_zone_when_answers_are_rendered_in_another(db, tutor, make_user):
    """Saved windows are wall-clock times in the student's zone; asking for the answer in another
    zone (`tz`) must not reinterpret them in that zone."""
    _, tid = tutor
    student = make_user(Role.STUDENT)
    student_windows.save_student_windows(
        db,
        actor=student,
        data={"timezone": "America/New_York", "windows": [{"weekday": 2, "start": "04:00", "end": "06:00"}]},
    )
    res = slots.best_times(db, tutor_id=tid, viewer=student, tz="Europe/Berlin", duration=60, now=MONDAY)
    assert res.timezone == "Europe/Berlin" and res.windows_timezone == "America/New_York"
    # Wednesday 17 March 04:00 in New York (-04:00 since the 14th) is 09:00 in Berlin (+01:00).
    assert res.proposals[0].start == "2027-03-17T09:00:00+01:00"
    assert res.proposals[0].tutor_start == "2027-03-17T09:00:00+01:00"
    given = slots.best_times(
        db,
        tutor_id=tid,
        tz="Europe/Berlin",
        duration=60,
        now=MONDAY,
        windows=[{"weekday": 2, "start": "09:00", "end": "11:00"}],
    )
    assert given.windows_timezone == "Europe/Berlin"
    assert [p.start for p in given.proposals] == [p.start for p in res.proposals]


def test_saving_windows_with_a_zone_moves_the_whole_account(db, make_user):
    """The learning profile's zone is the account's zone (students.update_profile keeps them
    together); the windows endpoint changes it too, so every screen that renders times in the
    account's zone (the tutor profile's free times) agrees with the best times and the search."""
    from sqlmodel import select

    from tutorhub.models import StudentProfile, User
    from tutorhub.services.actor import to_user_out

    student = make_user(Role.STUDENT, timezone="UTC")
    student_windows.save_student_windows(db, actor=student, data={"timezone": "Asia/Kolkata"})
    db.flush()
    user = db.get(User, student.id)
    profile = db.exec(select(StudentProfile).where(StudentProfile.user_id == student.id)).one()
    assert profile.timezone == "Asia/Kolkata"
    assert user.timezone == "Asia/Kolkata" and to_user_out(user).timezone == "Asia/Kolkata"
