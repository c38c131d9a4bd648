"""Rows the money pages render, already formatted ("$25.50", "21 Nov 2026, 19:54 IST", "3 h 20 min"),
built from the money services' typed results (the builders name the service types, so mypy checks
every field they read). Nothing but what is shown reaches the browser: amounts, labels, dates and
our own payment references — never gateway ids, emails or other users' data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.billing.plan_options import PlanOption
from tutorhub.services.billing.plans import PriceOut
from tutorhub.services.checkout.disputes import DecisionQuoteOut, DisputeCaseOut
from tutorhub.services.currency import (
    Rates,
    UnknownCurrency,
    charged_text,
    convert_minor,
    exponent,
    format_money,
)
from tutorhub.services.errors import DomainError
from tutorhub.services.money.earnings import Statement
from tutorhub.services.money.payment_history import PaidForYouOut, Receipt
from tutorhub.services.money.payments import PaymentOut, RefundOut
from tutorhub.services.money.payouts import PayoutOut
from tutorhub.services.timefmt import format_local
from tutorhub.state.lesson_views import lesson_row

if TYPE_CHECKING:
    from tutorhub.state.base import AppState

PAYMENT_STATUS = {
    "pending": ("Processing", "amber"),
    "succeeded": ("Paid", "green"),
    "failed": ("Failed", "red"),
    "cancelled": ("Cancelled", "gray"),
    "expired": ("Expired", "gray"),
    "refunded": ("Refunded", "gray"),
    "partially_refunded": ("Partly refunded", "blue"),
    "disputed": ("Disputed", "orange"),
}
PURPOSE_LABELS = {
    "booking": "Lesson",
    "topup": "Wallet top-up",
    "minute_pack": "Minute pack",
    "subscription": "Subscription",
    "lead_credits": "Lead credits",
}
PAYOUT_STATUS = {
    "requested": ("Requested", "amber"),
    "approved": ("Approved", "blue"),
    "rejected": ("Rejected", "red"),
    "paid": ("Paid", "green"),
    "failed": ("Failed", "red"),
}


def amount_errors(errors: dict[str, str]) -> dict[str, str]:
    """A money service's field errors keyed the way the forms name their fields (amount_minor → amount)."""
    return {("amount" if k == "amount_minor" else k): v for k, v in errors.items()}


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def when(moment: datetime | None, zone: str) -> str:
    return format_local(iso(moment), zone) if moment else ""


def day(moment: datetime | None, zone: str) -> str:
    """'21 Nov 2026' in the viewer's zone (credit expiry: the day matters, not the minute)."""
    text = format_local(iso(moment), zone, with_zone=False)
    return text.split(",")[0] if text else ""


def minutes_text(minutes: int) -> str:
    """190 → '3 h 10 min'; 60 → '1 h'; 45 → '45 min'; 0 → '0 min'."""
    minutes = int(minutes or 0)
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else ""
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"


def money(minor: int, currency: str) -> str:
    return format_money(minor, currency or "USD")


@dataclasses.dataclass
class AmountRow:
    label: str = ""
    amount: str = ""
    currency: str = ""


@dataclasses.dataclass
class LotRow:
    minutes: str = ""
    expires: str = ""
    source: str = ""


@dataclasses.dataclass
class PaymentRow:
    reference: str = ""
    what: str = ""
    amount: str = ""
    status_label: str = ""
    color: str = "gray"
    at: str = ""
    refunded: str = ""  # "" or "$5 refunded"
    is_refund: bool = False
    receipt: bool = False
    href: str = ""  # the lesson paid for, if any


@dataclasses.dataclass
class PayoutRow:
    id: int = 0
    reference: str = ""
    tutor: str = ""  # admins only (the tutor's display name)
    amount: str = ""
    status: str = ""
    status_label: str = ""
    color: str = "gray"
    at: str = ""
    note: str = ""
    open: bool = False
    destination: str = ""  # admins only: the tutor's payout account id ("" without one)
    destination_label: str = ""  # admins only: "Verified" / "Pending" / "Restricted" / "No payout account"
    destination_color: str = "gray"


def chart_point(*, label: str, a: float = 0.0, b: float = 0.0, c: float = 0.0) -> dict[str, Any]:
    """One bar group of a chart: numbers in major units (recharts needs numbers, not text)."""
    return {"label": label, "a": a, "b": b, "c": c}


@dataclasses.dataclass
class PackRow:
    code: str = ""
    name: str = ""
    minutes: str = ""
    price: str = ""
    validity: str = ""


