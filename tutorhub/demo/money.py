"""Demo money: each demo student's wallet is topped up through the real path — a sandbox Payment
captured by `events.apply_gateway_event` — so `make run` shows balances, a payment history and
receipts, and verify-ledger is clean from the start."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models.accounts import User
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.checkout import events
from tutorhub.services.money import payments

DEMO_TOPUPS = {
    "student1@tutorhub.test": [(300_000, "INR"), (5_000, "USD")],
    "student2@tutorhub.test": [(20_000, "EUR")],
    "student3@tutorhub.test": [(15_000, "USD"), (10_000, "EUR")],
}


def seed_money_demo(session: Session, *, now: datetime) -> int:
    """Top up the demo students' wallets; returns how many top-ups were captured."""
    users = {u.email: u for u in session.exec(select(User).where(col(User.email).in_(list(DEMO_TOPUPS)))).all()}
    done = 0
    for email, topups in DEMO_TOPUPS.items():
        user = users.get(email)
        if user is None or user.id is None:
            continue
        for amount, currency in topups:
            payment = Payment(reference=payments.new_reference(), user_id=user.id, purpose=PaymentPurpose.TOPUP,
                              amount_minor=amount, currency=currency, gateway="sandbox", description="Wallet top-up (demo)",
                              gateway_ref=f"sbx_demo_{done}", created_at=now, updated_at=now)
            session.add(payment)
            session.flush()
            events.apply_gateway_event(session, GatewayEvent(
                gateway="sandbox", event_id=f"evt_demo_{payment.reference}", kind=EventKind.PAYMENT_SUCCEEDED,
                raw_type="payment.succeeded", reference=payment.reference, gateway_ref=payment.gateway_ref,
                amount_minor=amount, currency=currency, occurred_at=now), now=now)
            done += 1
    return done
