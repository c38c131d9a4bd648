"""The card a payment was paid with, for the SHARED_CARD fraud signal (ops/fraud_signals.py).

When a verified gateway event carries `data["card_fingerprint"]` (the sandbox's checkout page,
Stripe's `charge.succeeded`, a Razorpay payment entity) it is kept in
`Payment.extra["_card_fingerprint"]` (private: never in the payer's view of the payment); the first
one seen stays. Stripe's charge event may come before the capture event, while the payment is still
known only by its Checkout Session: it is stored (as PAYMENT_DETAILS, under the PaymentIntent id) and
the capture takes the fingerprint from it, so the order of delivery does not matter.
"""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models.gateways import WebhookEvent
from tutorhub.models.money import Payment
from tutorhub.services.money.payments import CARD_KEY, set_extra


def remember_card(payment: Payment, event: GatewayEvent) -> None:
    fingerprint = str((event.data or {}).get("card_fingerprint") or "")[:120]
    if fingerprint and not (payment.extra or {}).get(CARD_KEY):
        set_extra(payment, **{CARD_KEY: fingerprint})


def adopt_card_details(session: Session, payment: Payment) -> None:
    """A PAYMENT_DETAILS event that arrived before the capture named the payment only by the
    provider's id (stored as its `gateway_ref`, not applied to any payment): take its card now."""
    if (payment.extra or {}).get(CARD_KEY) or not payment.gateway_ref:
        return
    stored = session.exec(select(WebhookEvent.event_json).where(
        col(WebhookEvent.gateway_ref) == payment.gateway_ref, col(WebhookEvent.gateway) == payment.gateway,
        col(WebhookEvent.kind) == EventKind.PAYMENT_DETAILS.value).order_by(col(WebhookEvent.id)).limit(5)).all()
    for text in stored:
        try:
            fingerprint = str((json.loads(text).get("data") or {}).get("card_fingerprint") or "")
        except (ValueError, AttributeError):
            continue
        if fingerprint:
            set_extra(payment, **{CARD_KEY: fingerprint[:120]})
            return
