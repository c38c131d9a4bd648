"""Giving back a purchase payment that bought nothing: a subscription paid twice (a double-click
started two checkouts and both were paid; the second finds the first already active).

The money was booked as a purchase (Dr gateway clearing / Cr platform:revenue); it goes back to
the card it came from: "refund" Dr platform:revenue / Cr gateway clearing, keyed by the refund,
with a Refund row. For an outside provider the refund is an intent sent after the transaction
commits (money/gateway_intents.py: crash-safe, never twice); the sandbox refunds in this same
transaction. If the provider refuses, the money lands in the student's wallet instead. The student
is told either way.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.integrations.payments import GatewayError, get_gateway_by_name
from tutorhub.models.money import Payment, Refund
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.money import gateway_intents, ledger
from tutorhub.services.money.payments import clearing_account, lock_payment, refresh_status, wallet_account

log = logging.getLogger(__name__)


def refund_reference(payment: Payment) -> str:
    return f"rfd_{payment.reference}"[:40]  # Razorpay's receipt takes 40 characters


def refund_unused_payment(session: Session, payment: Payment, *, reason: str, now: datetime) -> bool:
    """Refund all of a captured payment that bought nothing; idempotent (False when done before)."""
    assert payment.id is not None
    reference = refund_reference(payment)
    if session.exec(select(Refund.id).where(col(Refund.reference) == reference)).first() is not None:
        return False
    lock_payment(session, payment)
    amount, currency = payment.amount_minor, payment.currency
    destination, status, gateway_ref = "original", "succeeded", ""
    external = gateway_intents.is_external(payment.gateway)
    if not external:
        try:
            result = get_gateway_by_name(payment.gateway, session=session).refund(
                gateway_ref=payment.gateway_ref, amount_minor=amount, currency=currency, idempotency_key=reference)
            gateway_ref, status = result.gateway_ref, "succeeded" if result.status == "succeeded" else "pending"
        except GatewayError as exc:
            log.warning("refund of unused payment %s failed (%s); crediting the wallet", payment.reference, exc)
            destination = "wallet"
    target = wallet_account(payment.user_id) if destination == "wallet" else clearing_account(payment.gateway)
    ledger.post(session, kind="refund", idempotency_key=f"refund:{reference}",
                lines=[ledger.Line("platform:revenue", amount, currency), ledger.Line(target, -amount, currency)],
                memo=f"{payment.purpose} {payment.reference} refunded: {reason}", user_id=payment.user_id,
                payment_id=payment.id, now=now)
    if external:
        gateway_intents.record_refund_intent(session, payment=payment, reference=reference, amount_minor=amount,
                                             user_id=payment.user_id, booking_id=None, reason=reason, now=now)
    else:
        session.add(Refund(reference=reference, user_id=payment.user_id, payment_id=payment.id, amount_minor=amount,
                           currency=currency, destination=destination, status=status, gateway_ref=gateway_ref[:120],
                           reason=reason[:200], created_at=now, completed_at=now if status == "succeeded" else None))
        session.flush()
        refresh_status(session, payment, now)
    where = "your wallet" if destination == "wallet" else "your card"
    notify(session, user_id=payment.user_id, kind="payment", title="A second subscription payment was refunded",
           body=f"{reason} The payment {payment.reference} goes back to {where}.", link="/wallet", now=now)
    return True
