"""Payments through a gateway: starting a hosted checkout, and the payment state every money
flow shares (the per-payment lock, refunded total and status recomputed from the facts seen).

Applying the gateway's events (capture, refunds, disputes) lives in services/checkout/events.py;
the payer's history and receipts in payment_history.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.db import lock_key
from tutorhub.integrations.payments import (
    ChargeRequest,
    CheckoutRequest,
    GatewayError,
    SavedMethodCharges,
    get_gateway,
    get_gateway_by_name,
)
from tutorhub.models.money import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Refund,
)
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import DomainError
from tutorhub.services.money import promos
from tutorhub.services.validation import clean_int, fail, fail_fields, validate_currency
from tutorhub.settings import get_settings

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_AMOUNT_MINOR = 100_000_000  # 1,000,000.00 — far above any lesson or top-up
PURCHASES = (PaymentPurpose.MINUTE_PACK, PaymentPurpose.SUBSCRIPTION, PaymentPurpose.LEAD_CREDITS)
# How long a hosted checkout can be paid: Stripe accepts a session `expires_at` 30 minutes to 24
# hours ahead. A checkout holding a promo reservation ends exactly when the reservation lapses
# (`checkout_window`), so nothing can be paid on it after the code was given back.
CHECKOUT_MIN_WINDOW = timedelta(minutes=30)
CHECKOUT_MAX_WINDOW = timedelta(hours=24)
CHECKOUT_DEFAULT_WINDOW = timedelta(hours=1)


class PaymentUnavailable(DomainError):
    """The gateway refused or could not be reached (HTTP 502); nothing was charged."""

    status_code = 502


@dataclass(frozen=True)
class PromoHold:
    """A promo code to reserve for a gateway checkout: the discount quoted on `list_minor`, held
    until the payment succeeds or fails, or until `expires_at`."""

    code: str
    discount_minor: int
    list_minor: int
    expires_at: datetime


def checkout_window(now: datetime, wanted: datetime | None = None) -> datetime:
    """When a checkout started `now` ends: `wanted` (e.g. a lesson hold's end) kept within the
    provider's limits (30 minutes to 24 hours), else CHECKOUT_DEFAULT_WINDOW."""
    end = wanted if wanted is not None else now + CHECKOUT_DEFAULT_WINDOW
    return min(max(end, now + CHECKOUT_MIN_WINDOW), now + CHECKOUT_MAX_WINDOW)


class PaymentOut(BaseModel):
    id: int
    reference: str
    user_id: int
    purpose: str
    booking_id: int | None
    amount_minor: int
    currency: str
    gateway: str
    status: str
    refunded_minor: int
    description: str
    metadata: dict[str, Any]
    created_at: datetime
    succeeded_at: datetime | None
    expires_at: datetime | None = None  # a pending checkout can be paid until then


class RefundOut(BaseModel):
    reference: str
    payment_reference: str | None
    booking_id: int | None
    amount_minor: int
    currency: str
    destination: str
    status: str
    reason: str
    created_at: datetime
    refunded_to: str = ""  # who got it back when someone else paid (a guardian's name), else "" (you)


def new_reference(prefix: str = "pay") -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def clearing_account(gateway: str) -> str:
    return f"gateway:{gateway}:clearing"


def wallet_account(user_id: int) -> str:
    return f"student:{user_id}:wallet"


def escrow_account(booking_id: int) -> str:
    """What a booking's payment (money, or credit minutes) waits in until the lesson's outcome is final."""
    return f"escrow:booking:{booking_id}"


def payment_out(p: Payment) -> PaymentOut:
    assert p.id is not None
    public = {k: v for k, v in (p.extra or {}).items() if not k.startswith("_")}
    return PaymentOut(
        id=p.id, reference=p.reference, user_id=p.user_id, purpose=p.purpose, booking_id=p.booking_id,
        amount_minor=p.amount_minor, currency=p.currency, gateway=p.gateway, status=p.status,
        refunded_minor=p.refunded_minor, description=p.description, metadata=public, created_at=p.created_at,
        succeeded_at=p.succeeded_at, expires_at=p.expires_at,
    )


def refund_out(r: Refund, payment_reference: str | None) -> RefundOut:
    return RefundOut(
        reference=r.reference, payment_reference=payment_reference, booking_id=r.booking_id, amount_minor=r.amount_minor,
        currency=r.currency, destination=r.destination, status=r.status, reason=r.reason, created_at=r.created_at,
    )


def clean_amount(value: Any, field: str = "amount_minor") -> int:
    """A positive whole number of minor units (an int, or digits in a string); never a float, a
    bool, or a digit-like string int() cannot take (e.g. "²", 5,000 digits) — those are a 422."""
    if isinstance(value, float):
        raise fail(field, "must be a whole number of minor units")
    return clean_int(value, field, minimum=1, maximum=MAX_AMOUNT_MINOR)


def clean_currency(value: Any, field: str = "currency") -> str:
    """One of the currencies TutorHub trades in (currency.CURRENCIES), upper-cased."""
    return validate_currency(value, field)


def clean_money(amount_minor: Any, currency: Any, errors: dict[str, str], *, minimum: int = 1
                ) -> tuple[int | None, str | None]:
    """An amount and its currency checked together: each failure's message goes into `errors` (and
    that half comes back None), so a form reports a bad amount and a bad currency at once.
    `minimum` (minor units) is the smallest amount the caller accepts."""
    amount = cur = None
    try:
        amount = clean_amount(amount_minor)
        if amount < minimum:
            errors["amount_minor"] = f"must be at least {minimum}"
    except DomainError as exc:
        errors.update(exc.fields)
    try:
        cur = clean_currency(currency)
    except DomainError as exc:
        errors.update(exc.fields)
    return amount, cur


def _new_payment(
    session: Session, *, user: UserOut, purpose: str, amount_minor: Any, currency: Any, description: str,
    booking_id: int | None, metadata: dict[str, Any] | None, gateway: str, now: datetime,
) -> Payment:
    payment = Payment(
        reference=new_reference(), user_id=user.id, purpose=purpose, booking_id=booking_id, amount_minor=amount_minor,
        currency=currency, gateway=gateway, description=description[:200], extra=dict(metadata or {}), created_at=now,
        updated_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def _clean_payment(purpose: Any, amount_minor: Any, currency: Any) -> tuple[int, str]:
    errors: dict[str, str] = {}
    if purpose not in PaymentPurpose.ALL:
        errors["purpose"] = "unknown purpose"
    amount, cur = clean_money(amount_minor, currency, errors)
    if errors:
        raise fail_fields(errors)
    assert amount is not None and cur is not None
    return amount, cur


def start_gateway_payment(
    session: Session,
    *,
    user: UserOut,
    purpose: str,
    amount_minor: int,
    currency: str,
    description: str,
    booking_id: int | None = None,
    metadata: dict[str, Any] | None = None,
    promo: PromoHold | None = None,
    wanted_end: datetime | None = None,
    now: datetime,
) -> tuple[PaymentOut, str]:
    """Create a pending Payment and the gateway's hosted checkout; returns (payment, checkout_url).

    With `promo`, the code is reserved for this payment before the provider is asked (promos.py:
    "payment:{reference}"); a code that cannot be reserved (used, held by another open checkout,
    used up) is an InvalidInput and nothing is recorded. The checkout ends (`expires_at`, sent to
    the provider) exactly when the reservation lapses: `checkout_window(now, promo.expires_at)`;
    without one, at `checkout_window(now, wanted_end)` (e.g. a lesson hold's end)."""
    amount_minor, currency = _clean_payment(purpose, amount_minor, currency)
    expires_at = checkout_window(now, promo.expires_at if promo is not None else wanted_end)
    try:
        gateway = get_gateway(currency, session=session)
    except GatewayError as exc:
        raise PaymentUnavailable(str(exc)) from exc
    base = public_base_url()
    with session.begin_nested():  # a refused promo leaves no pending payment behind
        payment = _new_payment(session, user=user, purpose=purpose, amount_minor=amount_minor, currency=currency,
                               description=description, booking_id=booking_id, metadata=metadata, gateway=gateway.name,
                               now=now)
        payment.expires_at = expires_at
        if promo is not None:
            promos.reserve_promo(session, code=promo.code, user_id=user.id, amount_minor=promo.list_minor,
                                 currency=currency, ref=f"payment:{payment.reference}", discount_minor=promo.discount_minor,
                                 expires_at=expires_at, now=now)
    reference, extra = payment.reference, payment.extra or {}
    plan_code = extra.get("plan_code") if purpose == PaymentPurpose.SUBSCRIPTION else None
    try:
        checkout = gateway.create_checkout(
            CheckoutRequest(
                reference=reference, amount_minor=amount_minor, currency=currency, description=description[:200] or purpose,
                customer_email=user.email or "", success_url=f"{base}/pay/done?ref={reference}",
                cancel_url=f"{base}/pay/done?ref={reference}&cancelled=1",
                mode="subscription" if plan_code else "payment", plan_code=plan_code,
                metadata={"purpose": purpose, "booking_id": str(booking_id or ""), "user_id": str(user.id)},
                expires_at=expires_at,
            )
        )
    except GatewayError as exc:
        raise PaymentUnavailable(f"The payment provider refused the checkout: {exc}") from exc
    payment.gateway_ref = checkout.gateway_ref[:120]
    session.add(payment)
    session.flush()
    return payment_out(payment), checkout.checkout_url


def charge_saved_method(
    session: Session,
    *,
    user: UserOut,
    gateway: str,
    purpose: str,
    amount_minor: int,
    currency: str,
    description: str,
    metadata: dict[str, Any] | None = None,
    now: datetime,
) -> PaymentOut:
    """Charge the payer's saved payment method at `gateway` without them present (the sandbox's
    subscription renewals): a pending Payment, then the gateway's charge. What the money means is
    decided when the gateway's webhook is applied, exactly as for a hosted checkout (the caller
    delivers the sandbox's: services/checkout/renewals.py). PaymentUnavailable when the gateway is
    not configured or cannot charge a saved method (Stripe and Razorpay bill subscriptions
    themselves); nothing is recorded then."""
    amount_minor, currency = _clean_payment(purpose, amount_minor, currency)
    try:
        adapter = get_gateway_by_name(gateway, session=session)
    except GatewayError as exc:
        raise PaymentUnavailable(str(exc)) from exc
    if not isinstance(adapter, SavedMethodCharges):
        raise PaymentUnavailable(f"The {gateway} gateway cannot charge a saved payment method.")
    payment = _new_payment(session, user=user, purpose=purpose, amount_minor=amount_minor, currency=currency,
                           description=description, booking_id=None, metadata=metadata, gateway=adapter.name,
                           now=now)
    try:
        result = adapter.charge_saved_method(ChargeRequest(
            reference=payment.reference, amount_minor=amount_minor, currency=currency, description=description[:200],
            customer_email=user.email or "", requested_at=now, metadata={"purpose": purpose, "user_id": str(user.id)},
        ))
    except GatewayError as exc:
        raise PaymentUnavailable(f"The payment provider refused the charge: {exc}") from exc
    payment.gateway_ref = result.gateway_ref[:120]
    session.add(payment)
    session.flush()
    return payment_out(payment)


def public_base_url() -> str:
    """Where the payer's browser comes back to from a hosted checkout: TUTORHUB_PUBLIC_URL, never
    the address this request happened to reach. In production a loopback public URL (the default
    http://localhost:3000) would send every payer to their own machine: PaymentUnavailable, saying
    what to set, and no checkout is started."""
    settings = get_settings()
    base = settings.public_url.rstrip("/")
    if settings.is_production and (urlsplit(base).hostname or "").strip("[]") in LOOPBACK_HOSTS:
        raise PaymentUnavailable("Payments are not available: set TUTORHUB_PUBLIC_URL to the address people reach "
                                 "TutorHub at (it is a loopback address).")
    return base


def refund_target(payment: Payment) -> str:
    """What a refund of `payment` names at its provider. A Stripe subscription checkout captures
    through the subscription's first invoice, so the payment's gateway_ref is the subscription;
    the refund goes to that invoice (the adapter resolves its PaymentIntent)."""
    invoice = str((payment.extra or {}).get("_invoice_id") or "")
    if payment.purpose == PaymentPurpose.SUBSCRIPTION and invoice:
        return invoice
    return payment.gateway_ref


def lock_payment(session: Session, payment: Payment) -> Payment:
    """Serialize everything that happens to one payment (two events racing on PostgreSQL)."""
    lock_key(session, f"payment:{payment.reference}")
    session.refresh(payment)
    return payment


# Where a payment keeps the fingerprint of the card that paid it (checkout/events.py writes it, the
# SHARED_CARD fraud signal reads it); "_" keeps it out of the payer's view of the payment.
CARD_KEY = "_card_fingerprint"


def set_extra(payment: Payment, **changes: Any) -> None:
    extra = dict(payment.extra or {})
    extra.update(changes)
    payment.extra = extra  # a new dict, so the JSON column is written


def disputed_outstanding(session: Session, payment: Payment) -> int:
    """Chargeback money withdrawn for this payment and not (yet) won back (platform:disputes net),
    including postings made before the payment was identified (memo tag, see events._orphan_tag)."""
    assert payment.id is not None
    where = col(LedgerTransaction.payment_id) == payment.id
    if payment.gateway_ref:
        tag = f"[for {payment.gateway}:{payment.gateway_ref}]"
        where = where | (col(LedgerTransaction.payment_id).is_(None) & col(LedgerTransaction.memo).endswith(tag))
    total = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .where(LedgerAccount.code == "platform:disputes", LedgerEntry.unit == payment.currency, where)
    ).scalar_one()
    return max(0, int(total))


def refunded_total(session: Session, payment_id: int) -> int:
    rows = session.exec(
        select(Refund.amount_minor).where(Refund.payment_id == payment_id, col(Refund.status).in_(["requested", "sending", "pending", "succeeded"]))
    ).all()
    return int(sum(rows))


def refresh_status(session: Session, payment: Payment, now: datetime) -> None:
    """Recompute status and refunded_minor from every fact seen so far (capture, failure, refunds,
    disputes), so the result does not depend on the order the facts arrived in."""
    assert payment.id is not None
    payment.refunded_minor = refunded_total(session, payment.id)
    disputes: dict[str, list[str]] = (payment.extra or {}).get("_disputes", {})
    disputed = any("won" not in seen for seen in disputes.values())
    extra = payment.extra or {}
    if payment.succeeded_at is None:
        status = (PaymentStatus.CANCELLED if extra.get("_cancelled") else PaymentStatus.EXPIRED if extra.get("_expired")
                  else PaymentStatus.FAILED if extra.get("_failed") else PaymentStatus.PENDING)
    elif disputed:
        status = PaymentStatus.DISPUTED
    elif payment.refunded_minor >= payment.amount_minor:
        status = PaymentStatus.REFUNDED
    elif payment.refunded_minor > 0:
        status = PaymentStatus.PARTIALLY_REFUNDED
    else:
        status = PaymentStatus.SUCCEEDED
    if status != payment.status:
        payment.status = status
        payment.updated_at = now
    session.add(payment)
    session.flush()
