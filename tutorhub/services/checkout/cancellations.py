"""The payer came back through a checkout's cancel URL: end that checkout for good.

Why: Stripe keeps a Checkout Session open after its "back" link — the payer could still pay on it
until it expires — so "Cancelled" would be a guess and the promo code would stay reserved for
nothing. Expiring the session at Stripe (`expire_checkout`) makes the cancel terminal: the payment
is CANCELLED and its promo released. If Stripe says the session was completed meanwhile (paid, or
a bank debit under way) nothing is cancelled: its webhook decides. The sandbox's checkout is ended
through its own Cancel (the same signed webhook as its page's button). Razorpay orders cannot be
cancelled: the payment stays pending until its window ends (then EXPIRED), since the payer could
still pay that order; money arriving later takes the usual late-payment path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from tutorhub.integrations.payments import GatewayError, get_gateway_by_name
from tutorhub.models.gateways import SandboxCharge, SandboxKind
from tutorhub.models.money import Payment, PaymentStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.checkout.sandbox import abandon_checkout
from tutorhub.services.errors import NotFound
from tutorhub.services.money import promos
from tutorhub.services.money.payments import PaymentOut, lock_payment, payment_out, refresh_status, set_extra


def _own(session: Session, user: UserOut, reference: Any) -> Payment:
    if not isinstance(reference, str) or not reference or len(reference) > 40:
        raise NotFound("Payment not found.")
    payment = session.exec(select(Payment).where(Payment.reference == reference)).first()
    if payment is None or payment.user_id != user.id:
        raise NotFound("Payment not found.")
    return payment


def cancel_checkout(session: Session, *, actor: UserOut | None, reference: Any, now: datetime) -> PaymentOut:
    """End the caller's own pending hosted checkout (see the module doc); the payment as it stands
    afterwards. Anybody else's reference is "not found"; a payment no longer pending is unchanged."""
    user = require_role(actor)
    payment = lock_payment(session, _own(session, user, reference))
    if payment.status != PaymentStatus.PENDING or payment.succeeded_at is not None:
        return payment_out(payment)
    if payment.gateway == "sandbox":
        charge = session.exec(select(SandboxCharge.id).where(SandboxCharge.reference == payment.reference,
                                                             SandboxCharge.kind == SandboxKind.PAYMENT)).first()
        if charge is not None:
            abandon_checkout(session, reference=payment.reference, now=now)
            session.refresh(payment)
        return payment_out(payment)
    try:
        adapter: Any = get_gateway_by_name(payment.gateway)
        expire = getattr(adapter, "expire_checkout", None)
        ended = bool(expire(checkout_ref=payment.gateway_ref)) if expire is not None and payment.gateway_ref else False
    except GatewayError:
        ended = False  # not reachable now: the session still ends at its expires_at
    if ended:
        set_extra(payment, _failed=True, _cancelled=True)
        promos.release_reservation(session, ref=f"payment:{payment.reference}")
        refresh_status(session, payment, now)
    return payment_out(payment)
