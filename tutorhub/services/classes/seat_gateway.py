"""A class seat paid by card / UPI through the existing hosted checkout (like a lesson payment).

- Starting: the seat is taken (or, for an offered seat, kept) as OFFERED with `payment_id` set and
  `offer_expires_at` = the checkout's end, so it is held for the payer while the checkout is open and
  counted in `seats_taken` (the capacity guard is the same conditional UPDATE as for the wallet).
- A second click while that checkout is open returns the same checkout (no second payment); a click
  after it lapsed starts a new one for the same held seat only while the hold lasts.
- Confirmed by the webhook: `events.apply_gateway_event` hands the capture to this purpose's handler
  (`capture_seat_payment`, registered in checkout/purposes.py): clearing → escrow:seat:{id} ("seat_payment",
  key `payment:{reference}:captured`, the same key as the wallet fallback, so a replayed webhook posts
  nothing twice) and the seat becomes ENROLLED.
- Released on expiry: an unpaid hold ends with the offers (`seats.expire_offers`, the class job) and
  the seat passes to the next in line. Money that arrives after that (or for a seat no longer held)
  is not lost: the capture handler answers False and events.py credits the payer's wallet.
- Refunds (a cancelled session or class, a leave) go back to the card when the platform's refund
  destination is "original", else to the wallet (seat_card_refunds.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.models.classes import ClassEnrolment, ClassStatus, GroupClass, SeatStatus
from tutorhub.models.money import Payment, PaymentPurpose, PaymentStatus
from tutorhub.services.actor import UserOut
from tutorhub.services.classes import seat_money
from tutorhub.services.classes.lifecycle import SYSTEM
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import checkout_window, clearing_account, set_extra, start_gateway_payment

SEAT_CHECKOUT_HOLD = timedelta(minutes=30)  # how long a seat waits for its checkout (the provider's minimum)


def _open_checkout(session: Session, seat: ClassEnrolment, now: datetime) -> Payment | None:
    if seat.payment_id is None:
        return None
    payment = session.get(Payment, seat.payment_id)
    if payment is None or payment.status != PaymentStatus.PENDING or (payment.expires_at and payment.expires_at <= now):
        return None
    return payment


def start_seat_checkout(session: Session, seat: ClassEnrolment, cls: GroupClass, user: UserOut, *,
                        now: datetime) -> str:
    """Hold the (already counted, OFFERED) seat for a hosted checkout; returns the checkout URL."""
    assert seat.id is not None and cls.id is not None
    existing = _open_checkout(session, seat, now)
    if existing is not None:  # a double click: the same checkout, never a second payment
        return str((existing.extra or {}).get("checkout_url") or "")
    wanted = seat.offer_expires_at if seat.offer_expires_at is not None else now + SEAT_CHECKOUT_HOLD
    wanted = min(wanted, cls.first_start_at)
    payment_out, url = start_gateway_payment(
        session, user=user, purpose=PaymentPurpose.CLASS_SEAT, amount_minor=cls.price_minor, currency=cls.currency,
        description=f"Seat in {cls.title}"[:200], metadata={"enrolment_id": seat.id, "class_id": cls.id},
        now=now, promo=None,
    )
    payment = session.get(Payment, payment_out.id)
    assert payment is not None
    set_extra(payment, checkout_url=url)
    session.add(payment)
    seat.payment_id, seat.method = payment.id, "gateway"
    seat.offer_expires_at = max(wanted, payment.expires_at or checkout_window(now))  # held while the checkout is open
    session.add(seat)
    session.flush()
    return url


def capture_seat_payment(session: Session, payment: Payment, /, *, now: datetime) -> bool:
    """The checkout's money arrived: fund the seat's escrow and enrol; False when the seat is no longer
    held for this payment (the money then goes to the payer's wallet)."""
    seat_id = int((payment.extra or {}).get("enrolment_id") or 0)
    seat = session.exec(select(ClassEnrolment).where(col(ClassEnrolment.id) == seat_id).with_for_update()).first()
    if seat is None or seat.id is None or seat.payment_id != payment.id or seat.status != SeatStatus.OFFERED:
        return False
    cls = session.get(GroupClass, seat.class_id)
    if cls is None or cls.status != ClassStatus.PUBLISHED or payment.amount_minor != cls.price_minor \
            or payment.currency != cls.currency:
        return False
    ledger.post(
        session, kind="seat_payment", idempotency_key=f"payment:{payment.reference}:captured",
        lines=[Line(clearing_account(payment.gateway), payment.amount_minor, payment.currency),
               Line(seat_money.seat_escrow(seat.id), -payment.amount_minor, payment.currency)],
        memo=f"seat in class {cls.id} paid by {payment.gateway}", user_id=payment.user_id, payment_id=payment.id,
        now=now,
    )
    seat.method, seat.unit, seat.price_minor = "gateway", payment.currency, payment.amount_minor
    seat_money.mark_enrolled(session, seat, cls, SYSTEM, now)
    return True
