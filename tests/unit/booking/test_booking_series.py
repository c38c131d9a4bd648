"""Weekly series: same local wall-clock time across DST, per-occurrence conflicts with
alternatives, all-or-nothing holds, skip_conflicts, confirmation, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from tests.support.booking import NOW, open_all_week
from tests.support.money import fund_wallet
from tutorhub.models import Booking, BookingSeries, LotSource, Role
from tutorhub.services.billing import credits
from tutorhub.services.booking import bookings
from tutorhub.services.booking import series as booking_series
from tutorhub.services.booking.series import SeriesConflict
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import InsufficientFunds

FIRST = datetime(2027, 3, 16, 16, 0, tzinfo=UTC)  # Tuesday 17:00 in Berlin (CET), 12:00 in New York (EDT)


@pytest.fixture
def berlin(db, make_user, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    open_all_week(db, tutor, zone="Europe/Berlin", start="08:00", end="21:00")
    student = make_user(Role.STUDENT, timezone="America/New_York")
    grant_credits(db, student.id)  # a series is held only when the wallet or credits cover it
    return tutor, tutor_id, student


def grant_credits(db, student_id: int, minutes: int = 10_000) -> None:
    credits.grant_lot(db, user_id=student_id, minutes=minutes, source=LotSource.PACK, source_ref=f"test:{student_id}",
                      expires_at=NOW + timedelta(days=365), now=NOW)
    db.commit()


def series(db, student, tutor_id, **kwargs):
    args = {"start": FIRST, "duration_min": 60, "count": 4}
    args.update(kwargs)
    return booking_series.create_series(db, actor=student, tutor_id=tutor_id, now=NOW, **args)


def test_a_series_keeps_the_tutors_wall_clock_time_across_dst(db, berlin):
    _, tutor_id, student = berlin
    preview = booking_series.preview_series(db, actor=student, tutor_id=tutor_id, start=FIRST, duration_min=60,
                                            count=4, now=NOW)
    assert preview.conflicts == 0 and preview.timezone == "Europe/Berlin"
    assert [o.tutor_start for o in preview.occurrences] == [
        "2027-03-16T17:00:00+01:00",
        "2027-03-23T17:00:00+01:00",
        "2027-03-30T17:00:00+02:00",  # after Europe's change on 28 March: still 17:00
        "2027-04-06T17:00:00+02:00",
    ]
    assert [o.start.hour for o in preview.occurrences] == [16, 16, 15, 15]  # UTC moves instead
    assert [o.student_start[11:16] for o in preview.occurrences] == ["12:00", "12:00", "11:00", "11:00"]
    created = series(db, student, tutor_id)
    assert [b.tutor_start for b in created.occurrences] == [o.tutor_start for o in preview.occurrences]
    assert {b.kind for b in created.occurrences} == {"series"} and {b.series_id for b in created.occurrences} == {
        created.series_id}
    row = db.get(BookingSeries, created.series_id)
    assert (row.weekday, row.local_start_min, row.timezone, row.count) == (1, 17 * 60, "Europe/Berlin", 4)


def test_a_series_can_be_anchored_in_the_students_zone(db, berlin):
    _, tutor_id, student = berlin
    preview = booking_series.preview_series(db, actor=student, tutor_id=tutor_id, start=FIRST, duration_min=60,
                                            count=3, timezone="America/New_York", now=NOW)
    assert [o.student_start[11:16] for o in preview.occurrences] == ["12:00", "12:00", "12:00"]
    assert [o.tutor_start[11:16] for o in preview.occurrences] == ["17:00", "17:00", "18:00"]


def test_conflicts_are_listed_with_alternatives_and_nothing_is_booked(db, berlin, make_user):
    _, tutor_id, student = berlin
    other = make_user(Role.STUDENT)
    taken = datetime(2027, 3, 23, 16, 0, tzinfo=UTC)
    bookings.create_booking(db, actor=other, tutor_id=tutor_id, start=taken, duration_min=60, now=NOW)
    db.commit()
    with pytest.raises(SeriesConflict) as refused:
        series(db, student, tutor_id)
    error = refused.value
    assert error.status_code == 409 and "1 of 4" in error.message
    [conflict] = error.extra["conflicts"]
    assert (conflict["index"], conflict["reason"]) == (1, "taken")
    assert [a["tutor_start"][11:16] for a in conflict["alternatives"]] == ["16:00", "18:00", "15:30"]
    assert len(error.extra["occurrences"]) == 4
    db.rollback()
    assert db.exec(select(func.count()).select_from(Booking)).one() == 1
    assert db.exec(select(func.count()).select_from(BookingSeries)).one() == 0


def test_skip_conflicts_holds_the_free_occurrences(db, berlin, make_user):
    _, tutor_id, student = berlin
    bookings.create_booking(db, actor=make_user(Role.STUDENT), tutor_id=tutor_id,
                            start=datetime(2027, 3, 30, 15, 0, tzinfo=UTC), duration_min=60, now=NOW)
    created = series(db, student, tutor_id, skip_conflicts=True)
    assert [b.start.day for b in created.occurrences] == [16, 23, 6]
    assert [(s.index, s.reason) for s in created.skipped] == [(2, "taken")]
    price = created.occurrences[0].price_minor
    fund_wallet(db, student.id, 3 * price - 1, created.occurrences[0].currency, commit=True)
    with pytest.raises(InsufficientFunds):  # all or nothing: the wallet covers only two lessons
        lesson_payments.confirm_series(db, actor=student, series_id=created.series_id, now=NOW)
    db.rollback()
    fund_wallet(db, student.id, 3 * price, created.occurrences[0].currency)
    confirmed = lesson_payments.confirm_series(db, actor=student, series_id=created.series_id, now=NOW)
    assert [b.status for b in confirmed] == ["CONFIRMED"] * 3
    assert ledger.balance(db, f"student:{student.id}:wallet", created.occurrences[0].currency) == 3 * price - 1
    with pytest.raises(Conflict):
        lesson_payments.confirm_series(db, actor=student, series_id=created.series_id, now=NOW)


def test_a_series_with_nothing_free_is_refused_even_when_skipping(db, berlin):
    _, tutor_id, student = berlin
    with pytest.raises(SeriesConflict):
        series(db, student, tutor_id, start=datetime(2027, 3, 16, 22, 0, tzinfo=UTC), skip_conflicts=True)


def test_a_local_time_that_does_not_exist_is_a_conflict(db, make_user, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    open_all_week(db, tutor, zone="Europe/Berlin")
    student = make_user(Role.STUDENT)
    preview = booking_series.preview_series(
        db, actor=student, tutor_id=tutor_id, start="2027-03-21T02:30:00+01:00", duration_min=30, count=2, now=NOW)
    assert [o.ok for o in preview.occurrences] == [True, False]
    assert preview.occurrences[1].reason == "no_such_time" and preview.occurrences[1].alternatives


def test_52_weekly_lessons_may_reach_beyond_the_booking_window(db, berlin):
    _, tutor_id, student = berlin
    created = series(db, student, tutor_id, count=52)
    assert len(created.occurrences) == 52
    assert created.occurrences[-1].tutor_start.startswith("2028-03-07T17:00:00+01:00")
    with pytest.raises(InvalidInput) as bad:
        series(db, student, tutor_id, count=53)
    assert "count" in bad.value.fields


def test_the_first_occurrence_must_respect_notice_and_window(db, berlin):
    _, tutor_id, student = berlin
    with pytest.raises(SeriesConflict) as refused:
        series(db, student, tutor_id, start=datetime(2027, 6, 1, 15, 0, tzinfo=UTC))
    assert refused.value.extra["conflicts"][0]["reason"] == "window"


def test_series_input_and_access(db, berlin, make_user):
    tutor, tutor_id, student = berlin
    for bad in ({"count": 0}, {"count": "x"}, {"start": "soon"}, {"duration_min": 45}, {"timezone": "Mars/Base"}):
        with pytest.raises(InvalidInput):
            series(db, student, tutor_id, **bad)
    with pytest.raises(Forbidden):
        series(db, tutor, tutor_id)
    with pytest.raises(NotFound):
        series(db, student, 10**9)
    created = series(db, student, tutor_id, count=2)
    with pytest.raises(NotFound):
        lesson_payments.confirm_series(db, actor=make_user(Role.STUDENT), series_id=created.series_id, now=NOW)
    with pytest.raises(NotFound, match="Series not found"):
        lesson_payments.confirm_series(db, actor=student, series_id="abc", now=NOW)
