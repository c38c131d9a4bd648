"""The tutor profile opens on the first week with a free time, whatever the day it is opened on.

Every case passes the service's `now`, so nothing here depends on the day the suite runs. The
expected week comes from a plain day-by-day walk over the tutor's rules, not from the engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from tutorhub.models.scheduling import BusyInterval
from tutorhub.services.scheduling import availability as avail
from tutorhub.services.scheduling import slot_weeks
from tutorhub.services.scheduling.student_windows import save_student_windows

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
MONDAY = date(2027, 5, 3)  # no clock change anywhere near: 17:00 in Berlin is 11:00 in New York
SETUP_AT = datetime(2027, 5, 1, tzinfo=UTC)
# `now` on every day of one New York week, before and after that day's 11:00 lesson.
NOWS = [datetime.combine(MONDAY + timedelta(days=d), time(hour), tzinfo=NEW_YORK) for d in range(7) for hour in (9, 15)]


def _teach(db, user, weekdays, **settings) -> None:
    avail.save_availability(
        db,
        actor=user,
        data={
            "weekly": [{"weekday": d, "start": "17:00", "end": "18:00"} for d in weekdays],
            "settings": {"lesson_lengths": [60], "min_notice_hours": 0, "booking_window_days": 90, **settings},
        },
        now=SETUP_AT,
    )
    db.commit()


@pytest.fixture
def berlin_tutor(db, make_approved_tutor):
    return make_approved_tutor(timezone="Europe/Berlin")


def _first_lesson(now: datetime, weekdays: set[int]) -> datetime:
    """The first 17:00 in Berlin on a teaching day that has not started yet (a day-by-day walk)."""
    day = now.astimezone(BERLIN).date()
    while True:
        start = datetime.combine(day, time(17), tzinfo=BERLIN)
        if day.weekday() in weekdays and start >= now:
            return start
        day += timedelta(days=1)


def _expected_week(now: datetime, first: datetime) -> int:
    today = now.astimezone(NEW_YORK).date()
    return (first.astimezone(NEW_YORK).date() - (today - timedelta(days=today.weekday()))).days // 7


def _open(db, tutor_id, now, **kwargs):
    return slot_weeks.opening_week(db, tutor_id=tutor_id, tz="America/New_York", now=now, **kwargs)


def _starts(found) -> list[str]:
    return [s.start for d in found.days for s in d.slots]


@pytest.mark.parametrize(
    "weekdays",
    [{d} for d in range(7)] + [set(range(7))],
    ids=[f"only-{name}" for name in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")] + ["every-day"],
)
def test_opens_on_the_first_week_with_a_free_time_on_every_weekday(db, berlin_tutor, weekdays):
    user, tutor_id = berlin_tutor
    _teach(db, user, weekdays)
    for now in NOWS:
        found = _open(db, tutor_id, now)
        first = _first_lesson(now, weekdays)
        week = _expected_week(now, first)
        label = f"opened on {now:%a %H:%M} New York"
        assert found.week == week, label
        assert _starts(found)[0] == first.astimezone(NEW_YORK).isoformat(), label
        assert found.today == now.astimezone(NEW_YORK).date().isoformat(), label
        # The very week `week_slots` shows when paged to, and every week before it is empty.
        assert found == slot_weeks.week_slots(db, tutor_id=tutor_id, week=week, tz="America/New_York", now=now)
        for earlier in range(week):
            assert (
                _starts(slot_weeks.week_slots(db, tutor_id=tutor_id, week=earlier, tz="America/New_York", now=now))
                == []
            )


def test_a_tutor_teaching_only_on_wednesdays_opened_on_thursday(db, berlin_tutor):
    user, tutor_id = berlin_tutor
    _teach(db, user, {2})
    found = _open(db, tutor_id, datetime(2027, 5, 6, 12, 0, tzinfo=UTC))
    assert (found.week, found.first_day, found.today) == (1, "2027-05-10", "2027-05-06")
    assert {d.date: [s.start for s in d.slots] for d in found.days if d.slots} == {
        "2027-05-12": ["2027-05-12T11:00:00-04:00"]
    }
    assert [d.date for d in found.days][::6] == ["2027-05-10", "2027-05-16"] and found.weeks == slot_weeks.WEEKS_AHEAD


def test_weeks_far_ahead_are_found_and_taken_time_is_skipped(db, berlin_tutor):
    """No weekly hours, only one dated day three weeks ahead; then that day's hour is taken."""
    user, tutor_id = berlin_tutor
    _teach(db, user, set())
    avail.save_availability(
        db,
        actor=user,
        data={
            "overrides": [
                {"date": "2027-05-26", "intervals": [{"start": "17:00", "end": "18:00"}]},
                {"date": "2027-06-09", "intervals": [{"start": "17:00", "end": "18:00"}]},
            ]
        },
        now=SETUP_AT,
    )
    db.commit()
    now = datetime(2027, 5, 4, 12, 0, tzinfo=UTC)
    found = _open(db, tutor_id, now)
    assert (found.week, found.first_day) == (3, "2027-05-24")
    assert _starts(found) == ["2027-05-26T11:00:00-04:00"]
    lesson = datetime(2027, 5, 26, 15, 0, tzinfo=UTC)
    db.add(BusyInterval(tutor_id=tutor_id, start_at=lesson, end_at=lesson + timedelta(hours=1)))
    db.commit()
    found = _open(db, tutor_id, now)
    assert (found.week, _starts(found)) == (5, ["2027-06-09T11:00:00-04:00"])


