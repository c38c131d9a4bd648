"""Credit lots: grants, FIFO spending by expiry, refunds back into the original lots, expiry job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tutorhub.models import CreditLot, LotSource
from tutorhub.services.billing import credit_spending, credits
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.errors import NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import escrow_account


def _grant(db, user_id, minutes, days, ref, now=NOW):
    return credits.grant_lot(db, user_id=user_id, minutes=minutes, source=LotSource.PACK, source_ref=ref,
                             expires_at=now + timedelta(days=days), now=now)


def _balance(db, user_id):
    return ledger.balance(db, credits.credits_account(user_id), "MIN")


def test_grant_is_idempotent_and_in_the_ledger(db, env):
    sid = env.student.id
    assert _grant(db, sid, 120, 30, "payment:1") is not None
    assert _grant(db, sid, 120, 30, "payment:1") is None
    db.commit()
    assert _balance(db, sid) == 120
    total, lots = credits.credit_summary(db, sid, NOW)
    assert total == 120 and [lot.minutes for lot in lots] == [120]
    assert credits.credit_lots_consistent(db) == []


def test_trial_credit_once(db, env):
    sid = env.student.id
    assert credits.ensure_trial_credit(db, user_id=sid, now=NOW) is True
    assert credits.ensure_trial_credit(db, user_id=sid, now=NOW) is False
    summary = credits.claim_trial_credit(db, actor=env.student, now=NOW)
    assert summary.credits_minutes == 60 and summary.trial_available is False
    assert summary.lots[0].expires_at == NOW + timedelta(days=60)


def test_spend_takes_oldest_expiring_lot_first_and_records_per_lot(db, env):
    sid = env.student.id
    _grant(db, sid, 60, 300, "late")
    _grant(db, sid, 45, 10, "soon")
    _grant(db, sid, 30, 40, "middle")
    booking = env.book(at(2, 10))
    out = credit_spending.spend_for_booking(db, student_id=sid, booking_id=booking.id, minutes=90, now=NOW)
    db.commit()
    assert [s.minutes for s in out.lots] == [45, 30, 15]
    assert [s.expires_at for s in out.lots] == sorted(s.expires_at for s in out.lots)
    assert _balance(db, sid) == 45
    assert ledger.balance(db, escrow_account(booking.id), "MIN") == 90
    # Idempotent: the same booking again does not take more.
    again = credit_spending.spend_for_booking(db, student_id=sid, booking_id=booking.id, minutes=90, now=NOW)
    assert again.minutes == 90 and _balance(db, sid) == 45
    assert credits.credit_lots_consistent(db) == []


def test_spend_skips_expired_lots_and_refuses_when_short(db, env):
    sid = env.student.id
    _grant(db, sid, 60, 1, "expiring")
    booking = env.book(at(3, 10))
    later = NOW + timedelta(days=2)
    with pytest.raises(InsufficientCredits) as err:
        credit_spending.spend_for_booking(db, student_id=sid, booking_id=booking.id, minutes=30, now=later)
    assert err.value.status_code == 402
    assert _balance(db, sid) == 60  # nothing moved


def test_spend_refuses_someone_elses_booking(db, env):
    other = env.another_student()
    _grant(db, other.id, 60, 30, "x")
    booking = env.book(at(2, 10))
    with pytest.raises(NotFound):
        credit_spending.spend_for_booking(db, student_id=other.id, booking_id=booking.id, minutes=60, now=NOW)


def test_group_seat_costs_less(db, env):
    assert credits.credit_cost(60) == 60
    assert credits.credit_cost(60, group_size=3) == 36
    assert credits.credit_cost(45, group_size=8) == 18
    sid = env.student.id
    _grant(db, sid, 60, 30, "g")
    booking = env.book(at(2, 10))
    out = credit_spending.spend_for_booking(db, student_id=sid, booking_id=booking.id, minutes=60, now=NOW, group_percent=50)
    assert out.minutes == 30 and _balance(db, sid) == 30


def test_refund_goes_back_into_the_same_lots_with_original_expiry(db, env):
    sid = env.student.id
    _grant(db, sid, 30, 10, "a")
    _grant(db, sid, 60, 50, "b")
    booking = env.book(at(2, 10))
    credit_spending.spend_for_booking(db, student_id=sid, booking_id=booking.id, minutes=60, now=NOW)  # 30 from a, 30 from b
    back = credit_spending.refund_booking_credits(db, booking_id=booking.id, percent=50, now=NOW)
    assert back == 30
    # Latest-expiring lot gets its minutes back first; expiry dates unchanged.
    lots = {lot.source_ref: lot for lot in db.exec(select(CreditLot)).all()}
    assert lots["b"].remaining == 60 and lots["a"].remaining == 0
    assert lots["b"].expires_at == NOW + timedelta(days=50)
    # Cumulative target: the same call again is a no-op, 100% returns the rest.
    assert credit_spending.refund_booking_credits(db, booking_id=booking.id, percent=50, now=NOW) == 0
    assert credit_spending.refund_booking_credits(db, booking_id=booking.id, percent=100, now=NOW) == 30
    assert lots["a"].remaining == 30 and lots["a"].expires_at == NOW + timedelta(days=10)
    assert _balance(db, sid) == 90
    assert ledger.balance(db, escrow_account(booking.id), "MIN") == 0
    assert credit_spending.booking_credit_minutes(db, booking.id) == 0
    assert credits.credit_lots_consistent(db) == []


def test_refund_into_an_expired_lot_expires_at_once(db, env):
    sid = env.student.id
    _grant(db, sid, 60, 5, "short")
    booking = env.book(at(2, 10))
    credit_spending.spend_for_booking(db, student_id=sid, booking_id=booking.id, minutes=60, now=NOW)
    later = NOW + timedelta(days=6)
    assert credit_spending.refund_booking_credits(db, booking_id=booking.id, minutes=60, now=later) == 60
    assert _balance(db, sid) == 0
    lot = db.exec(select(CreditLot)).one()
    assert lot.remaining == 0 and lot.expired_minutes == 60
    assert credits.credit_summary(db, sid, later)[0] == 0
    assert credits.credit_lots_consistent(db) == []


def test_expiry_job_is_idempotent(db, env):
    sid = env.student.id
    _grant(db, sid, 60, 5, "old")
    _grant(db, sid, 60, 50, "new")
    db.commit()
    later = NOW + timedelta(days=6)
    assert credits.expire_lots(db, now=later) == 60
    assert credits.expire_lots(db, now=later) == 0
    db.commit()
    assert _balance(db, sid) == 60
    assert credits.credit_lots_consistent(db) == []


def test_consistency_check_names_a_drift(db, env):
    sid = env.student.id
    _grant(db, sid, 60, 5, "x")
    lot = db.exec(select(CreditLot)).one()
    lot.remaining = 50  # tamper behind the ledger's back
    db.add(lot)
    db.flush()
    problems = credits.credit_lots_consistent(db)
    assert any(f"user {sid}" in p for p in problems)
    assert any(f"lot {lot.id}" in p for p in problems)


def test_booking_paid_with_credits_then_cancelled_gets_minutes_back_with_original_expiry(db, env):
    """Through the money core's pay path and its refund step (escrow.settle_booking_money)."""
    from tutorhub.services.booking import changes as booking_changes
    from tutorhub.services.checkout import escrow
    from tutorhub.services.checkout import lesson_payments as booking_payments

    sid = env.student.id
    _grant(db, sid, 60, 20, "pack-a")
    booking = env.book(at(3, 10))
    out = booking_payments.pay_booking(db, actor=env.student, booking_id=booking.id, method="credits", now=NOW)
    assert out.status in ("CONFIRMED", "REQUESTED")
    assert _balance(db, sid) == 0
    booking_changes.cancel_booking(db, actor=env.student, booking_id=booking.id, now=NOW)  # ≥24 h ahead: 100 %
    escrow.settle_booking_money(db, booking_id=booking.id, now=NOW)
    escrow.settle_booking_money(db, booking_id=booking.id, now=NOW)  # idempotent
    assert _balance(db, sid) == 60
    lot = db.exec(select(CreditLot)).one()
    assert lot.remaining == 60 and lot.expires_at == NOW + timedelta(days=20)
    assert ledger.balance(db, escrow_account(booking.id), "MIN") == 0
    assert credits.credit_lots_consistent(db) == []


def test_scheduler_jobs_run_the_expiry_and_renewals(db, env):
    from tutorhub.jobs import scheduler

    assert {"expire_credits", "renew_subscriptions"} <= {job_id for job_id, _f, _c in scheduler.JOBS}
    _grant(db, env.student.id, 45, 1, "job-lot")
    db.commit()
    assert scheduler.expire_credits(now=NOW + timedelta(days=2)) == 45
    assert scheduler.expire_credits(now=NOW + timedelta(days=2)) == 0
    assert scheduler.renew_subscriptions(now=NOW) == {"ended": 0, "charged": 0}
    db.rollback()
    assert _balance(db, env.student.id) == 0
