"""verify-ledger catches each violation (rows inserted behind the services' back) and names the
offending transactions; the CLI exits non-zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.support.booking import NOW, at
from tests.support.money import fund_wallet
from tutorhub import __main__ as cli
from tutorhub.models import Booking, Payment, Role
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops.ledger_verify import verify_ledger

T = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def raw_tx(db, key: str, entries: list[tuple[str, int, str]]) -> int:
    """Insert a transaction and entries with plain SQL (no balance check)."""
    ids = ledger.ensure_accounts(db, [code for code, _, _ in entries])
    tx = db.execute(text("INSERT INTO ledger_transactions (kind, idempotency_key, memo, created_at) "
                         "VALUES ('forged', :k, '', :t) RETURNING id"), {"k": key, "t": T.replace(tzinfo=None)}).scalar_one()
    for code, amount, unit in entries:
        db.execute(text("INSERT INTO ledger_entries (transaction_id, account_id, unit, amount) VALUES (:t, :a, :u, :m)"),
                   {"t": tx, "a": ids[code], "u": unit, "m": amount})
    return int(tx)


def codes(problems):
    return sorted(p.code for p in problems)


def test_clean_ledger_passes_and_the_cli_says_ok(db, capsys):
    fund_wallet(db, 1, 500, "USD", commit=True)
    assert verify_ledger(db) == []
    assert cli.main(["verify-ledger"]) == 0
    assert "ok" in capsys.readouterr().out


def test_an_unbalanced_transaction_is_named(db, capsys):
    bad = raw_tx(db, "forged-1", [("gateway:sandbox:clearing", 100, "USD"), ("student:1:wallet", -99, "USD")])
    db.commit()
    problems = verify_ledger(db)
    assert codes(problems) == ["unbalanced"] and problems[0].transaction_ids == [bad]
    assert cli.main(["verify-ledger"]) == 1
    assert f"transactions: {bad}" in capsys.readouterr().err


def test_a_negative_wallet_is_named_with_the_transaction_that_overdrew_it(db):
    fund_wallet(db, 2, 300, "USD")
    bad = raw_tx(db, "forged-2", [("student:2:wallet", 500, "USD"), ("escrow:booking:77", -500, "USD")])
    problems = verify_ledger(db)
    assert codes(problems) == ["negative"] and problems[0].transaction_ids == [bad]


def test_money_left_in_the_escrow_of_a_settled_booking_is_named(env):
    held = env.book(at(3, 10), confirm=True)
    booking = env.db.get(Booking, held.id)
    booking.status, booking.updated_at = "SETTLED", NOW
    env.db.add(booking)
    env.db.flush()
    problems = verify_ledger(env.db, now=NOW + timedelta(hours=1))
    assert codes(problems) == ["settled_escrow"] and problems[0].transaction_ids
    assert verify_ledger(env.db, now=NOW + timedelta(minutes=1)) == []  # within the job's grace period


def test_a_captured_payment_without_its_posting_is_named(db, make_user):
    student = make_user(Role.STUDENT)
    db.add(Payment(reference="pay_forged", user_id=student.id, purpose="topup", amount_minor=100, currency="USD",
                   gateway="sandbox", status="succeeded", succeeded_at=T, created_at=T, updated_at=T))
    db.flush()
    assert codes(verify_ledger(db)) == ["payment_unposted"]


def test_an_empty_transaction_is_named(db):
    tx = db.execute(text("INSERT INTO ledger_transactions (kind, idempotency_key, memo, created_at) "
                         "VALUES ('forged', 'e', '', :t) RETURNING id"), {"t": T.replace(tzinfo=None)}).scalar_one()
    problems = verify_ledger(db)
    assert codes(problems) == ["empty"] and problems[0].transaction_ids == [tx]
    ledger.post(db, kind="x", lines=[Line("a:b", 1, "USD"), Line("c:d", -1, "USD")], idempotency_key="ok", now=T)


def test_demo_data_gives_students_wallet_money_through_real_transactions(db):
    from sqlmodel import select

    from tutorhub.demo.seed import seed_demo
    from tutorhub.models import User

    seed_demo(db)
    from tutorhub.models import Booking

    sam = db.exec(select(User).where(User.email == "student1@tutorhub.test")).one()
    from tutorhub.models.learning import GuardianBooking

    # Sam's demo lessons (tutorhub/demo/learning.py) were paid from the INR top-up, except the one
    # guardian1 booked and paid from their own wallet.
    by_guardian = set(db.exec(select(GuardianBooking.booking_id)).all())
    assert by_guardian
    spent = sum(b.price_minor for b in db.exec(select(Booking).where(Booking.student_id == sam.id)).all()
                if b.id not in by_guardian)
    assert spent > 0
    assert ledger.balances(db, f"student:{sam.id}:wallet") == {"INR": 300_000 - spent, "USD": 5_000}
    assert db.exec(select(Payment).where(Payment.user_id == sam.id)).first().status == "succeeded"
    assert verify_ledger(db) == []


def test_a_refund_left_due_is_named_once_the_grace_period_is_over(env):
    """The grace period must not hide a refund the money job never made."""
    held = env.book(at(3, 10), confirm=True)
    booking = env.db.get(Booking, held.id)
    booking.status, booking.refund_status, booking.refund_percent, booking.updated_at = "CANCELLED", "DUE", 100, NOW
    env.db.add(booking)
    env.db.flush()
    assert verify_ledger(env.db, now=NOW + timedelta(minutes=5)) == []  # the minutely job may not have run yet
    problems = verify_ledger(env.db, now=NOW + timedelta(days=3))
    assert codes(problems) == ["settled_escrow"] and "never made" in problems[0].message
    booking.refund_status = "PENDING_REPLACEMENT"  # replacement offers still open: the money may wait
    env.db.add(booking)
    env.db.flush()
    assert verify_ledger(env.db, now=NOW + timedelta(days=3)) == []