def test_nothing_free_inside_the_booking_window_opens_on_the_current_week(db, berlin_tutor, make_approved_tutor):
    user, tutor_id = berlin_tutor
    _teach(db, user, {2}, booking_window_days=3)  # on a Thursday, next Wednesday is 6 days away
    thursday = datetime(2027, 5, 6, 12, 0, tzinfo=UTC)
    found = _open(db, tutor_id, thursday)
    assert (found.week, found.first_day, _starts(found)) == (0, "2027-05-03", [])
    _teach(db, user, {2}, booking_window_days=7)
    assert _open(db, tutor_id, thursday).week == 1
    idle, idle_id = make_approved_tutor(timezone="Europe/Berlin")  # no hours at all
    assert (_open(db, idle_id, thursday).week, len(_open(db, idle_id, thursday).days)) == (0, 7)


def test_length_zone_and_week_keep_their_rules(db, berlin_tutor):
    user, tutor_id = berlin_tutor
    _teach(db, user, {0}, lesson_lengths=[30, 60])
    found = _open(db, tutor_id, datetime(2027, 5, 4, 12, 0, tzinfo=UTC), duration="60")
    assert (found.week, found.duration, found.lesson_lengths, found.timezone) == (1, 60, [30, 60], "America/New_York")
    assert [s.start for s in found.days[0].slots] == ["2027-05-10T11:00:00-04:00"]


def test_a_far_week_costs_one_more_read_not_one_per_week(db, berlin_tutor):
    user, tutor_id = berlin_tutor
    _teach(db, user, set())
    avail.save_availability(
        db,
        actor=user,
        data={"overrides": [{"date": "2027-06-16", "intervals": [{"start": "17:00", "end": "18:00"}]}]},
        now=SETUP_AT,
    )
    db.commit()
    now = datetime(2027, 5, 4, 12, 0, tzinfo=UTC)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        slot_weeks.week_slots(db, tutor_id=tutor_id, tz="America/New_York", now=now)
        one_week = len(statements)
        statements.clear()
        found = _open(db, tutor_id, now)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert found.week == 6 and one_week >= 3  # visibility, calendar, busy time
    assert len(statements) <= 2 * one_week


def test_a_student_sees_their_preferred_lesson_length_when_the_tutor_offers_it(db, berlin_tutor, make_user):
    user, tutor_id = berlin_tutor
    _teach(db, user, set(range(7)), lesson_lengths=[30, 60])
    learner = make_user("student", timezone="America/New_York")
    now = NOWS[0]
    assert _open(db, tutor_id, now, viewer=learner).duration == 30  # no preference: the shortest
    save_student_windows(db, actor=learner, data={"timezone": "America/New_York", "lesson_length": 60,
                                                  "windows": [{"weekday": 0, "start": "09:00", "end": "12:00"}]})
    db.commit()
    assert _open(db, tutor_id, now, viewer=learner).duration == 60
    assert _open(db, tutor_id, now, viewer=learner, duration=30).duration == 30  # a choice wins
    save_student_windows(db, actor=learner, data={"lesson_length": 90})
    db.commit()
    assert _open(db, tutor_id, now, viewer=learner).duration == 30  # not offered: the shortest