@dataclasses.dataclass
class PlanRow:
    code: str = ""
    name: str = ""
    minutes: str = ""
    price: str = ""
    action: str = "subscribe"  # subscribe | upgrade | downgrade | current | next | unavailable
    currency: str = ""  # what subscribing to it charges in


def price_in(prices: list[PriceOut], *currencies: str) -> tuple[int, str]:
    """A plan's price in the first of `currencies` it has (else its first price)."""
    for currency in currencies:
        for p in prices:
            if p.currency == currency:
                return p.amount_minor, p.currency
    return (prices[0].amount_minor, prices[0].currency) if prices else (0, currencies[0] if currencies else "USD")


def charged(minor: int, currency: str, display: str, rates: Rates | None) -> str:
    """What is charged, with ≈ the viewer's display currency beside it when it differs."""
    if rates is None or not display or display == currency:
        return money(minor, currency)
    try:
        return charged_text(minor, currency, display, convert_minor(minor, currency, display, rates))
    except UnknownCurrency:
        return money(minor, currency)


def plan_rows(options: list[PlanOption], currency: str, display: str = "", rates: Rates | None = None,
              fallback: str = "") -> list[PlanRow]:
    """The plan cards with the action the billing rule gave each (services/billing/plan_options.py
    decides upgrade vs downgrade, the same way change_plan does). Each is priced in `currency` (a
    subscription's currency) when given, else in the viewer's display currency when the plan has a
    price in it, else in `fallback` (the wallet's currency), else its first price — `PlanRow.currency` is what subscribing charges."""
    rows = []
    for option in options:
        amount, cur = price_in(option.prices, currency) if currency else price_in(option.prices, display, fallback)
        rows.append(PlanRow(code=option.code, name=option.name, minutes=minutes_text(option.minutes_per_cycle),
                            price=charged(amount, cur, display, rates), action=option.action, currency=cur))
    return rows


def payment_row(p: PaymentOut, zone: str, display: str = "", rates: Rates | None = None) -> PaymentRow:
    """One payment of the list; its amount is what was charged, with ≈ the viewer's display
    currency beside it when that differs ("$34 (≈ €31.28)", at today's rates, for reading)."""
    label, color = PAYMENT_STATUS.get(p.status, (p.status.replace("_", " ").capitalize(), "gray"))
    return PaymentRow(
        reference=p.reference,
        what=p.description or PURPOSE_LABELS.get(p.purpose, p.purpose.capitalize()),
        amount=charged(p.amount_minor, p.currency, display, rates),
        status_label=label,
        color=color,
        at=when(p.created_at, zone),
        refunded=f"{money(p.refunded_minor, p.currency)} refunded" if p.refunded_minor else "",
        receipt=p.status in ("succeeded", "refunded", "partially_refunded", "disputed"),
        href=f"/lessons/{p.booking_id}" if p.booking_id else "",
    )


REFUND_DESTINATIONS = {"wallet": "to your wallet", "original": "to your card / UPI", "gateway": "by your bank"}


def refund_row(r: RefundOut, zone: str, display: str = "", rates: Rates | None = None) -> PaymentRow:
    label, color = {"succeeded": ("Refunded", "green"), "pending": ("Processing", "amber")}.get(
        r.status, ("Failed", "red")
    )
    where = f"to {r.refunded_to}" if r.refunded_to else REFUND_DESTINATIONS.get(r.destination, "")
    return PaymentRow(
        reference=r.payment_reference or r.reference,
        what=" ".join(x for x in ("Refund", where) if x) + (f" · {r.reason}" if r.reason else ""),
        amount=charged(r.amount_minor, r.currency, display, rates),
        status_label=label,
        color=color,
        at=when(r.created_at, zone),
        is_refund=True,
        href=f"/lessons/{r.booking_id}" if r.booking_id else "",
    )


PAID_FOR_YOU_STATUS = {"paid": ("Paid", "green"), "partially_refunded": ("Partly refunded", "amber"),
                       "refunded": ("Refunded", "gray")}


def paid_for_you_row(x: PaidForYouOut, zone: str) -> PaymentRow:
    """A lesson of the viewer's that their guardian paid for (and any refund, which went to them)."""
    label, color = PAID_FOR_YOU_STATUS.get(x.status, ("Paid", "green"))
    return PaymentRow(
        reference=f"lesson #{x.booking_id}",
        what=f"Lesson · paid by {x.payer_name}",
        amount=money(x.amount_minor, x.currency),
        status_label=label,
        color=color,
        at=when(x.start, zone),
        refunded=f"{money(x.refunded_minor, x.currency)} refunded to {x.payer_name}" if x.refunded_minor else "",
        href=f"/lessons/{x.booking_id}",
    )


