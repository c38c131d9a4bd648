"""What a student sees of their own payments: status of one (the return page), the paged list of
payments and refunds, and a plain-text receipt. Other users' references are 404."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.money import Payment, PaymentStatus, Refund
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


class PaymentHistory(BaseModel):
    payments: list[PaymentOut]
    refunds: list[RefundOut]
    total_payments: int
    page: int
    per_page: int


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
    refunds = session.exec(
        select(Refund, Payment.reference).join(Payment, col(Payment.id) == col(Refund.payment_id), isouter=True)
        .where(Refund.user_id == user.id).order_by(col(Refund.created_at).desc()).limit(200)
    ).all()
    return PaymentHistory(payments=[payment_out(p) for p in rows],
                          refunds=[refund_out(r, ref) for r, ref in refunds],
                          total_payments=int(total), page=page_n, per_page=size)


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
