"""What a captured payment means, by its purpose: the registry that gateway-event handling
(events.py) dispatches through.

Why a registry: the purposes belong to other modules — lesson payments (escrow + the booking), wallet
top-ups, minute packs, subscriptions and lead credits (billing), class seats (classes, a package
below checkout) and course enrolments. events.py only knows "find the payment, book the facts, hand the capture to its purpose";
`HANDLERS` names the handler of each purpose, and adding a purpose is one line here. It is a plain,
static mapping: the purpose modules sit below checkout and never import it, so nothing has to be
wired at import time.

Each handler is called with keyword `now`:
- `capture(session, payment, now=...) -> bool` — the payment's money was captured (amount and
  currency as started). True: the purpose took the money; False: it could not (e.g. the held lesson
  expired meanwhile) and the money goes to the payer's wallet instead.
- `take_back(session, payment, now=..., charged_back=...)` — optional: after a refund or a lost
  chargeback, take back the unspent share of what the payment bought (cumulative, idempotent).
  Lesson payments have none: a lesson's escrow caps its own refunds (escrow._cap_to_refundable).
- `provider_event(session, event, now=...)` — optional: the provider's own events about this
  purpose that name no payment of ours (subscription renewals and cancellations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from tutorhub.integrations.payments import GatewayEvent
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.billing import purchases, wallet
from tutorhub.services.checkout import course_payments, lesson_payments
from tutorhub.services.classes import seat_gateway, seat_returns


class Capture(Protocol):
    def __call__(self, session: Session, payment: Payment, /, *, now: datetime) -> bool: ...


class TakeBack(Protocol):
    def __call__(self, session: Session, payment: Payment, /, *, now: datetime, charged_back: bool) -> object: ...


class ProviderEvent(Protocol):
    def __call__(self, session: Session, event: GatewayEvent, /, *, now: datetime) -> None: ...


@dataclass(frozen=True)
class PurposeHandler:
    capture: Capture
    take_back: TakeBack | None = None
    provider_event: ProviderEvent | None = None


_PURCHASE = PurposeHandler(capture=purchases.capture_purchase, take_back=purchases.take_back_purchase)

HANDLERS: dict[str, PurposeHandler] = {
    PaymentPurpose.BOOKING: PurposeHandler(capture=lesson_payments.fund_booking_from_payment),
    PaymentPurpose.CLASS_SEAT: PurposeHandler(capture=seat_gateway.capture_seat_payment,
                                              take_back=seat_returns.take_back_seat_payment),
    PaymentPurpose.TOPUP: PurposeHandler(capture=wallet.credit_topup),
    PaymentPurpose.MINUTE_PACK: _PURCHASE,
    PaymentPurpose.LEAD_CREDITS: _PURCHASE,
    PaymentPurpose.COURSE: PurposeHandler(capture=course_payments.fund_enrolment_from_payment,
                                          take_back=course_payments.take_back_course_payment),
    PaymentPurpose.SUBSCRIPTION: PurposeHandler(
        capture=purchases.capture_purchase, take_back=purchases.take_back_purchase,
        provider_event=purchases.apply_subscription_event,
    ),
}
