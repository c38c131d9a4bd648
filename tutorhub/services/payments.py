"""Payments through a gateway: starting a hosted checkout and applying the gateway's events.

`apply_gateway_event` is called once per new webhook event id (services/webhooks.py), but the
same fact can still arrive more than once (two events about one refund) and in any order (a
refund or dispute before `payment.succeeded`). So every ledger posting here has a key derived
from the FACT (payment reference, refund id, dispute id), never from the event, and the
payment's status is recomputed from all facts seen so far (`_refresh_status`) — the final
ledger and status are the same for every permutation and any number of duplicates.

What a captured payment means depends on its purpose:
- topup → student wallet; booking → escrow + `bookings.mark_paid` (via booking_payments.py;
  a booking that can no longer be paid gets the money in the student's wallet instead);
- minute_pack / subscription / lead_credits → platform revenue, then CREDITS-PLANS'
  `credit_purchases.fulfil_payment` grants the units.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.db import lock_key
from tutorhub.integrations.payments import CheckoutRequest, EventKind, GatewayError, GatewayEvent, get_gateway
from tutorhub.models.money import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Refund,
)
from tutorhub.services import ledger
from tutorhub.services.auth import UserOut
from tutorhub.services.errors import DomainError, NotFound
from tutorhub.services.ledger import Line
from tutorhub.services.validation import clean_int, fail, fail_fields, validate_currency
from tutorhub.settings import get_settings

log = logging.getLogger(__name__)

MAX_AMOUNT_MINOR = 100_000_000  # 1,000,000.00 — far above any lesson or top-up
PURCHASES = (PaymentPurpose.MINUTE_PACK, PaymentPurpose.SUBSCRIPTION, PaymentPurpose.LEAD_CREDITS)


class PaymentUnavailable(DomainError):
    """The gateway refused or could not be reached (HTTP 502); nothing was charged."""

    status_code = 502


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


def new_reference(prefix: str = "pay") -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def clearing_account(gateway: str) -> str:
    return f"gateway:{gateway}:clearing"


def wallet_account(user_id: int) -> str:
    return f"student:{user_id}:wallet"


def payment_out(p: Payment) -> PaymentOut:
    assert p.id is not None
    public = {k: v for k, v in (p.extra or {}).items() if not k.startswith("_")}
    return PaymentOut(
        id=p.id, reference=p.reference, user_id=p.user_id, purpose=p.purpose, booking_id=p.booking_id,
        amount_minor=p.amount_minor, currency=p.currency, gateway=p.gateway, status=p.status,
        refunded_minor=p.refunded_minor, description=p.description, metadata=public, created_at=p.created_at,
        succeeded_at=p.succeeded_at,
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
    """One of the currencies TutorHub trades in (validation.CURRENCIES), upper-cased."""
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
    now: datetime,
) -> tuple[PaymentOut, str]:
    """Create a pending Payment and the gateway's hosted checkout; returns (payment, checkout_url)."""
    errors: dict[str, str] = {}
    if purpose not in PaymentPurpose.ALL:
        errors["purpose"] = "unknown purpose"
    amount, cur = clean_money(amount_minor, currency, errors)
    if errors:
        raise fail_fields(errors)
    assert amount is not None and cur is not None
    amount_minor, currency = amount, cur
    try:
        gateway = get_gateway(currency, session=session)
    except GatewayError as exc:
        raise PaymentUnavailable(str(exc)) from exc
    reference = new_reference()
    extra = dict(metadata or {})
    payment = Payment(
        reference=reference, user_id=user.id, purpose=purpose, booking_id=booking_id, amount_minor=amount_minor,
        currency=currency, gateway=gateway.name, description=description[:200], extra=extra, created_at=now, updated_at=now,
    )
    session.add(payment)
    session.flush()
    base = get_settings().public_url.rstrip("/")
    plan_code = extra.get("plan_code") if purpose == PaymentPurpose.SUBSCRIPTION else None
    try:
        checkout = gateway.create_checkout(
            CheckoutRequest(
                reference=reference, amount_minor=amount_minor, currency=currency, description=description[:200] or purpose,
                customer_email=user.email or "", success_url=f"{base}/pay/done?ref={reference}",
                cancel_url=f"{base}/pay/done?ref={reference}&cancelled=1",
                mode="subscription" if plan_code else "payment", plan_code=plan_code,
                metadata={"purpose": purpose, "booking_id": str(booking_id or ""), "user_id": str(user.id)},
            )
        )
    except GatewayError as exc:
        raise PaymentUnavailable(f"The payment provider refused the checkout: {exc}") from exc
    payment.gateway_ref = checkout.gateway_ref[:120]
    session.add(payment)
    session.flush()
    return payment_out(payment), checkout.checkout_url


