"""Wiring the checkout to the domains whose payments it applies: which handler takes a captured
payment of each purpose (purposes.py), and where the sandbox gateway delivers the webhooks of the
charges it makes on its own (subscription renewals).

Run once by the checkout package's `__init__`, so it is in place whichever checkout module is
imported first. It sits above everything it wires: the purpose modules (billing, lesson payments)
never import checkout, and the sandbox adapter never imports services.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from tutorhub.integrations.payments.sandbox import set_webhook_receiver
from tutorhub.models.money import PaymentPurpose
from tutorhub.services.billing import purchases, wallet
from tutorhub.services.checkout.lesson_payments import fund_booking_from_payment
from tutorhub.services.checkout.purposes import PurposeHandler, register_purpose
from tutorhub.services.checkout.webhooks import receive_webhook


def _receive_sandbox_webhook(session: Session, raw_body: bytes, headers: Mapping[str, str], now: datetime) -> None:
    """The sandbox's "HTTP POST" to /api/v1/webhooks/sandbox, applied in the caller's transaction."""
    receive_webhook(session, "sandbox", raw_body, headers, now)


def wire_checkout() -> None:
    """Register every payment purpose's handler and the sandbox's webhook receiver (idempotent)."""
    register_purpose(PaymentPurpose.BOOKING, PurposeHandler(capture=fund_booking_from_payment))
    register_purpose(PaymentPurpose.TOPUP, PurposeHandler(capture=wallet.credit_topup))
    purchase = PurposeHandler(capture=purchases.capture_purchase, take_back=purchases.take_back_purchase)
    register_purpose(PaymentPurpose.MINUTE_PACK, purchase)
    register_purpose(PaymentPurpose.LEAD_CREDITS, purchase)
    register_purpose(PaymentPurpose.SUBSCRIPTION, PurposeHandler(
        capture=purchases.capture_purchase, take_back=purchases.take_back_purchase,
        provider_event=purchases.apply_subscription_event,
    ))
    set_webhook_receiver(_receive_sandbox_webhook)
