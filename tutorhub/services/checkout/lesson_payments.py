"""Paying for held lessons: through the gateway (checkout), from the wallet, or with credits — the
one use case behind the lesson page's and the booking dialog's pay box, POST /bookings/{id}/pay and
the two "confirm" endpoints (`pay_for_lessons`; `pay_booking`, `confirm_booking` and
`confirm_series` only pick the lessons and shape the answer).

Nothing marks a booking paid without money: every path first moves the lesson's price into
`escrow:booking:{id}` (or, for credits, the minutes) and only then calls `bookings.mark_paid`,
in the same transaction. A promo discount is funded by the platform (platform:promotions), so the
escrow always holds the booking's full price and the tutor's earnings do not shrink.

Several lessons at once (a weekly series): wallet or credits only, all or nothing. A promo code is
used once per student, so it discounts the earliest lesson of the batch (and never lessons paid
with credits: minutes have no price to discount).

Gateway: one lesson per checkout; the booking stays PENDING_PAYMENT until the webhook
(`events.apply_gateway_event` → `fund_booking_from_payment`, the booking purpose's handler). If the
hold is gone by then (expired, cancelled, or paid another way), the money goes to the student's
wallet instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingSeries, BookingStatus
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing import credit_spending, credits
from tutorhub.services.booking.access import Party, load_for_change, load_for_view
from tutorhub.services.booking.bookings import mark_paid
from tutorhub.services.booking.guard import lock_tutors
from tutorhub.services.booking.series import MAX_OCCURRENCES
from tutorhub.services.booking.states import SYSTEM, Actor, refuse
from tutorhub.services.booking.views import BookingOut, booking_out, bookings_out
from tutorhub.services.errors import Conflict, DomainError, NotFound
from tutorhub.services.money import ledger, promos
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import (
    PaymentOut,
    PromoHold,
    clearing_account,
    escrow_account,
    start_gateway_payment,
    wallet_account,
)
from tutorhub.services.money.wallet_messages import shortfall_message
from tutorhub.services.validation import clean_id, clean_text, fail

METHODS = ("gateway", "wallet", "credits")
HOLD_TTL = timedelta(minutes=15)  # a held lesson's life when it has no hold_expires_at of its own
MAX_CHECKOUT_HOLD = timedelta(minutes=45)  # the longest a card checkout keeps a lesson held (from the hold)
SERIES_METHODS = ("wallet", "credits")


class PayOut(BaseModel):
    status: str  # the booking's status after this call
    checkout_url: str | None = None
    payment_reference: str | None = None


class LessonsPayOut(BaseModel):
    booking_ids: list[int]  # the lessons paid (or, through the gateway, being paid), earliest first
    status: str  # the earliest lesson's status after this call
    discount_minor: int = 0  # the promo's discount (on the earliest lesson)
    checkout_url: str | None = None
    payment_reference: str | None = None


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
    mark_paid(session, booking=booking, payment_ref=payment_ref, now=now, actor=actor or SYSTEM)


def _funding_lines(booking: Booking, payer_account: str, paid: int, discount: int) -> list[Line]:
    assert booking.id is not None
    return [
        Line(payer_account, paid, booking.currency),
        Line("platform:promotions", discount, booking.currency),
        Line(escrow_account(booking.id), -(paid + discount), booking.currency),
    ]


def _pay_held_from_wallet(session: Session, booking: Booking, *, user_id: int, now: datetime, discount: int = 0) -> None:
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


def _load_mine(session: Session, actor: UserOut | None, booking_ids: Any, *, lock: bool = False
               ) -> list[tuple[Booking, Party]]:
    """The caller's lessons, each authorized as its student, earliest first; with `lock`, under one
    tutor lock and freshly read."""
    if not isinstance(booking_ids, list | tuple) or not booking_ids:
        raise fail("booking_ids", "must list the lessons to pay")
    if len(booking_ids) > MAX_OCCURRENCES:
        raise fail("booking_ids", f"at most {MAX_OCCURRENCES} lessons at once")
    loaded = [load_for_change(session, actor, i, ActorRole.STUDENT, lock=False) for i in booking_ids]
    if lock:
        lock_tutors(session, [booking.tutor_id for booking, _ in loaded])
    unique: dict[int, tuple[Booking, Party]] = {}
    for booking, party in loaded:
        if lock:
            session.refresh(booking)
        assert booking.id is not None
        unique.setdefault(booking.id, (booking, party))
    return sorted(unique.values(), key=lambda pair: (pair[0].start_at, pair[0].id or 0))


def pay_for_lessons(
    session: Session,
    *,
    actor: UserOut | None,
    booking_ids: Any,
    method: Any,
    promo_code: Any = None,
    now: datetime | None = None,
) -> LessonsPayOut:
    """The student pays one or several of their held lessons with one method (see the module doc
    for the rules). 402 (InsufficientFunds/Credits) when the wallet or credits do not cover them
    all — then nothing is paid; 409 when a lesson is not waiting for payment; 422 for a gateway
    payment of several lessons or a promo code with credits."""
    now = now or utcnow()
    if method not in METHODS:
        raise fail("method", "must be gateway, wallet or credits")
    code = clean_text(promo_code, "promo_code", max_len=promos.CODE_MAX_LEN) if promo_code not in (None, "") else ""
    lessons = _load_mine(session, actor, booking_ids, lock=True)
    for booking, _ in lessons:
        if booking.status != BookingStatus.PENDING_PAYMENT:
            raise refuse(booking, "pay")  # same answer as mark_paid (e.g. "…expired…")
    first, party = lessons[0]
    user = party.user
    ids = [booking.id or 0 for booking, _ in lessons]
    if method == "gateway" and len(lessons) > 1:
        raise fail("method", "Weekly lessons are paid from your wallet or credits.")
    if method == "credits":
        if code:
            raise fail("promo_code", "Promo codes do not apply to lessons paid with credits.")
        with session.begin_nested():  # all or nothing, even for a caller that goes on after a 402
            for booking, who in lessons:
                credit_spending.spend_for_booking(session, student_id=user.id, booking_id=booking.id or 0,
                                                  minutes=booking.duration_min, now=now)
                _mark_paid(session, booking, f"credits:{booking.id}", now, who.actor)
        return LessonsPayOut(booking_ids=ids, status=first.status)
    discount = _quote_promo(session, code, first, user.id, now) if code else 0
    if method == "gateway" and first.price_minor - discount > 0:
        payment, url = start_lesson_checkout(session, first, payer=user, now=now, code=code, discount=discount)
        return LessonsPayOut(booking_ids=ids, status=first.status, discount_minor=discount, checkout_url=url,
                             payment_reference=payment.reference)
    with session.begin_nested():
        for booking, who in lessons:
            off = discount if booking is first else 0
            _pay_held_from_wallet(session, booking, user_id=user.id, now=now, discount=off)
            if booking is first:
                _redeem_promo(session, code, user_id=user.id, booking=booking, discount=off, now=now)
            _mark_paid(session, booking, f"wallet:{booking.id}", now, who.actor)
    return LessonsPayOut(booking_ids=ids, status=first.status, discount_minor=discount)


def start_lesson_checkout(session: Session, booking: Booking, *, payer: UserOut, now: datetime, code: str = "",
                          discount: int = 0) -> tuple[PaymentOut, str]:
    """A hosted card checkout for one held lesson, paid by `payer` (the student, or the guardian who
    booked it), with the lesson kept held while the checkout can be paid; (payment, checkout URL)."""
    hold_end = booking.hold_expires_at or now + HOLD_TTL
    payment, url = start_gateway_payment(
        session, user=payer, purpose=PaymentPurpose.BOOKING, amount_minor=booking.price_minor - discount,
        currency=booking.currency, description=f"Lesson #{booking.id}", booking_id=booking.id,
        metadata={"promo_code": code, "discount_minor": discount} if code else {}, now=now,
        # The code is held for this checkout until it is paid, fails, or the hold expires (a
        # payment after that goes to the wallet at the discounted price: no discount leaks).
        promo=PromoHold(code=code, discount_minor=discount, list_minor=booking.price_minor,
                        expires_at=hold_end) if code and discount else None,
        wanted_end=hold_end,
    )
    keep_held_for_checkout(session, booking, payment.expires_at, now)
    return payment, url


def keep_held_for_checkout(session: Session, booking: Booking, checkout_end: datetime | None, now: datetime) -> None:
    """A card checkout lasts at least 30 minutes (the providers' minimum), longer than a lesson hold:
    the time stays held while the checkout can still be paid, so a student who pays at minute 20 gets
    the lesson rather than a wallet credit. Bounded: never past the hold's start + MAX_CHECKOUT_HOLD,
    however often a checkout is restarted (money arriving after that goes to the wallet, as before)."""
    if checkout_end is None or booking.hold_expires_at is None:
        return
    started = booking.created_at or now
    end = min(checkout_end, max(booking.hold_expires_at, started + MAX_CHECKOUT_HOLD))
    if end > booking.hold_expires_at:
        booking.hold_expires_at = end
        session.add(booking)
        session.flush()


class PayOptionsOut(BaseModel):
    """What the pay box shows for the lessons being paid (the viewer's own balances only)."""

    lessons: int
    currency: str
    price_minor: int  # all the lessons together
    minutes_needed: int
    wallet_available_minor: int  # in the lessons' currency
    credit_minutes: int
    # When the wallet cannot pay: which balance can pay what ("Your € balance (€250) can't pay a $
    # price — pay by card or top up in $"); "" when it can.
    wallet_note: str = ""


def pay_options(session: Session, *, actor: UserOut | None, booking_ids: Any, now: datetime | None = None) -> PayOptionsOut:
    """The price of the caller's lessons and what they could pay it with (read-only)."""
    now = now or utcnow()
    lessons = _load_mine(session, actor, booking_ids)
    user = lessons[0][1].user
    currency = lessons[0][0].currency
    price = sum(b.price_minor for b, _ in lessons)
    balances = ledger.balances(session, wallet_account(user.id))
    available = balances.get(currency, 0)
    return PayOptionsOut(
        lessons=len(lessons), currency=currency, price_minor=price,
        minutes_needed=sum(b.duration_min for b, _ in lessons),
        wallet_available_minor=available,
        credit_minutes=credits.credit_summary(session, user.id, now)[0],
        wallet_note=shortfall_message(currency, price - available, balances) if available < price else "",
    )


def quote_lessons_promo(
    session: Session, *, actor: UserOut | None, booking_ids: Any, code: Any, now: datetime | None = None
) -> promos.PromoQuoteOut:
    """What `code` takes off when these lessons are paid: the earliest lesson's discount (the rule
    `pay_for_lessons` applies). InvalidInput (promo_code) when it does not apply."""
    lessons = _load_mine(session, actor, booking_ids)
    first = lessons[0][0]
    return promos.validate_promo(session, actor=actor, code=code, amount_minor=first.price_minor, currency=first.currency,
                                 now=now)


def pay_booking(
    session: Session,
    *,
    actor: UserOut | None,
    booking_id: Any,
    method: Any,
    promo_code: Any = None,
    now: datetime | None = None,
) -> PayOut:
    """One held lesson (POST /bookings/{id}/pay): `pay_for_lessons` with one id."""
    paid = pay_for_lessons(session, actor=actor, booking_ids=[booking_id], method=method, promo_code=promo_code, now=now)
    return PayOut(status=paid.status, checkout_url=paid.checkout_url, payment_reference=paid.payment_reference)


def confirm_booking(
    session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None
) -> BookingOut:
    """POST /bookings/{id}/confirm: pay one held lesson from the wallet, answer with the booking
    (CONFIRMED with instant booking, else REQUESTED); 402 InsufficientFunds when it is short."""
    now = now or utcnow()
    pay_for_lessons(session, actor=actor, booking_ids=[booking_id], method="wallet", now=now)
    booking, party = load_for_view(session, actor, booking_id)
    return booking_out(session, booking, party.user, now)


def confirm_series(
    session: Session, *, actor: UserOut | None, series_id: Any, method: Any = "wallet", promo_code: Any = None,
    now: datetime | None = None,
) -> list[BookingOut]:
    """Pay every still-held occurrence of the caller's weekly series at once, from the wallet (the
    default) or with credits, with an optional promo code (the earliest lesson); answers with all
    the series' lessons. 402 when the wallet / credits do not cover them all."""
    user = require_role(actor)
    now = now or utcnow()
    if method not in SERIES_METHODS:
        raise fail("method", "A series is paid from the wallet or with credits.")
    sid = clean_id(series_id, "Series not found.")
    series = session.get(BookingSeries, sid)
    if series is None or series.student_id != user.id:
        raise NotFound("Series not found.")
    lock_tutors(session, [series.tutor_id])
    rows = session.exec(
        select(Booking)
        .where(col(Booking.series_id) == sid)
        .order_by(col(Booking.start_at))
        .execution_options(populate_existing=True)
    ).all()
    pending = [b.id for b in rows if b.status == BookingStatus.PENDING_PAYMENT]
    if not pending:
        raise Conflict("There is nothing left to confirm in this series.")
    pay_for_lessons(session, actor=actor, booking_ids=pending, method=method, promo_code=promo_code, now=now)
    return bookings_out(session, rows, viewer_id=user.id, viewer_is_admin=False, now=now)


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
    if code:
        try:  # confirms the reservation made when the checkout started
            promos.redeem_promo(session, code=code, user_id=payment.user_id, amount_minor=booking.price_minor,
                                currency=booking.currency, discount_minor=discount, ref=f"payment:{payment.reference}",
                                now=now)
        except DomainError:
            pass  # the discount was quoted at checkout and already granted; the payment stands
    _mark_paid(session, booking, payment.reference, now, None)
    return True