# --- applying events ---------------------------------------------------------------------------


def _find_payment(session: Session, event: GatewayEvent) -> Payment | None:
    if event.reference:
        found = session.exec(select(Payment).where(Payment.reference == str(event.reference))).first()
        if found is not None:
            return found
    parent = getattr(event, "payment_gateway_ref", None) or ((event.data or {}).get("payment_gateway_ref"))
    for ref in (parent, event.gateway_ref if event.kind in (EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED) else None):
        if ref:
            found = session.exec(
                select(Payment).where(Payment.gateway == event.gateway, Payment.gateway_ref == str(ref))
            ).first()
            if found is not None:
                return found
    return None


def _lock_payment(session: Session, payment: Payment) -> Payment:
    """Serialize everything that happens to one payment (two events racing on PostgreSQL)."""
    lock_key(session, f"payment:{payment.reference}")
    session.refresh(payment)
    return payment


def _set_extra(payment: Payment, **changes: Any) -> None:
    extra = dict(payment.extra or {})
    extra.update(changes)
    payment.extra = extra  # a new dict, so the JSON column is written


def refunded_total(session: Session, payment_id: int) -> int:
    rows = session.exec(
        select(Refund.amount_minor).where(Refund.payment_id == payment_id, col(Refund.status).in_(["pending", "succeeded"]))
    ).all()
    return int(sum(rows))


def _refresh_status(session: Session, payment: Payment, now: datetime) -> None:
    assert payment.id is not None
    payment.refunded_minor = refunded_total(session, payment.id)
    disputes: dict[str, list[str]] = (payment.extra or {}).get("_disputes", {})
    disputed = any("won" not in seen for seen in disputes.values())
    if payment.succeeded_at is None:
        status = PaymentStatus.FAILED if (payment.extra or {}).get("_failed") else PaymentStatus.PENDING
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


def _capture(session: Session, payment: Payment, event: GatewayEvent, now: datetime) -> None:
    if payment.succeeded_at is not None:
        return
    payment.succeeded_at = event.occurred_at or now
    if event.gateway_ref:
        payment.gateway_ref = str(event.gateway_ref)[:120]
    amount = event.amount_minor if event.amount_minor > 0 else payment.amount_minor
    currency = (event.currency or payment.currency).upper()
    session.add(payment)
    session.flush()
    assert payment.id is not None
    common: dict[str, Any] = {"user_id": payment.user_id, "payment_id": payment.id, "now": now}
    clearing = clearing_account(payment.gateway)
    mismatch = amount != payment.amount_minor or currency != payment.currency
    _adopt_orphans(session, payment, now)
    if payment.purpose == PaymentPurpose.BOOKING and not mismatch:
        from tutorhub.services.booking_payments import fund_booking_from_payment

        if fund_booking_from_payment(session, payment, now=now):
            return
    if payment.purpose in PURCHASES and not mismatch:
        ledger.post(session, kind="purchase", idempotency_key=f"payment:{payment.reference}:captured",
                    lines=[Line(clearing, amount, currency), Line("platform:revenue", -amount, currency)],
                    memo=f"{payment.purpose} {payment.reference}", **common)
        _fulfil_purchase(session, payment, now)
        return
    kind = "topup" if payment.purpose == PaymentPurpose.TOPUP and not mismatch else "late_payment"
    if kind == "late_payment":
        _set_extra(payment, note="Credited to your wallet: this payment could not be applied to its purpose.")
    ledger.post(session, kind=kind, idempotency_key=f"payment:{payment.reference}:captured",
                lines=[Line(clearing, amount, currency), Line(wallet_account(payment.user_id), -amount, currency)],
                memo=f"{payment.purpose} {payment.reference}", **common)


def _fulfil_purchase(session: Session, payment: Payment, now: datetime) -> None:
    try:
        module = importlib.import_module("tutorhub.services.credit_purchases")
    except ImportError:
        log.warning("credit_purchases is not available; payment %s not fulfilled", payment.reference)
        return
    module.fulfil_payment(session, payment.id, now)


