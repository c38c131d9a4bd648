"""Seats: paid from the wallet into one escrow per seat, waitlist when full, offers, leaving, refunds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.classes import funded_students, published_class
from tutorhub.models import ClassEnrolment, GroupClass, Role
from tutorhub.services.classes import class_jobs, classes, queries, seat_money, seats
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import InsufficientFunds
from tutorhub.services.ops.ledger_verify import verify_ledger


def wallet(db, user) -> int:
    return ledger.balance(db, f"student:{user.id}:wallet", "EUR")


@pytest.fixture
def small(env):
    """A published class of capacity 2 (minimum 2) at €80 a seat, and four students with €80 each."""
    class_id = published_class(env.db, env.tutor, NOW, capacity=2, min_size=2)
    return class_id, funded_students(env.db, env.make_user, 4)


def test_enrolling_takes_a_seat_and_the_price_into_the_seats_escrow(env, small):
    class_id, (a, *_) = small
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="wallet", now=NOW)
    assert out["status"] == "ENROLLED"
    assert wallet(env.db, a) == 0
    assert ledger.balance(env.db, seat_money.seat_escrow(out["enrolment_id"]), "EUR") == 8000
    detail = queries.get_class(env.db, viewer=a, class_id=class_id)
    assert detail.seats_left == 1 and detail.my_status == "ENROLLED" and detail.enrolled_count == 1


def test_a_full_class_waitlists_without_charging_and_twice_is_refused(env, small):
    class_id, (a, b, c, _) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    out = seats.enrol(env.db, actor=c, class_id=class_id, now=NOW)
    assert out["status"] == "WAITLISTED"
    assert wallet(env.db, c) == 8000
    assert queries.get_class(env.db, viewer=c, class_id=class_id).my_waitlist_position == 1
    with pytest.raises(Conflict):
        seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    with pytest.raises(Conflict):
        seats.enrol(env.db, actor=c, class_id=class_id, now=NOW)


def test_a_short_wallet_is_402_and_takes_no_seat(env, small):
    class_id, _ = small
    poor = env.make_user(Role.STUDENT)
    with pytest.raises(InsufficientFunds):
        seats.enrol(env.db, actor=poor, class_id=class_id, now=NOW)
    env.db.rollback()
    assert env.db.get(GroupClass, class_id).seats_taken == 0


def test_only_students_enrol_and_only_with_a_known_method(env, small):
    class_id, (a, *_) = small
    with pytest.raises(Forbidden):
        seats.enrol(env.db, actor=env.tutor, class_id=class_id, now=NOW)
    with pytest.raises(InvalidInput):
        seats.enrol(env.db, actor=a, class_id=class_id, method="bitcoin", now=NOW)


def test_a_freed_seat_is_offered_to_the_first_in_line_who_pays_to_take_it(env, small):
    class_id, (a, b, c, d) = small
    for s in (a, b, c, d):
        seats.enrol(env.db, actor=s, class_id=class_id, now=NOW)
    out = seats.leave(env.db, actor=a, class_id=class_id, now=NOW)
    assert out["refunded_minor"] == 8000 and out["seat_offered_to_next"]
    assert wallet(env.db, a) == 8000
    detail = queries.get_class(env.db, viewer=c, class_id=class_id)
    assert detail.my_status == "OFFERED" and detail.seats_left == 0
    from tutorhub.models import Notification

    offers = env.db.exec(Notification.__table__.select().where(Notification.kind == "classes")).all()  # type: ignore[attr-defined]
    assert [n.user_id for n in offers] == [c.id]
    assert queries.get_class(env.db, viewer=d, class_id=class_id).my_waitlist_position == 1
    assert seats.enrol(env.db, actor=c, class_id=class_id, now=NOW)["status"] == "ENROLLED"
    assert wallet(env.db, c) == 0


def test_an_unpaid_offer_passes_on_after_its_window(env, small):
    class_id, (a, b, c, d) = small
    for s in (a, b, c, d):
        seats.enrol(env.db, actor=s, class_id=class_id, now=NOW)
    seats.leave(env.db, actor=b, class_id=class_id, now=NOW)
    later = NOW + seats.OFFER_WINDOW + timedelta(minutes=1)
    assert seats.expire_offers(env.db, now=later) == 1
    assert queries.get_class(env.db, viewer=c, class_id=class_id).my_status is None
    assert queries.get_class(env.db, viewer=d, class_id=class_id).my_status == "OFFERED"
    assert env.db.get(GroupClass, class_id).seats_taken == 2


def test_leaving_late_refunds_only_the_sessions_a_day_or_more_ahead(env, small):
    class_id, (a, *_) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    # Eight sessions from Tue 2027-03-09 16:00 UTC; two hours before the third one (Tue 03-16).
    when = NOW.replace(day=16, hour=14)
    out = seats.leave(env.db, actor=a, class_id=class_id, now=when)
    assert out["refunded_minor"] == 5000  # 5 of 8 sessions start ≥ 24 h later


def test_an_undersized_class_is_cancelled_a_day_ahead_and_refunded_in_full(env, small):
    class_id, (a, b, c, _) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    early = NOW
    assert class_jobs.cancel_undersized(env.db, now=early) == 0  # more than 24 h ahead: still time
    day_before = NOW.replace(day=8, hour=17)
    assert class_jobs.cancel_undersized(env.db, now=day_before) == 1
    assert env.db.get(GroupClass, class_id).status == "CANCELLED"
    from tutorhub.models import Notification

    told = env.db.exec(Notification.__table__.select().where(Notification.kind == "classes")).all()  # type: ignore[attr-defined]
    assert {n.user_id for n in told} == {a.id} and "cancelled" in told[0].title
    assert wallet(env.db, a) == 8000
    assert class_jobs.cancel_undersized(env.db, now=day_before) == 0
    env.db.commit()
    assert verify_ledger(env.db, now=day_before + timedelta(days=3)) == []


def test_a_full_enough_class_runs_and_moves_through_its_lifecycle(env, small):
    class_id, (a, b, *_) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    assert class_jobs.cancel_undersized(env.db, now=NOW.replace(day=8, hour=17)) == 0
    class_jobs.advance_classes(env.db, now=NOW.replace(day=9, hour=16, minute=5))
    assert env.db.get(GroupClass, class_id).status == "IN_PROGRESS"
    class_jobs.advance_classes(env.db, now=NOW + timedelta(days=40))
    assert env.db.get(GroupClass, class_id).status == "COMPLETED"


def test_tutor_cancellation_refunds_the_sessions_ahead(env, small):
    from tutorhub.services.classes import classes

    class_id, (a, b, c, _) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=c, class_id=class_id, now=NOW)
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW)
    assert wallet(env.db, a) == 8000 and wallet(env.db, c) == 8000
    statuses = {s.status for s in env.db.exec(ClassEnrolment.__table__.select()).all()}  # type: ignore[attr-defined]
    assert statuses == {"REFUNDED", "EXPIRED"}


def test_the_tutor_marks_attendance_from_just_before_a_session(env, small):
    from tutorhub.services.classes import attendance
    from tutorhub.services.classes.access import class_sessions

    class_id, (a, b, c, _) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=c, class_id=class_id, now=NOW)  # waitlisted: not on the roster
    first = class_sessions(env.db, class_id)[0]
    with pytest.raises(Conflict):
        attendance.mark_attendance(env.db, actor=env.tutor, class_id=class_id, session_id=first.id,
                                   student_id=a.id, status="present", now=first.start_at - timedelta(hours=1))
    at = first.start_at - timedelta(minutes=10)
    attendance.mark_attendance(env.db, actor=env.tutor, class_id=class_id, session_id=first.id, student_id=a.id,
                               status="present", now=at)
    attendance.mark_attendance(env.db, actor=env.tutor, class_id=class_id, session_id=first.id, student_id=a.id,
                               status="late", now=at)
    roster = attendance.session_roster(env.db, actor=env.tutor, class_id=class_id, session_id=first.id)
    assert {(r.student_id, r.mark) for r in roster} == {(a.id, "late"), (b.id, "")}
    from tutorhub.services.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput):
        attendance.mark_attendance(env.db, actor=env.tutor, class_id=class_id, session_id=first.id,
                                   student_id=c.id, status="present", now=at)
    with pytest.raises(InvalidInput):
        attendance.mark_attendance(env.db, actor=env.tutor, class_id=class_id, session_id=first.id,
                                   student_id=a.id, status="asleep", now=at)
    with pytest.raises(Forbidden):
        attendance.session_roster(env.db, actor=a, class_id=class_id, session_id=first.id)
    other, _ = env.make_approved_tutor()
    with pytest.raises(NotFound):
        attendance.mark_attendance(env.db, actor=other, class_id=class_id, session_id=first.id, student_id=a.id,
                                   status="present", now=at)


def test_each_session_releases_its_share_to_the_tutor_48_hours_after(env, small):
    from tutorhub.services.classes import settlement

    class_id, (a, b, *_) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    earnings = f"tutor:{env.tutor.id}:earnings"
    first_end = NOW.replace(day=9, hour=17)
    class_jobs.advance_classes(env.db, now=first_end + timedelta(minutes=1))
    assert settlement.release_sessions(env.db, now=first_end + timedelta(hours=47)) == 0
    assert settlement.release_sessions(env.db, now=first_end + timedelta(hours=48)) == 1
    assert ledger.balance(env.db, earnings, "EUR") == 2 * 800  # 2 seats × €10 share, 20% commission
    assert settlement.release_sessions(env.db, now=first_end + timedelta(hours=49)) == 0  # never twice
    end = NOW + timedelta(days=60)
    class_jobs.advance_classes(env.db, now=end)
    assert settlement.release_sessions(env.db, now=end) == 7
    assert ledger.balance(env.db, earnings, "EUR") == 2 * 6400
    assert all(seat_money.held(env.db, s) == 0 for s in env.db.exec(ClassEnrolment.__table__.select()).all())  # type: ignore[attr-defined]
    env.db.commit()
    assert verify_ledger(env.db, now=end) == []


def test_a_free_seat_with_a_waitlist_is_offered_by_the_job(env, small):
    class_id, (a, b, c, _) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=c, class_id=class_id, now=NOW)
    env.db.execute(GroupClass.__table__.update().where(GroupClass.id == class_id).values(seats_taken=1))  # type: ignore[attr-defined]
    assert seats.fill_free_seats(env.db, now=NOW) == 1
    assert queries.get_class(env.db, viewer=c, class_id=class_id).my_status == "OFFERED"
    assert seats.fill_free_seats(env.db, now=NOW) == 0


def test_the_tutor_cancels_one_session_and_each_seat_gets_its_share_back(env, small):
    from tutorhub.services.booking import bookings
    from tutorhub.services.classes import classes
    from tutorhub.services.classes.access import class_sessions

    class_id, (a, b, *_) = small
    seats.enrol(env.db, actor=a, class_id=class_id, now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, now=NOW)
    third = class_sessions(env.db, class_id)[2]
    out = classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)
    assert out == {"status": "PUBLISHED", "refunded_seats": 2}
    assert wallet(env.db, a) == 1000 and wallet(env.db, b) == 1000
    with pytest.raises(Conflict):
        classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)
    with pytest.raises(Forbidden):
        classes.cancel_session(env.db, actor=a, class_id=class_id, session_id=third.id, now=NOW)
    env.db.commit()
    freed = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=third.start_at,
                                    duration_min=60, now=NOW)
    assert freed.status == "PENDING_PAYMENT"  # the 1:1 slot is back


def test_a_seat_paid_after_a_session_was_called_off_never_pays_for_that_session(env, small):
    """Found by the seat machine (test_seat_machine.py): the seat's price covers the whole course, but a
    session cancelled before the student enrolled was refunded to nobody — a later class cancellation
    refunded only the sessions still ahead and the cancelled session's share stayed in escrow for good."""
    class_id, (a, *_) = small
    third = class_sessions(env.db, class_id)[2]
    classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="wallet", now=NOW + timedelta(hours=1))
    escrow = seat_money.seat_escrow(out["enrolment_id"])
    assert out["status"] == "ENROLLED" and wallet(env.db, a) == 1000  # the called-off session's share, at once
    assert ledger.balance(env.db, escrow, "EUR") == 7000
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW + timedelta(hours=2))
    assert wallet(env.db, a) == 8000 and ledger.balance(env.db, escrow, "EUR") == 0  # nothing left behind
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(hours=3)) == []
