"""Two (or many) simultaneous spends of the same wallet balance never both succeed: the wallet
account is locked before its balance is read (PostgreSQL row lock; SQLite's write lock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from tests.support.booking import open_all_week
from tests.support.money import fund_wallet
from tests.support.races import race
from tutorhub.models import Booking, Role
from tutorhub.services.booking import bookings
from tutorhub.services.checkout import lesson_payments as booking_payments
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops.ledger_verify import verify_ledger

T = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_eight_parallel_spends_of_a_balance_that_covers_three(db):
    fund_wallet(db, 42, 3 * 700, "USD", commit=True)

    def spend(session, i):
        return ledger.post(session, kind="wallet_spend", idempotency_key=f"race:{i}", now=T,
                           lines=[Line("student:42:wallet", 700, "USD"), Line(f"escrow:booking:{1000 + i}", -700, "USD")],
                           never_negative=["student:42:wallet"])

    outcomes = [o for o, _ in race(8, spend)]
    assert outcomes.count("ok") == 3 and outcomes.count("InsufficientFunds") == 5
    db.rollback()
    assert ledger.balance(db, "student:42:wallet", "USD") == 0
    assert verify_ledger(db) == []


def test_paying_two_lessons_with_different_tutors_from_a_wallet_that_covers_one(db, make_user, make_approved_tutor):
    now = datetime.now(UTC)
    student = make_user(Role.STUDENT)
    held = []
    for zone in ("UTC", "Europe/Berlin"):
        tutor, tutor_id = make_approved_tutor(timezone=zone)
        open_all_week(db, tutor, now=now)
        start = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
        held.append(bookings.create_booking(db, actor=student, tutor_id=tutor_id, start=start, duration_min=60, now=now))
    fund_wallet(db, student.id, held[0].price_minor, held[0].currency, commit=True)
    outcomes = [o for o, _ in race(2, lambda s, i: booking_payments.pay_booking(
        s, actor=student, booking_id=held[i].id, method="wallet", now=now).status)]
    assert sorted(outcomes) == ["InsufficientFunds", "ok"]
    db.rollback()
    statuses = sorted(b.status for b in db.exec(select(Booking)).all())
    assert statuses == ["CONFIRMED", "PENDING_PAYMENT"]
    assert ledger.balance(db, f"student:{student.id}:wallet", held[0].currency) == 0