def _refund_event(session: Session, payment: Payment | None, event: GatewayEvent, now: datetime) -> None:
    refund_id = str((event.data or {}).get("refund_id") or event.gateway_ref or event.event_id)
    ours = None
    our_ref = (event.data or {}).get("refund_reference")
    if our_ref:
        ours = session.exec(select(Refund).where(Refund.reference == str(our_ref))).first()
    if ours is None:
        ours = session.exec(select(Refund).where(Refund.gateway_ref == refund_id)).first()
    if ours is not None:  # a refund we started: its ledger posting was made when we started it
        if ours.status != "succeeded":
            ours.status = "succeeded"
            ours.completed_at = now
            session.add(ours)
        return
    # Made at the provider outside TutorHub (e.g. the Stripe dashboard): the money left anyway.
    currency = (event.currency or (payment.currency if payment else "")).upper()
    if event.amount_minor <= 0 or not currency:
        return
    ledger.post(session, kind="external_refund", idempotency_key=f"extrefund:{event.gateway}:{refund_id}",
                lines=[Line("refunds", event.amount_minor, currency), Line(clearing_account(event.gateway), -event.amount_minor, currency)],
                memo=f"refund {refund_id} made at {event.gateway}{_orphan_tag(event, payment)}",
                user_id=payment.user_id if payment else None,
                payment_id=payment.id if payment else None, now=now)
    if payment is not None:
        reference = f"ext_{event.gateway}_{refund_id}"[:80]
        if session.exec(select(Refund.id).where(Refund.reference == reference)).first() is None:
            session.add(Refund(reference=reference, user_id=payment.user_id, payment_id=payment.id, booking_id=payment.booking_id,
                               amount_minor=event.amount_minor, currency=currency, destination="gateway", status="succeeded",
                               gateway_ref=refund_id[:120], reason="Refunded by the payment provider", created_at=now,
                               completed_at=now))
            session.flush()


def _orphan_tag(event: GatewayEvent, payment: Payment | None) -> str:
    """Marks a posting about a payment we could not identify yet (the provider told us only its
    own payment id, e.g. a Stripe refund before the capture event): `_adopt_orphans` links it
    once the capture names that id, so the payment's status ends the same in any order."""
    parent = getattr(event, "payment_gateway_ref", None) or (event.data or {}).get("payment_gateway_ref")
    return f" [for {event.gateway}:{parent}]" if payment is None and parent else ""


def _adopt_orphans(session: Session, payment: Payment, now: datetime) -> None:
    if not payment.gateway_ref:
        return
    tag = f"[for {payment.gateway}:{payment.gateway_ref}]"
    # Filter on the (rare) orphan kinds only: with `payment_id IS NULL` in the SQL the planners
    # walk the payment_id index over every unlinked transaction (all top-ups, payouts …) — measured
    # 46 ms of a 56 ms capture at 1,000,000 ledger entries; this way it is a kind-index lookup.
    candidates = session.exec(
        select(LedgerTransaction).where(
            col(LedgerTransaction.kind).in_(["external_refund", "dispute_opened", "dispute_won"]),
            col(LedgerTransaction.memo).endswith(tag),
        )
    ).all()
    for tx in (t for t in candidates if t.payment_id is None):
        key = tx.idempotency_key.split(":")
        if tx.kind == "external_refund" and len(key) >= 3:
            amount = session.exec(select(LedgerEntry.amount).join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
                                  .where(LedgerEntry.transaction_id == tx.id, LedgerAccount.code == "refunds")).first()
            reference = f"ext_{payment.gateway}_{':'.join(key[2:])}"[:80]
            if amount and session.exec(select(Refund.id).where(Refund.reference == reference)).first() is None:
                session.add(Refund(reference=reference, user_id=payment.user_id, payment_id=payment.id, booking_id=payment.booking_id,
                                   amount_minor=int(amount), currency=payment.currency, destination="gateway", status="succeeded",
                                   gateway_ref=":".join(key[2:])[:120], reason="Refunded by the payment provider",
                                   created_at=now, completed_at=now))
                session.flush()
        elif tx.kind.startswith("dispute_") and len(key) == 4:
            disputes = {k: list(v) for k, v in (payment.extra or {}).get("_disputes", {}).items()}
            seen = set(disputes.get(key[2], [])) | {key[3]}
            disputes[key[2]] = sorted(seen)
            _set_extra(payment, _disputes=disputes)


