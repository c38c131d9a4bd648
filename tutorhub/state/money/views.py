"""Rows the money pages render, already formatted ("$25.50", "21 Nov 2026, 19:54 IST", "3 h 20 min"),
built from the money services' plain results.

Why `getattr` with defaults here: the services return small dataclasses / pydantic models whose
optional fields differ a little by purpose (a refund has no plan, a payout has no booking), and the
pages only ever need the formatted text. Nothing but what is shown reaches the browser: amounts,
labels, dates and our own payment references — never gateway ids, emails or other users' data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import reflex as rx

from tutorhub.services.billing.plan_options import PlanOption
from tutorhub.services.billing.plans import PriceOut
from tutorhub.services.currency import exponent, format_money
from tutorhub.services.errors import DomainError
from tutorhub.services.timefmt import format_local

if TYPE_CHECKING:
    from tutorhub.state.base import AppState

PAYMENT_STATUS = {
    "pending": ("Processing", "amber"),
    "succeeded": ("Paid", "green"),
    "failed": ("Failed", "red"),
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


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a service result, whether it is a dataclass, a pydantic model or a dict."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def amount_errors(errors: dict[str, str]) -> dict[str, str]:
    """A money service's field errors keyed the way the forms name their fields (amount_minor → amount)."""
    return {("amount" if k == "amount_minor" else k): v for k, v in errors.items()}


def iso(moment: Any) -> str:
    if isinstance(moment, datetime):
        return moment.isoformat()
    return moment if isinstance(moment, str) else ""


def when(moment: Any, zone: str) -> str:
    return format_local(iso(moment), zone) if moment else ""


def day(moment: Any, zone: str) -> str:
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


def money(minor: Any, currency: Any) -> str:
    return format_money(int(minor or 0), str(currency or "USD"))


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


def price_in(prices: list[PriceOut], currency: str) -> tuple[int, str]:
    """A plan's price in the given currency (else its first price)."""
    for p in prices:
        if p.currency == currency:
            return p.amount_minor, p.currency
    return (prices[0].amount_minor, prices[0].currency) if prices else (0, currency)


def plan_rows(options: list[PlanOption], currency: str) -> list[PlanRow]:
    """The plan cards: each plan priced in `currency` with the action the billing rule gave it
    (services/billing/plan_options.py decides upgrade vs downgrade, the same way change_plan does)."""
    rows = []
    for option in options:
        amount, cur = price_in(option.prices, currency)
        rows.append(PlanRow(code=option.code, name=option.name, minutes=minutes_text(option.minutes_per_cycle),
                            price=money(amount, cur), action=option.action))
    return rows


def payment_row(p: Any, zone: str) -> PaymentRow:
    status = str(get(p, "status", "") or "")
    label, color = PAYMENT_STATUS.get(status, (status.replace("_", " ").capitalize(), "gray"))
    purpose = str(get(p, "purpose", "") or "")
    what = str(get(p, "description", "") or "") or PURPOSE_LABELS.get(purpose, purpose.capitalize())
    currency = get(p, "currency", "USD")
    refunded_minor = int(get(p, "refunded_minor", 0) or 0)
    booking_id = get(p, "booking_id")
    is_refund = str(get(p, "kind", "payment")) == "refund"
    return PaymentRow(
        reference=str(get(p, "reference", "") or ""),
        what=("Refund · " + what) if is_refund and not what.lower().startswith("refund") else what,
        amount=("−" if is_refund else "") + money(get(p, "amount_minor", 0), currency),
        status_label=label,
        color=color,
        at=when(get(p, "created_at"), zone),
        refunded=f"{money(refunded_minor, currency)} refunded" if refunded_minor else "",
        is_refund=is_refund,
        receipt=status in ("succeeded", "refunded", "partially_refunded", "disputed") and not is_refund,
        href=f"/lessons/{booking_id}" if booking_id else "",
    )


REFUND_DESTINATIONS = {"wallet": "to your wallet", "original": "to your card / UPI", "gateway": "by your bank"}


def refund_row(r: Any, zone: str) -> PaymentRow:
    status = str(get(r, "status", "") or "")
    label, color = {"succeeded": ("Refunded", "green"), "pending": ("Processing", "amber")}.get(
        status, ("Failed", "red")
    )
    booking_id = get(r, "booking_id")
    where = REFUND_DESTINATIONS.get(str(get(r, "destination", "") or ""), "")
    reason = str(get(r, "reason", "") or "")
    return PaymentRow(
        reference=str(get(r, "payment_reference", "") or get(r, "reference", "") or ""),
        what=" ".join(x for x in ("Refund", where) if x) + (f" · {reason}" if reason else ""),
        amount=money(get(r, "amount_minor"), get(r, "currency")),
        status_label=label,
        color=color,
        at=when(get(r, "created_at"), zone),
        is_refund=True,
        href=f"/lessons/{booking_id}" if booking_id else "",
    )


def payout_row(p: Any, zone: str, *, with_tutor: bool = False) -> PayoutRow:
    status = str(get(p, "status", "") or "")
    label, color = PAYOUT_STATUS.get(status, (status.capitalize(), "gray"))
    return PayoutRow(
        id=int(get(p, "id", 0) or 0),
        reference=str(get(p, "reference", "") or ""),
        tutor=str(get(p, "tutor_name", "") or "") if with_tutor else "",
        amount=money(get(p, "amount_minor", 0), get(p, "currency", "USD")),
        status=status,
        status_label=label,
        color=color,
        at=when(get(p, "created_at"), zone),
        note=str(get(p, "note", "") or ""),
        open=status in ("requested", "approved"),
    )


def major(minor: Any, currency: str = "USD") -> float:
    """Minor units as a chart number (display only — amounts are never computed from it)."""
    return round(int(minor or 0) / (10 ** exponent(currency)), 2)


async def download_document(state: AppState, unit: Callable[..., Any], *, filename: str, mime_type: str) -> Any:
    """Read one of the viewer's own documents (receipt, statement) and hand it to the browser.

    The service behind `unit` refuses anybody else's document; its message becomes a toast. The
    defaults are used only where the service leaves a field empty.
    """
    try:
        document = await state._db(unit, read_only=True)
    except DomainError as exc:
        return rx.toast.error(exc.message)
    return rx.download(
        data=str(get(document, "body", "")),
        filename=str(get(document, "filename", filename)),
        mime_type=str(get(document, "content_type", mime_type)),
    )
