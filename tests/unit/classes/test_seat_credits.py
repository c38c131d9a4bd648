"""Seats paid with credit minutes at the group rate (`credit_cost`), refunded back into their lots."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.classes import published_class
from tutorhub.models import ClassEnrolment, CreditLot, GroupClass, LotSource, Role, SeatCreditSpend
from tutorhub.services.billing import credits
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.classes import class_jobs, classes, seat_credits, seat_money, seats, settlement
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger

# capacity 2: a seat costs 60% of each 60-minute session (36 min) × 8 sessions
SEAT_MINUTES = 36 * 8


def minutes(db, user) -> int:
    return ledger.balance(db, credits.credits_account(user.id), "MIN")


def grant(db, user, amount: int, *, days: int = 30, ref: str = "") -> None:
    credits.grant_lot(db, user_id=user.id, minutes=amount, source=LotSource.ADMIN, source_ref=ref or f"t:{user.id}:{days}",
                      expires_at=NOW + timedelta(days=days), now=NOW)
    db.commit()


@pytest.fixture
def small(env):
    class_id = published_class(env.db, env.tutor, NOW, capacity=2, min_size=2)
    students = [env.make_user(Role.STUDENT) for _ in range(3)]
    return class_id, students


def test_the_group_rate_is_credit_cost_per_session_times_sessions(env, small):
    class_id, _ = small
    cls = env.db.get(GroupClass, class_id)
    assert seat_credits.seat_minutes(cls) == credits.credit_cost(60, group_size=2) * 8 == SEAT_MINUTES
    cls.capacity = 8
    assert seat_credits.seat_minutes(cls) == 24 * 8  # bigger groups cost fewer minutes a seat


def test_paying_with_credits_moves_the_minutes_into_the_seats_escrow_oldest_lot_first(env, small):
    class_id, (a, *_) = small
    grant(env.db, a, 200, days=10, ref="soon")
    grant(env.db, a, 200, days=50, ref="later")
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    assert out["status"] == "ENROLLED" and out["method"] == "credits"
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert (seat.method, seat.unit, seat.price_minor) == ("credits", "MIN", SEAT_MINUTES)
    assert ledger.balance(env.db, seat_money.seat_escrow(seat.id), "MIN") == SEAT_MINUTES
    lots = {lot.source_ref: lot.remaining for lot in env.db.exec(CreditLot.__table__.select()).all()}  # type: ignore[attr-defined]
    assert lots == {"soon": 0, "later": 400 - SEAT_MINUTES}
    env.db.commit()
    assert verify_ledger(env.db, now=NOW) == []


def test_short_credits_are_402_and_take_no_seat_and_no_minutes(env, small):
    class_id, (a, *_) = small
    grant(env.db, a, SEAT_MINUTES - 1)
    with pytest.raises(InsufficientCredits) as err:
        seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    assert err.value.status_code == 402
    env.db.rollback()
    assert env.db.get(GroupClass, class_id).seats_taken == 0
    assert minutes(env.db, a) == SEAT_MINUTES - 1
    assert env.db.exec(SeatCreditSpend.__table__.select()).all() == []  # type: ignore[attr-defined]


def test_a_double_click_charges_the_minutes_once(env, small):
    class_id, (a, *_) = small
    grant(env.db, a, 2 * SEAT_MINUTES)
    seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    env.db.commit()
    with pytest.raises(seats.AlreadyEnrolled):
        seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    env.db.rollback()
    seat = env.db.exec(ClassEnrolment.__table__.select()).first()  # type: ignore[attr-defined]
    cls = env.db.get(GroupClass, class_id)
    assert seat_credits.charge_credits(env.db, env.db.get(ClassEnrolment, seat.id), cls, now=NOW) == 0  # replay
    assert sum(lot.remaining for lot in env.db.exec(CreditLot.__table__.select()).all()) == SEAT_MINUTES  # type: ignore[attr-defined]


def test_leaving_returns_minutes_to_their_lots_per_session(env, small):
    class_id, (a, *_) = small
    grant(env.db, a, SEAT_MINUTES)
    seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    first = class_sessions(env.db, class_id)[0]
    out = seats.leave(env.db, actor=a, class_id=class_id, now=first.start_at - timedelta(hours=2))
    assert out["refunded_minor"] == 36 * 7  # the session under a day away is not refunded
    assert env.db.exec(CreditLot.__table__.select()).first().remaining == 36 * 7  # type: ignore[attr-defined]
    env.db.commit()
    assert verify_ledger(env.db, now=NOW) == []


def test_a_cancelled_session_or_class_gives_minutes_back_and_wallet_seats_money(env, small):
    from tests.support.money import fund_wallet

    class_id, (a, b, _) = small
    grant(env.db, a, SEAT_MINUTES)
    fund_wallet(env.db, b.id, 8000, "EUR")
    seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, method="wallet", now=NOW)
    third = class_sessions(env.db, class_id)[2]
    assert classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)[
        "refunded_seats"] == 2
    assert minutes(env.db, a) == 36
    assert ledger.balance(env.db, f"student:{b.id}:wallet", "EUR") == 1000
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW)
    assert minutes(env.db, a) == SEAT_MINUTES
    assert ledger.balance(env.db, f"student:{b.id}:wallet", "EUR") == 8000
    env.db.commit()
    assert verify_ledger(env.db, now=NOW) == []


def test_minutes_back_into_an_expired_lot_expire_again(env, small):
    class_id, (a, *_) = small
    credits.grant_lot(env.db, user_id=a.id, minutes=SEAT_MINUTES, source=LotSource.ADMIN, source_ref="short",
                      expires_at=NOW + timedelta(days=2), now=NOW)
    seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    later = NOW + timedelta(days=3)  # the lot has expired; the class starts later still
    seats.leave(env.db, actor=a, class_id=class_id, now=later)
    assert minutes(env.db, a) == 0
    assert env.db.exec(CreditLot.__table__.select()).first().expired_minutes == SEAT_MINUTES  # type: ignore[attr-defined]
    env.db.commit()
    assert verify_ledger(env.db, now=later) == []


def test_credit_seats_pay_the_tutor_the_seat_price_per_session(env, small):
    class_id, (a, b, _) = small
    grant(env.db, a, SEAT_MINUTES)
    grant(env.db, b, SEAT_MINUTES)
    seats.enrol(env.db, actor=a, class_id=class_id, method="credits", now=NOW)
    seats.enrol(env.db, actor=b, class_id=class_id, method="credits", now=NOW)
    earnings = f"tutor:{env.tutor.id}:earnings"
    end = NOW + timedelta(days=60)
    class_jobs.advance_classes(env.db, now=end)
    assert settlement.release_sessions(env.db, now=end) == 8
    assert ledger.balance(env.db, earnings, "EUR") == 2 * 6400  # €80 a seat, 20% commission
    assert all(seat_money.held(env.db, env.db.get(ClassEnrolment, s.id)) == 0
               for s in env.db.exec(ClassEnrolment.__table__.select()).all())  # type: ignore[attr-defined]
    env.db.commit()
    assert verify_ledger(env.db, now=end) == []
