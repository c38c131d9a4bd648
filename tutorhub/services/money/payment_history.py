"""What a student sees of their own payments: status of one (the return page), the paged list of
payments and refunds, and a plain-text receipt. Other users' references are 404.

Lessons a guardian booked and paid for a child (learning's `GuardianBooking`) are the guardian's
payments, not the child's — but the child's history lists them too ("paid by <guardian>", with
what went back), and a refund of such a lesson says it went back to the guardian; the guardian's
own history lists those refunds as well (the refund row names the lesson's student)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.bookings import Booking
from tutorhub.models.learning import GuardianBooking
from tutorhub.models.money import LedgerTransaction, Payment, PaymentStatus, Refund
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.currency import (
    UnknownCurrency,
    convert_minor,
    effective_display_currency,
    format_with_code,
    load_rates,
)
from tutorhub.services.errors import NotFound
from tutorhub.services.money.payments import PaymentOut, RefundOut, payment_out, refund_out
from tutorhub.services.paging import page_number as _page

FUNDING_KINDS = ("booking_payment", "wallet_spend")  # how a lesson's escrow is paid (checkout/lesson_payments.py)
MAX_LISTED = 200


class PaidForYouOut(BaseModel):
    """A lesson of yours that someone else (your guardian) paid for."""

    booking_id: int
    start: datetime
    payer_name: str
    amount_minor: int
    currency: str
    refunded_minor: int  # what went back to the payer
    status: str  # paid | partially_refunded | refunded


class PaymentHistory(BaseModel):
    payments: list[PaymentOut]
    refunds: list[RefundOut]
    total_payments: int
    page: int
    per_page: int
    paid_for_you: list[PaidForYouOut] = []


class Receipt(BaseModel):
    filename: str
    content_type: str
    body: str


def _own_payment(session: Session, user: UserOut, reference: Any) -> Payment:
    if not isinstance(reference, str) or not reference or len(reference) > 40:
        raise NotFound("Payment not found.")
    payment = session.exec(select(Payment).where(Payment.reference == reference)).first()
    if payment is None or (payment.user_id != user.id and user.role != "admin"):
        raise NotFound("Payment not found.")
    return payment


def payment_status(session: Session, *, actor: UserOut | None, reference: Any) -> PaymentOut:
    user = require_role(actor)
    return payment_out(_own_payment(session, user, reference))


def list_my_payments(session: Session, *, actor: UserOut | None, page: Any = 1, per_page: Any = 20) -> PaymentHistory:
    """The caller's payments (newest first, paged) and all their refunds."""
    user = require_role(actor)
    page_n = _page(page, 1, 10_000)
    size = _page(per_page, 20, 100)
    total = session.exec(select(func.count()).select_from(Payment).where(Payment.user_id == user.id)).one()
    rows = session.exec(
        select(Payment).where(Payment.user_id == user.id)
        .order_by(col(Payment.created_at).desc(), col(Payment.id).desc())
        .offset((page_n - 1) * size).limit(size)
    ).all()
    paid_by_others = _paid_for_you(session, user.id)
    payers = {row.booking_id: row.payer_name for row in paid_by_others}
    refund_query = select(Refund, Payment.reference).join(Payment, col(Payment.id) == col(Refund.payment_id),
                                                          isouter=True)
    refunds = list(session.exec(refund_query.where(col(Refund.user_id) == user.id)
                                .order_by(col(Refund.created_at).desc()).limit(MAX_LISTED)).all())
    if user.role == Role.GUARDIAN:  # refunds of lessons they paid for a child (the refund row names the child)
        booked_by_me = select(GuardianBooking.booking_id).where(col(GuardianBooking.guardian_id) == user.id)
        refunds += session.exec(refund_query.where(col(Refund.booking_id).in_(booked_by_me), col(Refund.user_id) != user.id)
                                .order_by(col(Refund.created_at).desc()).limit(MAX_LISTED)).all()
        refunds = sorted(refunds, key=lambda pair: pair[0].created_at, reverse=True)[:MAX_LISTED]
    out: list[RefundOut] = []
    for r, ref in refunds:
        row = refund_out(r, ref)
        if r.booking_id in payers:  # the lesson's payer got it back, not you
            row.refunded_to, row.payment_reference = payers[r.booking_id], None
        out.append(row)
    return PaymentHistory(payments=[payment_out(p) for p in rows], refunds=out,
                          total_payments=int(total), page=page_n, per_page=size, paid_for_you=paid_by_others)