def _dispute_event(session: Session, payment: Payment | None, event: GatewayEvent, now: datetime) -> None:
    dispute_id = str((event.data or {}).get("dispute_id") or event.gateway_ref or event.reference or event.event_id)
    currency = (event.currency or (payment.currency if payment else "")).upper()
    amount = event.amount_minor if event.amount_minor > 0 else (payment.amount_minor if payment else 0)
    if amount <= 0 or not currency:
        return
    common: dict[str, Any] = {"user_id": payment.user_id if payment else None,
                              "payment_id": payment.id if payment else None, "now": now}
    clearing = clearing_account(event.gateway)
    # Every dispute event implies the dispute was opened (funds withdrawn): post that once.
    ledger.post(session, kind="dispute_opened", idempotency_key=f"dispute:{event.gateway}:{dispute_id}:opened",
                lines=[Line("platform:disputes", amount, currency), Line(clearing, -amount, currency)],
                memo=f"chargeback {dispute_id} opened{_orphan_tag(event, payment)}", **common)
    if event.kind == EventKind.DISPUTE_WON:
        ledger.post(session, kind="dispute_won", idempotency_key=f"dispute:{event.gateway}:{dispute_id}:won",
                    lines=[Line(clearing, amount, currency), Line("platform:disputes", -amount, currency)],
                    memo=f"chargeback {dispute_id} won{_orphan_tag(event, payment)}", **common)
    if payment is not None:
        disputes = {k: list(v) for k, v in (payment.extra or {}).get("_disputes", {}).items()}
        seen = set(disputes.get(dispute_id, []))
        seen.add(event.kind.value.split(".")[1])
        disputes[dispute_id] = sorted(seen)
        _set_extra(payment, _disputes=disputes)


def apply_gateway_event(session: Session, event: GatewayEvent, now: datetime) -> None:
    """Apply one verified gateway event; safe for duplicates and any order (see module doc)."""
    if event.kind in (EventKind.PAYOUT_PAID, EventKind.PAYOUT_FAILED):
        from tutorhub.services.payouts import apply_payout_event

        apply_payout_event(session, event, now=now)
        return
    if event.kind in (EventKind.SUBSCRIPTION_RENEWED, EventKind.SUBSCRIPTION_CANCELLED):
        _forward_subscription_event(session, event, now)
        return
    payment = _find_payment(session, event)
    if payment is not None:
        payment = _lock_payment(session, payment)
    if event.kind == EventKind.PAYMENT_SUCCEEDED:
        if payment is None:
            raise NotFound(f"No payment with reference {event.reference!r}.")
        _capture(session, payment, event, now)
    elif event.kind == EventKind.PAYMENT_FAILED:
        if payment is None:
            raise NotFound(f"No payment with reference {event.reference!r}.")
        if payment.succeeded_at is None:
            _set_extra(payment, _failed=True)
    elif event.kind == EventKind.REFUND_SUCCEEDED:
        _refund_event(session, payment, event, now)
    elif event.kind in (EventKind.DISPUTE_OPENED, EventKind.DISPUTE_WON, EventKind.DISPUTE_LOST):
        _dispute_event(session, payment, event, now)
    else:
        return
    if payment is not None:
        _refresh_status(session, payment, now)
        _take_back_purchase(session, payment, now)


def _take_back_purchase(session: Session, payment: Payment, now: datetime) -> None:
    """A refunded or charged-back pack / plan / lead-credit purchase: CREDITS-PLANS takes back the
    unspent share of what it granted (cumulative and idempotent, so calling it after every event
    about the payment — in whatever order they come — ends the same)."""
    if payment.purpose not in PURCHASES or payment.succeeded_at is None or payment.id is None:
        return
    disputes: dict[str, list[str]] = (payment.extra or {}).get("_disputes", {})
    lost = any("lost" in seen for seen in disputes.values())
    if payment.refunded_minor <= 0 and not lost:
        return
    try:
        module = importlib.import_module("tutorhub.services.credit_purchases")
    except ImportError:
        return
    module.on_purchase_refunded(session, payment.id, now, charged_back=lost)


def _forward_subscription_event(session: Session, event: GatewayEvent, now: datetime) -> None:
    """Subscription renewals/cancellations belong to CREDITS-PLANS (plans.py)."""
    for module_name, func in (("tutorhub.services.plans", "apply_subscription_event"),
                              ("tutorhub.services.credit_purchases", "apply_subscription_event")):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        handler = getattr(module, func, None)
        if handler is not None:
            handler(session, event, now=now)
            return
    log.info("subscription event %s not handled (no handler)", event.event_id)


from tutorhub.services.payment_history import (  # noqa: E402  (re-exported: callers think of "payments")
    PaymentHistory,
    Receipt,
    list_my_payments,
    payment_status,
    receipt,
)

__all__ = [
    "PaymentHistory",
    "PaymentOut",
    "Receipt",
    "RefundOut",
    "apply_gateway_event",
    "list_my_payments",
    "payment_status",
    "receipt",
    "start_gateway_payment",
]