def payout_row(p: PayoutOut, zone: str, *, with_tutor: bool = False) -> PayoutRow:
    label, color = PAYOUT_STATUS.get(p.status, (p.status.capitalize(), "gray"))
    return PayoutRow(
        id=p.id,
        reference=p.reference,
        tutor=p.tutor_name if with_tutor else "",
        amount=money(p.amount_minor, p.currency),
        status=p.status,
        status_label=label,
        color=color,
        at=when(p.created_at, zone),
        note=p.note,
        open=p.status in ("requested", "approved"),
        **(_destination(p) if with_tutor else {}),
    )


DESTINATION_STATUS = {"verified": ("Verified", "green"), "pending": ("Pending", "amber"),
                      "restricted": ("Restricted", "red"), "none": ("No payout account", "red")}


def _destination(p: PayoutOut) -> dict[str, str]:
    label, color = DESTINATION_STATUS.get(p.destination_status, (p.destination_status, "gray"))
    if p.gateway == "manual":
        label, color = "Paid by hand", "gray"
    return {"destination": p.destination, "destination_label": label, "destination_color": color}


def major(minor: int, currency: str = "USD") -> float:
    """Minor units as a chart number (display only — amounts are never computed from it)."""
    return round(minor / (10 ** exponent(currency)), 2)


async def download_document(
    state: AppState, unit: Callable[[Session, UserOut | None], Receipt | Statement]
) -> Any:
    """Read one of the viewer's own documents (receipt, statement) and hand it to the browser under
    the name and type the service gave it. The service behind `unit` refuses anybody else's
    document; its message becomes a toast."""
    try:
        document = await state._db(unit, read_only=True)
    except DomainError as exc:
        return rx.toast.error(exc.message)
    return rx.download(data=document.body, filename=document.filename, mime_type=document.content_type)


@dataclasses.dataclass
class DisputeRow:
    id: int = 0
    href: str = ""
    title: str = ""
    when: str = ""
    with_whom: str = ""
    price: str = ""
    reason: str = ""
    ran: str = ""  # "Booked 60 min · ran 2 min (17:58–18:00)"
    short: bool = False  # ran clearly shorter than booked (or never started / ended in the app)
    video: str = ""  # who was in the lesson's video room and when (services/rooms/presence.room_evidence)


def clock(moment: datetime, zone: str) -> str:
    """'18:02' in the viewer's zone."""
    return moment.astimezone(ZoneInfo(zone or "UTC")).strftime("%H:%M")


def _length_text(case: DisputeCaseOut, zone: str) -> tuple[str, bool]:
    booked = f"Booked {minutes_text(case.booked_min)}"
    if case.started_at is None:
        return f"{booked} · never started in TutorHub", True
    if case.ended_at is None or case.actual_min is None:
        return f"{booked} · started {clock(case.started_at, zone)}, never ended in TutorHub", True
    ran = minutes_text(case.actual_min) if case.actual_min else "under a minute"
    return (f"{booked} · ran {ran} ({clock(case.started_at, zone)}–{clock(case.ended_at, zone)})",
            case.actual_min < case.booked_min - 5)


def dispute_row(case: DisputeCaseOut, zone: str = "UTC") -> DisputeRow:
    """A disputed lesson as the admin sees it: the reason the disputing party gave and how long
    the lesson really ran."""
    b = case.lesson
    row = lesson_row(b)
    length, short = _length_text(case, zone)
    return DisputeRow(id=b.id, href=f"/lessons/{b.id}", title=row.title, when=row.when, with_whom=row.with_whom,
                      price=row.price, reason=case.reason, ran=length, short=short)


def decision_text(quote: DecisionQuoteOut) -> tuple[str, str]:
    """The confirmation's title and body: how much goes to whom."""
    refund = format_money(quote.refund_minor, quote.currency)
    share = format_money(quote.tutor_minor, quote.currency)
    back = [refund] if quote.refund_minor else []
    if quote.refund_minutes:
        back.append(minutes_text(quote.refund_minutes) + " of lesson credits")
    to_student = " and ".join(back) or "nothing"
    if quote.refund_percent == 100:
        title = f"Refund {to_student} to {quote.student_name}?"
    elif quote.refund_percent == 0:
        title = f"Release the lesson's money to {quote.tutor_name}?"
    else:
        title = f"Refund {quote.refund_percent}% ({to_student}) to {quote.student_name}?"
    body = (f"{quote.student_name} (student) gets back {to_student}; {quote.tutor_name} (tutor) receives {share} "
            f"after the {quote.commission_percent}% commission. The money moves at once and cannot be undone here.")
    return title, body
