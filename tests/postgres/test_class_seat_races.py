"""Seats under concurrency (both databases): 32 students enrol at once in a class of 5 → exactly 5
enrolled and charged, 27 waitlisted and charged nothing; a seat freed by a leave goes to the first
in line. And a class and a lesson racing for the same hour: exactly one gets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from tests.conftest import IS_POSTGRES
from tests.support.booking import open_all_week
from tests.support.classes import class_body, funded_students
from tests.support.credits import pay
from tests.support.races import race
from tutorhub.models import ClassEnrolment, ClassSession, ConversationParticipant, GroupClass, Payment, Refund, Role
from tutorhub.services.booking import bookings
from tutorhub.services.classes import class_jobs, classes, queries, seats
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger


def _future_class(db, tutor, now, **changes) -> int:
    first = (now + timedelta(days=5)).strftime("%Y-%m-%dT17:00")
    created = classes.create_class(db, actor=tutor, data=class_body(first_start_local=first, **changes), now=now)
    classes.publish_class(db, actor=tutor, class_id=created.id, now=now)
    db.commit()
    return created.id


def test_thirty_two_students_race_for_five_seats(db, make_user, make_approved_tutor):
    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=5)
    students = funded_students(db, make_user, 32)

    outcomes = race(32, lambda s, i: seats.enrol(s, actor=students[i], class_id=class_id, method="wallet", now=now))
    db.rollback()
    assert all(kind == "ok" for kind, _ in outcomes), [o for o in outcomes if o[0] != "ok"][:3]
    statuses = [out["status"] for _, out in outcomes]
    assert statuses.count("ENROLLED") == 5 and statuses.count("WAITLISTED") == 27
    assert db.get(GroupClass, class_id).seats_taken == 5
    balances = [ledger.balance(db, f"student:{s.id}:wallet", "EUR") for s in students]
    assert sorted(balances) == [0] * 5 + [8000] * 27
    assert verify_ledger(db) == []

    enrolled = [students[i] for i, (_, out) in enumerate(outcomes) if out["status"] == "ENROLLED"]
    waiting = sorted((out["enrolment_id"], i) for i, (_, out) in enumerate(outcomes) if out["status"] == "WAITLISTED")
    seats.leave(db, actor=enrolled[0], class_id=class_id, now=now)
    db.commit()
    first_in_line = students[waiting[0][1]]
    assert queries.get_class(db, viewer=first_in_line, class_id=class_id).my_status == "OFFERED"
    assert seats.enrol(db, actor=first_in_line, class_id=class_id, now=now)["status"] == "ENROLLED"
    db.commit()
    assert db.get(GroupClass, class_id).seats_taken == 5


def test_a_short_wallet_racing_for_the_last_seat_never_holds_it(db, make_user, make_approved_tutor):
    """The wallet is checked right after the seat-taking UPDATE, under the class row's lock (seat_take.py):
    the student who cannot pay gets 402 and the seat goes back with the rollback to the next racer queued
    on the row (or, losing the race, joins the waitlist, charged nothing). They never hold the seat or send
    a payer to the waitlist: exactly one payer gets the last seat, every round."""
    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=2)
    (early,) = funded_students(db, make_user, 1)
    seats.enrol(db, actor=early, class_id=class_id, now=now)
    db.commit()
    funded = funded_students(db, make_user, 3)
    (short,) = funded_students(db, make_user, 1, amount=7999)
    racers = [short, *funded]
    for _ in range(3):
        outcomes = race(4, lambda s, i: seats.enrol(s, actor=racers[i], class_id=class_id, method="wallet", now=now))
        db.rollback()
        assert outcomes[0][0] == "InsufficientFunds" or outcomes[0][1]["status"] == "WAITLISTED", outcomes
        statuses = sorted(out["status"] for _, out in outcomes[1:])
        assert statuses == ["ENROLLED", "WAITLISTED", "WAITLISTED"], outcomes
        assert db.get(GroupClass, class_id).seats_taken == 2
        assert _seat_holders(db, class_id) == 2
        assert ledger.balance(db, f"student:{short.id}:wallet", "EUR") == 7999
        winner = next(racers[i] for i, (_, out) in enumerate(outcomes) if i and out["status"] == "ENROLLED")
        members = set(db.exec(select(ConversationParticipant.user_id)).all())
        assert winner.id in members and not {s.id for s in racers if s is not winner} & members
        assert verify_ledger(db) == []
        for student in [winner, *racers]:  # the seat passes down the line, each declines: nobody waits now
            if queries.get_class(db, viewer=student, class_id=class_id).my_status:
                seats.leave(db, actor=student, class_id=class_id, now=now)
        db.commit()
        assert db.get(GroupClass, class_id).seats_taken == 1


def test_a_free_class_race_enrols_exactly_capacity_into_the_chat(db, make_user, make_approved_tutor):
    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=3, price_minor=0)
    students = [make_user(Role.STUDENT) for _ in range(8)]
    db.commit()
    outcomes = race(8, lambda s, i: seats.enrol(s, actor=students[i], class_id=class_id, method="credits", now=now))
    db.rollback()
    statuses = [out["status"] for _, out in outcomes]
    assert statuses.count("ENROLLED") == 3 and statuses.count("WAITLISTED") == 5, outcomes
    enrolled = {students[i].id for i, s in enumerate(statuses) if s == "ENROLLED"}
    members = set(db.exec(select(ConversationParticipant.user_id)).all())
    assert enrolled <= members and not ({s.id for s in students} - enrolled) & members
    assert db.get(GroupClass, class_id).seats_taken == 3


def test_one_student_enrolling_twice_at_once_gets_one_seat(db, make_user, make_approved_tutor):
    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=3)
    (student,) = funded_students(db, make_user, 1, amount=3 * 8000)
    outcomes = race(6, lambda s, i: seats.enrol(s, actor=student, class_id=class_id, now=now)["status"])
    assert sorted(kind for kind, _ in outcomes) == ["AlreadyEnrolled"] * 5 + ["ok"]
    db.rollback()
    assert len(db.exec(select(ClassEnrolment)).all()) == 1
    assert ledger.balance(db, f"student:{student.id}:wallet", "EUR") == 2 * 8000


def test_a_class_publish_and_a_lesson_racing_for_the_same_hour(db, make_user, make_approved_tutor):
    now = datetime.now(UTC)
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=now)
    first = (now + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    created = classes.create_class(db, actor=tutor, data=class_body(
        first_start_local=first.strftime("%Y-%m-%dT%H:%M"), timezone="UTC", rrule="FREQ=DAILY;COUNT=1"), now=now)
    student = make_user(Role.STUDENT)
    db.commit()

    def go(s, i):
        if i == 0:
            return classes.publish_class(s, actor=tutor, class_id=created.id, now=now)
        return bookings.create_booking(s, actor=student, tutor_id=tutor_id, start=first, duration_min=60, now=now).status

    outcomes = race(2, go)
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 1, outcomes
    assert kinds[0] in ("ok", "Conflict") and kinds[1] in ("ok", "SlotTaken")


@pytest.mark.skipif(not IS_POSTGRES, reason="the exclusion constraint exists on PostgreSQL only")
def test_the_exclusion_constraint_refuses_two_blocking_sessions_of_one_tutor(db, make_approved_tutor):
    now = datetime.now(UTC)
    tutor, tutor_id = make_approved_tutor()
    class_id = _future_class(db, tutor, now, rrule="FREQ=DAILY;COUNT=1")
    row = db.exec(select(ClassSession).where(ClassSession.class_id == class_id)).one()
    db.add(ClassSession(class_id=class_id, tutor_id=tutor_id, seq=2, start_at=row.start_at, end_at=row.end_at,
                        block_start=row.block_start, block_end=row.block_end, blocking=True, room_key="x-dup"))
    with pytest.raises(DBAPIError):
        db.flush()


@pytest.mark.parametrize("method", ["credits", "gateway"])
def test_a_student_clicking_pay_many_times_at_once_is_charged_once(db, make_user, make_approved_tutor, method):
    from tutorhub.models import LotSource
    from tutorhub.services.billing import credits

    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=3)
    student = make_user(Role.STUDENT)
    credits.grant_lot(db, user_id=student.id, minutes=3 * 1000, source=LotSource.ADMIN, source_ref="race",
                      expires_at=now + timedelta(days=60), now=now)
    db.commit()
    outcomes = race(6, lambda s, i: seats.enrol(s, actor=student, class_id=class_id, method=method, now=now)["status"])
    kinds = sorted(kind for kind, _ in outcomes)
    if method == "credits":
        assert kinds == ["AlreadyEnrolled"] * 5 + ["ok"], outcomes
    else:  # a click that finds the held seat gets the same open checkout back (no second payment)
        assert set(kinds) <= {"AlreadyEnrolled", "ok"} and "ok" in kinds, outcomes
    db.rollback()
    assert len(db.exec(select(ClassEnrolment)).all()) == 1
    if method == "credits":
        seat_minutes = 36 * 8  # 60% of 60 min for a class of up to 4 (credit_cost) × 8 sessions
        assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 3000 - seat_minutes
    else:
        assert len(db.exec(select(Payment)).all()) == 1
    assert verify_ledger(db) == []


def _seat_holders(db, class_id: int) -> int:
    return len(db.exec(select(ClassEnrolment).where(ClassEnrolment.class_id == class_id,
                                                    ClassEnrolment.status.in_(("ENROLLED", "OFFERED")))).all())


def test_a_card_payment_for_the_last_seat_racing_the_job_that_passes_it_on(db, make_user, make_approved_tutor):
    """Two students want the last seat: the first holds it for a card checkout, the second waits. The
    first's webhook lands while the offers job (running late) passes the lapsed hold to the second: in either
    order the seat is held once, the first is charged once (seat or wallet), and nothing is lost."""
    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=2)
    (paid_up,) = funded_students(db, make_user, 1)
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    seats.enrol(db, actor=paid_up, class_id=class_id, method="wallet", now=now)
    held = seats.enrol(db, actor=first, class_id=class_id, method="gateway", now=now)
    assert seats.enrol(db, actor=second, class_id=class_id, method="gateway", now=now)["status"] == "WAITLISTED"
    db.commit()
    payment = db.exec(select(Payment).where(Payment.user_id == first.id)).one()
    ends = payment.expires_at

    def go(s, i):
        if i == 0:  # the payer pressed Pay just inside the window; the webhook is applied now
            return pay(s, payment.reference, ends - timedelta(seconds=30))
        return class_jobs.run_class_jobs(s, now=ends + timedelta(seconds=30))

    outcomes = race(2, go)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    db.rollback()
    seat = db.get(ClassEnrolment, held["enrolment_id"])
    cls = db.get(GroupClass, class_id)
    assert cls.seats_taken == _seat_holders(db, class_id) == 2
    in_seat = ledger.balance(db, f"escrow:seat:{seat.id}", "EUR")
    in_wallet = ledger.balance(db, f"student:{first.id}:wallet", "EUR")
    assert in_seat + in_wallet == 8000  # charged once, wherever it landed
    if seat.status == "ENROLLED":
        assert in_seat == 8000 and queries.get_class(db, viewer=second, class_id=class_id).my_status == "WAITLISTED"
    else:  # the job won: the seat passed on, the late money is the payer's wallet's
        assert seat.status == "EXPIRED" and in_wallet == 8000
        assert queries.get_class(db, viewer=second, class_id=class_id).my_status == "OFFERED"
    assert verify_ledger(db) == []


def test_a_leave_racing_the_class_cancellation_refunds_once(db, make_user, make_approved_tutor):
    """A student paid by card leaves while the tutor cancels the class: both take the class row lock, so
    whichever comes second sees the first's result — one refund to the card, never two."""
    now = datetime.now(UTC)
    tutor, _ = make_approved_tutor()
    class_id = _future_class(db, tutor, now, capacity=3)
    student = make_user(Role.STUDENT)
    out = seats.enrol(db, actor=student, class_id=class_id, method="gateway", now=now)
    payment = db.exec(select(Payment).where(Payment.user_id == student.id)).one()
    pay(db, payment.reference, now)
    db.commit()

    def go(s, i):
        if i == 0:
            return seats.leave(s, actor=student, class_id=class_id, now=now)["refunded_minor"]
        return classes.cancel_class(s, actor=tutor, class_id=class_id, now=now)["status"]

    outcomes = race(2, go)
    db.rollback()
    assert outcomes[1] == ("ok", "CANCELLED"), outcomes
    assert outcomes[0] in (("ok", 8000), ("Conflict", "You are not enrolled in this class.")), outcomes
    refunds = db.exec(select(Refund).where(Refund.payment_id == payment.id)).all()
    assert [r.amount_minor for r in refunds] == [8000]  # to the card, once
    assert ledger.balance(db, f"escrow:seat:{out['enrolment_id']}", "EUR") == 0
    assert ledger.balance(db, f"student:{student.id}:wallet", "EUR") == 0
    assert db.get(GroupClass, class_id).seats_taken == 0
    assert verify_ledger(db) == []