def _paid_for_you(session: Session, student_id: int) -> list[PaidForYouOut]:
    """The student's lessons a guardian booked and paid (their funding posting is in the guardian's
    name), newest first, with what has gone back to the guardian."""
    rows = session.exec(
        select(Booking, User.full_name, LedgerTransaction.id)
        .join(GuardianBooking, col(GuardianBooking.booking_id) == col(Booking.id))
        .join(User, col(User.id) == col(GuardianBooking.guardian_id))
        .join(LedgerTransaction, (col(LedgerTransaction.booking_id) == col(Booking.id))
              & (col(LedgerTransaction.user_id) == col(GuardianBooking.guardian_id))
              & col(LedgerTransaction.kind).in_(FUNDING_KINDS))
        .where(col(GuardianBooking.student_id) == student_id, col(Booking.student_id) == student_id)
        .order_by(col(Booking.start_at).desc(), col(Booking.id).desc()).limit(MAX_LISTED)
    ).all()
    ids = [b.id for b, _, _ in rows]
    back = dict(session.exec(
        select(Refund.booking_id, func.sum(Refund.amount_minor))
        .where(col(Refund.booking_id).in_(ids), col(Refund.status) != "failed").group_by(col(Refund.booking_id))
    ).all()) if ids else {}
    out: list[PaidForYouOut] = []
    for booking, payer, _tx in rows:
        assert booking.id is not None
        refunded = int(back.get(booking.id) or 0)
        status = "refunded" if refunded >= booking.price_minor else "partially_refunded" if refunded else "paid"
        out.append(PaidForYouOut(booking_id=booking.id, start=booking.start_at, payer_name=payer,
                                 amount_minor=booking.price_minor, currency=booking.currency,
                                 refunded_minor=refunded, status=status))
    return out


def _converted_line(session: Session, p: Payment) -> list[str]:
    """The amount in the payer's display currency, for reading ("≈ 25.76 GBP"), when it differs from
    the currency charged. At the platform's rates of the day the receipt is made: it informs and
    never restates what was charged (the Amount line above)."""
    payer = session.get(User, p.user_id)
    if payer is None:
        return []
    display = effective_display_currency(payer.display_currency, payer.timezone)
    if display == p.currency.upper():
        return []
    try:
        shown = convert_minor(p.amount_minor, p.currency, display, load_rates(session))
    except UnknownCurrency:
        return []
    return [f"In {display}:        ≈ {format_with_code(shown, display)} (TutorHub's exchange rates today; "
            "for information only, not the amount charged)"]


def receipt(session: Session, *, actor: UserOut | None, reference: Any) -> Receipt:
    """A plain-text receipt for a captured payment of the caller (404 otherwise)."""
    user = require_role(actor)
    p = _own_payment(session, user, reference)
    if p.succeeded_at is None or p.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        raise NotFound("There is no receipt for a payment that did not go through.")
    refunds = session.exec(select(Refund).where(Refund.payment_id == p.id).order_by(col(Refund.created_at))).all()
    lines = [
        "TutorHub — payment receipt",
        "",
        f"Receipt for:   {p.reference}",
        f"Paid on:       {p.succeeded_at.strftime('%Y-%m-%d %H:%M UTC')}",
        f"Description:   {p.description or p.purpose}",
        f"Purpose:       {p.purpose}" + (f" (lesson #{p.booking_id})" if p.booking_id else ""),
        f"Amount:        {format_with_code(p.amount_minor, p.currency)}",
        *_converted_line(session, p),
        f"Paid via:      {p.gateway}",
        f"Status:        {p.status}",
    ]
    for r in refunds:
        lines.append(f"Refund:        {format_with_code(r.amount_minor, r.currency)} on {r.created_at.strftime('%Y-%m-%d')} "
                     f"to {r.destination} ({r.status})")
    lines += ["", "Card details are handled by the payment provider and never stored by TutorHub."]
    return Receipt(filename=f"receipt-{p.reference}.txt", content_type="text/plain; charset=utf-8", body="\n".join(lines) + "\n")
