"""apply_gateway_event: the same final ledger and status for every order and any duplicates of a
realistic event sequence (capture, a provider refund, a chargeback opened then won, a failed
attempt), for a top-up and for a booking payment."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlmodel import select

from tests.support.booking import NOW, at
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import LedgerAccount, LedgerEntry, LedgerTransaction, Payment, Role
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.checkout import lesson_payments as booking_payments
from tutorhub.services.money import ledger, payments
from tutorhub.services.ops.ledger_verify import verify_ledger

T = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def event(kind: EventKind, ref: str, amount: int, currency: str = "USD", **data: str) -> GatewayEvent:
    return GatewayEvent(gateway="sandbox", event_id=f"evt_{uuid.uuid4().hex}", kind=kind, raw_type=kind.value,
                        reference=ref, gateway_ref=f"g_{ref}", amount_minor=amount, currency=currency, occurred_at=T,
                        data=data)


def signature(db, payment: Payment, user_id: int) -> tuple:
    """The payment's ledger (kinds and normalized lines) and status, independent of ids."""
    rows = db.execute(
        select(LedgerTransaction.kind, LedgerTransaction.id, LedgerAccount.code, LedgerEntry.unit, LedgerEntry.amount)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.payment_id == payment.id)
    ).all()
    lines = Counter((kind, code.replace(f":{user_id}:", ":U:"), unit, amount) for kind, _id, code, unit, amount in rows)
    db.refresh(payment)
    return payment.status, payment.refunded_minor, frozenset(lines.items())


def test_topup_events_in_every_order_with_duplicates_give_one_outcome(db, make_user):
    student = make_user(Role.STUDENT)
    outcomes = set()
    for n, order in enumerate(itertools.permutations(range(5))):
        if n % 3:  # every third of the 120 orders keeps the test quick; still covers every event first and last
            continue
        payment = Payment(reference=payments.new_reference(), user_id=student.id, purpose="topup", amount_minor=5000,
                          currency="USD", gateway="sandbox", created_at=T, updated_at=T)
        db.add(payment)
        db.flush()
        ref = payment.reference
        seq = [
            event(EventKind.PAYMENT_SUCCEEDED, ref, 5000),
            event(EventKind.REFUND_SUCCEEDED, ref, 1200, refund_id=f"re_{ref}"),
            event(EventKind.DISPUTE_OPENED, ref, 5000, dispute_id=f"dp_{ref}"),
            event(EventKind.DISPUTE_WON, ref, 5000, dispute_id=f"dp_{ref}"),
            event(EventKind.PAYMENT_FAILED, ref, 5000),
        ]
        for i in order:
            payment_events.apply_gateway_event(db, seq[i], now=T)
        for i in order[:2]:  # the provider repeats facts under new event ids
            payment_events.apply_gateway_event(db, GatewayEvent(**{**seq[i].__dict__, "event_id": "again"}), now=T)
        outcomes.add(signature(db, payment, student.id))
    assert len(outcomes) == 1
    status, refunded, lines = outcomes.pop()
    assert (status, refunded) == ("partially_refunded", 1200)
    # each fact posted exactly once: the capture to the wallet, the refund, the chargeback out and back
    assert sorted(kind for (kind, _code, _unit, amount), n in lines if amount > 0 for _ in range(n)) == [
        "dispute_opened", "dispute_won", "external_refund", "topup"]
    assert ("topup", "student:U:wallet", "USD", -5000) in {line for line, _n in lines}
    assert verify_ledger(db) == []


def test_every_payments_module_imports_on_its_own():
    """payment_history and events both import payments.py: each imports on its own (as the Reflex
    states import payment_history first), with no circular import."""
    import subprocess
    import sys

    for module in ("money.payment_history", "checkout.events"):  # the two that import payments.py
        done = subprocess.run([sys.executable, "-c", f"import tutorhub.services.{module}"], capture_output=True, text=True)
        assert done.returncode == 0, (module, done.stderr[-2000:])


def test_booking_payment_refund_before_capture_gives_the_same_outcome(env):
    outcomes = set()
    for flip in (False, True):
        held = env.book(at(3 + flip, 10))
        out = booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway", now=NOW)
        payment = env.db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
        seq = [event(EventKind.PAYMENT_SUCCEEDED, payment.reference, 3000, "EUR"),
               event(EventKind.DISPUTE_OPENED, payment.reference, 3000, "EUR", dispute_id=f"dp{flip}")]
        for e in reversed(seq) if flip else seq:
            payment_events.apply_gateway_event(env.db, e, now=NOW)
        outcomes.add(signature(env.db, payment, env.student.id)[:2])
        assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 3000  # the lesson is paid either way
    assert outcomes == {("disputed", 0)}


def test_a_refunded_or_charged_back_minute_pack_takes_its_unspent_minutes_back(db, make_user):
    """A provider refund / lost chargeback of a pack purchase takes back the pack's unspent minutes."""
    from tests.support.credits import catalogue, pay
    from tutorhub.services.billing import credits
    from tutorhub.services.billing import purchases as credit_purchases

    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = credit_purchases.buy_pack(db, actor=student, pack_code="hour5", now=T)
    pay(db, out.payment_reference, T)
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 300
    payment = db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    refund = GatewayEvent(gateway="sandbox", event_id="evt_r", kind=EventKind.REFUND_SUCCEEDED, raw_type="refund",
                          reference=payment.reference, gateway_ref="re_half", amount_minor=3000, currency="USD",
                          occurred_at=T, data={"refund_id": "re_half"})
    payment_events.apply_gateway_event(db, refund, now=T)
    payment_events.apply_gateway_event(db, GatewayEvent(**{**refund.__dict__, "event_id": "evt_r2"}), now=T)  # repeated fact
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 150
    for kind in (EventKind.DISPUTE_OPENED, EventKind.DISPUTE_LOST):
        payment_events.apply_gateway_event(db, event(kind, payment.reference, 6000, dispute_id="dp_pack"), now=T)
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 0
    assert verify_ledger(db) == []
