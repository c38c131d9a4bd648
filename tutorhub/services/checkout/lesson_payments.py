"""Paying for a held booking: through the gateway (checkout), from the wallet, or with credits.

Nothing marks a booking paid without money: every path first moves the lesson's price into
`escrow:booking:{id}` (or, for credits, the minutes) and only then calls `bookings.mark_paid`,
in the same transaction. A promo discount is funded by the platform (platform:promotions), so the
escrow always holds the booking's full price and the tutor's earnings do not shrink.

Gateway: `pay_booking` starts a checkout; the booking stays PENDING_PAYMENT until the webhook
(`payment_events.apply_gateway_event` → `fund_booking_from_payment`). If the hold is gone by then
(expired, cancelled, or paid another way), the money goes to the student's wallet instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingStatus
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.accounts.auth import UserOut
from tutorhub.services.billing import credits
from tutorhub.services.booking.access import load_for_change
from tutorhub.services.booking.guard import lock_tutors
from tutorhub.services.booking.states import Actor, refuse
from tutorhub.services.errors import DomainError
from tutorhub.services.money import ledger, promos
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import clearing_account, start_gateway_payment, wallet_account
from tutorhub.services.validation import clean_text, fail

METHODS = ("gateway", "wallet", "credits")


class PayOut(BaseModel):
    status: str  # the booking's status after this call
    checkout_url: str | None = None
    payment_reference: str | None = None


def escrow_account(booking_id: int) -> str:
    return f"escrow:booking:{booking_id}"


def _quote_promo(session: Session, code: str, booking: Booking, user_id: int, now: datetime) -> int:
    discount = int(promos.quote_promo(session, code=code, user_id=user_id, amount_minor=booking.price_minor,
                                      currency=booking.currency, now=now))
    return max(0, min(discount, booking.price_minor))


def _redeem_promo(session: Session, code: str, *, user_id: int, booking: Booking, discount: int, now: datetime) -> None:
    if not code:
        return
    promos.redeem_promo(session, code=code, user_id=user_id, amount_minor=booking.price_minor, currency=booking.currency,
                        discount_minor=discount, booking_id=booking.id, now=now)


def _mark_paid(session: Session, booking: Booking, payment_ref: str, now: datetime, actor: Actor | None) -> None:
    from tutorhub.services.booking.bookings import mark_paid
    from tutorhub.services.booking.states import SYSTEM

    mark_paid(session, booking=booking, payment_ref=payment_ref, now=now, actor=actor or SYSTEM)


def _funding_lines(booking: Booking, payer_account: str, paid: int, discount: int) -> list[Line]:
    assert booking.id is not None
    return [
        Line(payer_account, paid, booking.currency),
        Line("platform:promotions", discount, booking.currency),
        Line(escrow_account(booking.id), -(paid + discount), booking.currency),
    ]


def pay_held_from_wallet(session: Session, booking: Booking, *, user_id: int, now: datetime, discount: int = 0) -> None:
    """Move a held booking's price wallet → escrow (the caller then marks it paid). 402 when short."""
    assert booking.id is not None
    if booking.price_minor <= 0:
        return
    ledger.post(
        session, kind="wallet_spend", idempotency_key=f"booking:{booking.id}:wallet",
        lines=_funding_lines(booking, wallet_account(user_id), booking.price_minor - discount, discount),
        memo=f"lesson {booking.id} paid from wallet", user_id=user_id, booking_id=booking.id, now=now,
        never_negative=[wallet_account(user_id)],
    )


def pay_booking(
    session: Session,
    *,
    actor: UserOut | None,
    booking_id: Any,
    method: Any,
    promo_code: Any = None,
    now: datetime | None = None,
) -> PayOut:
    """The student pays their held booking. 402 (InsufficientFunds/Credits) when the wallet or
    credits do not cover it; 409 when the booking is not waiting for payment."""
    now = now or utcnow()
    if method not in METHODS:
        raise fail("method", "must be gateway, wallet or credits")
    code = clean_text(promo_code, "promo_code", max_len=40) if promo_code not in (None, "") else ""
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT)
    assert booking.id is not None
    if booking.status != BookingStatus.PENDING_PAYMENT:
        raise refuse(booking, "pay")  # same answer as mark_paid (e.g. "…expired…")
    user = party.user
    if method == "credits":
        if code:
            raise fail("promo_code", "Promo codes do not apply to lessons paid with credits.")
        credits.spend_for_booking(session, student_id=user.id, booking_id=booking.id, minutes=booking.duration_min, now=now)
        _mark_paid(session, booking, f"credits:{booking.id}", now, party.actor)
        return PayOut(status=booking.status)
    discount = _quote_promo(session, code, booking, user.id, now) if code else 0
    to_pay = booking.price_minor - discount
    if method == "wallet" or to_pay == 0:
        pay_held_from_wallet(session, booking, user_id=user.id, now=now, discount=discount)
        _redeem_promo(session, code, user_id=user.id, booking=booking, discount=discount, now=now)
        _mark_paid(session, booking, f"wallet:{booking.id}", now, party.actor)
        return PayOut(status=booking.status)
    payment, url = start_gateway_payment(
        session, user=user, purpose=PaymentPurpose.BOOKING, amount_minor=to_pay, currency=booking.currency,
        description=f"Lesson #{booking.id}", booking_id=booking.id,
        metadata={"promo_code": code, "discount_minor": discount} if code else {}, now=now,
    )
    return PayOut(status=booking.status, checkout_url=url, payment_reference=payment.reference)


def fund_booking_from_payment(session: Session, payment: Payment, *, now: datetime) -> bool:
    """A captured booking payment → escrow + mark_paid. False (caller credits the wallet) when the
    booking can no longer take it."""
    booking = session.get(Booking, payment.booking_id) if payment.booking_id else None
    if booking is None:
        return False
    lock_tutors(session, [booking.tutor_id])
    session.refresh(booking)
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return False
    assert booking.id is not None
    discount = int((payment.extra or {}).get("discount_minor") or 0)
    if payment.amount_minor + discount != booking.price_minor:
        return False
    ledger.post(
        session, kind="booking_payment", idempotency_key=f"payment:{payment.reference}:captured",
        lines=_funding_lines(booking, clearing_account(payment.gateway), payment.amount_minor, discount),
        memo=f"lesson {booking.id} paid", user_id=payment.user_id, booking_id=booking.id, payment_id=payment.id, now=now,
    )
    code = str((payment.extra or {}).get("promo_code") or "")
    try:
        _redeem_promo(session, code, user_id=payment.user_id, booking=booking, discount=discount, now=now)
    except DomainError:
        pass  # the discount was quoted at checkout and already granted; the payment stands
    _mark_paid(session, booking, payment.reference, now, None)
    return True
