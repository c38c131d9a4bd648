"""Refunding a seat paid by card / UPI to the card, when the platform refunds to the original method
(money settings' `refund_destination`, as for lessons); otherwise seat_money refunds to the wallet.

Never more than the payment still has to give (a refund made at the provider's dashboard returned part
already: then this share goes to the wallet). Sandbox refunds are made in this same transaction; an
outside provider's are recorded as a refund intent and sent after the commit (gateway_intents).
Ledger: "seat_refund" Dr escrow:seat:{id} / Cr the gateway's clearing account.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from tutorhub.integrations.payments import GatewayError, get_gateway_by_name
from tutorhub.models.classes import ClassEnrolment
from tutorhub.models.money import Payment, Refund
from tutorhub.services.classes.seat_credits import seat_escrow
from tutorhub.services.money import gateway_intents, ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payments import clearing_account, lock_payment, refresh_status, refunded_total


def refund_to_card(session: Session, seat: ClassEnrolment, *, amount: int, key: str, now: datetime) -> bool:
    """Send `amount` of a gateway-paid seat's escrow back to the card when the platform refunds to the
    original method; False (nothing done) when the caller should refund to the wallet instead."""
    assert seat.id is not None
    payment = session.get(Payment, seat.payment_id) if seat.payment_id else None
    if payment is None or payment.id is None or get_money_settings(session).refund_destination != "original":
        return False
    lock_payment(session, payment)
    if amount > payment.amount_minor - refunded_total(session, payment.id):
        return False  # part was returned outside TutorHub: the wallet gets this share
    reference = f"rfd_s{seat.id}_{key}"[:40]
    if session.exec(select(Refund.id).where(Refund.reference == reference)).first() is not None:
        return True
    status, gateway_ref = "succeeded", ""
    if not gateway_intents.is_external(payment.gateway):
        try:  # the sandbox writes its side in this same transaction
            result = get_gateway_by_name(payment.gateway, session=session).refund(
                gateway_ref=payment.gateway_ref, amount_minor=amount, currency=payment.currency,
                idempotency_key=reference)
        except GatewayError:
            return False
        status = "succeeded" if result.status == "succeeded" else "pending"
        gateway_ref = result.gateway_ref
    ledger.post(
        session, kind="seat_refund", idempotency_key=f"seat:{seat.id}:refund:{key}",
        lines=[Line(seat_escrow(seat.id), amount, seat.unit),
               Line(clearing_account(payment.gateway), -amount, seat.unit)],
        memo=f"class seat {seat.id} refunded to the card ({key})", user_id=seat.student_id, payment_id=payment.id,
        now=now,
    )
    if gateway_intents.is_external(payment.gateway):
        gateway_intents.record_refund_intent(session, payment=payment, reference=reference, amount_minor=amount,
                                             user_id=seat.student_id, booking_id=None, reason=f"class seat ({key})",
                                             now=now)
        return True
    session.add(Refund(reference=reference, user_id=seat.student_id, payment_id=payment.id, booking_id=None,
                       amount_minor=amount, currency=payment.currency, destination="original", status=status,
                       gateway_ref=gateway_ref[:120], reason=f"class seat ({key})"[:200], created_at=now,
                       completed_at=now if status == "succeeded" else None))
    session.flush()
    refresh_status(session, payment, now)
    return True
