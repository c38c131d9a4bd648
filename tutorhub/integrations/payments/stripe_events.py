"""Stripe webhook events → our normalized `GatewayEvent` (the signature is verified by the
gateway in stripe_gateway.py before anything here runs).

Which Stripe events mean what: a completed Checkout Session is a capture only when it is paid
(delayed methods complete unpaid and send `async_payment_*` later); `payment_intent.payment_failed`
is ONE declined attempt on a session that stays open (PAYMENT_ATTEMPT_FAILED), its end is
`checkout.session.expired` / `async_payment_failed`; `charge.refunded` is ignored (it carries a
cumulative amount), each refund arrives as `refund.created` / `refund.updated`; a subscription's
first invoice is its checkout, later `invoice.paid` / `invoice.payment_failed` renew or make it past due.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tutorhub.integrations.payments.base import EventKind, GatewayEvent
from tutorhub.integrations.payments.stripe_connect import stripe_account_status


def get_path(obj: Mapping[str, Any] | None, *path: str) -> Any:
    cur: Any = obj
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def timestamp(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC) if isinstance(value, int) else datetime.now(UTC)


_SIMPLE = {
    "checkout.session.async_payment_succeeded": EventKind.PAYMENT_SUCCEEDED,
    "checkout.session.async_payment_failed": EventKind.PAYMENT_FAILED,
    "checkout.session.expired": EventKind.PAYMENT_FAILED,
    "payment_intent.succeeded": EventKind.PAYMENT_SUCCEEDED,
    # A declined card on a Checkout Session: the session stays open and the payer may try again
    # (its end comes as checkout.session.expired / async_payment_failed), so only one attempt failed.
    "payment_intent.payment_failed": EventKind.PAYMENT_ATTEMPT_FAILED,
    "charge.dispute.created": EventKind.DISPUTE_OPENED,
    "customer.subscription.deleted": EventKind.SUBSCRIPTION_CANCELLED,
    "transfer.created": EventKind.PAYOUT_PAID,
    "transfer.reversed": EventKind.PAYOUT_FAILED,
    "account.updated": EventKind.ACCOUNT_UPDATED,  # a tutor's Express account (a Connect event)
    # The charge carries the card's details (neither the Checkout Session nor, on current API
    # versions, the PaymentIntent does): its fingerprint is kept on the payment for fraud signals.
    "charge.succeeded": EventKind.PAYMENT_DETAILS,
}


def card_fingerprint(obj: Mapping[str, Any]) -> str | None:
    """The card's fingerprint (Stripe: the same card number → the same value on this account) from a
    charge, or from a PaymentIntent that embeds its charge (`latest_charge` expanded, or the
    `charges` list of API versions before 2022-11-15)."""
    charges: list[Any] = [obj, obj.get("latest_charge"), *(get_path(obj, "charges", "data") or [])]
    for charge in charges:
        found = get_path(charge, "payment_method_details", "card", "fingerprint")
        if isinstance(found, str) and found:
            return found[:120]
    return None


def _kind(raw_type: str, obj: Mapping[str, Any]) -> EventKind:
    if raw_type == "checkout.session.completed":
        # Delayed methods (bank debits) complete the session unpaid; their async_* event follows.
        paid = obj.get("payment_status") in {"paid", "no_payment_required"}
        return EventKind.PAYMENT_SUCCEEDED if paid else EventKind.IGNORED
    if raw_type in {"refund.created", "refund.updated"}:
        return EventKind.REFUND_SUCCEEDED if obj.get("status") == "succeeded" else EventKind.IGNORED
    if raw_type == "charge.dispute.closed":
        return {"won": EventKind.DISPUTE_WON, "lost": EventKind.DISPUTE_LOST}.get(str(obj.get("status")), EventKind.IGNORED)
    if raw_type in {"invoice.paid", "invoice.payment_failed"}:
        # The first invoice is the checkout itself (checkout.session.completed); later ones renew
        # (or fail to: the subscription goes past due while Stripe retries).
        first = obj.get("billing_reason") == "subscription_create"
        paid = raw_type == "invoice.paid"
        return EventKind.IGNORED if first else EventKind.SUBSCRIPTION_RENEWED if paid else EventKind.SUBSCRIPTION_PAYMENT_FAILED
    return _SIMPLE.get(raw_type, EventKind.IGNORED)


def map_stripe_event(body: Mapping[str, Any]) -> GatewayEvent:
    """A verified Stripe event → our normalized event."""
    raw_type = str(body["type"])
    obj: Mapping[str, Any] = body["data"]["object"]
    kind = _kind(raw_type, obj)
    metadata = obj.get("metadata") or {}
    reference = metadata.get("reference") or obj.get("client_reference_id")
    if raw_type in {"invoice.paid", "invoice.payment_failed"}:
        reference = reference or get_path(obj, "parent", "subscription_details", "metadata", "reference") or get_path(
            obj, "subscription_details", "metadata", "reference"
        )
    gateway_ref = obj.get("id")
    payment_ref = None
    amount = obj.get("amount")
    data: dict[str, Any] = {"object_id": obj.get("id")}
    if raw_type.startswith("checkout.session."):
        gateway_ref = obj.get("payment_intent") or obj.get("subscription") or obj.get("id")
        amount = obj.get("amount_total")
        data.update(session_id=obj.get("id"), subscription_id=obj.get("subscription"), customer_id=obj.get("customer"),
                    invoice_id=obj.get("invoice"))
        if raw_type == "checkout.session.expired":
            data["reason"] = "expired"
    elif raw_type.startswith("payment_intent."):
        amount = obj.get("amount_received") or obj.get("amount")
        if raw_type == "payment_intent.payment_failed":
            amount = 0
            data["decline"] = str(get_path(obj, "last_payment_error", "message") or "The card was declined.")[:200]
    elif raw_type == "charge.succeeded":
        # About the PaymentIntent (the payment's provider id once captured); no money moves here.
        gateway_ref = obj.get("payment_intent") or obj.get("id")
        payment_ref = obj.get("payment_intent")
        amount = 0
        data.update(charge_id=obj.get("id"))
    elif raw_type.startswith(("refund.", "charge.dispute.")):
        payment_ref = obj.get("payment_intent")
        data["payment_gateway_ref"] = payment_ref
        key = "refund_id" if raw_type.startswith("refund.") else "dispute_id"
        data.update({key: obj.get("id"), "charge_id": obj.get("charge"), "reason": obj.get("reason")})
        if raw_type.startswith("refund."):
            # our Refund.reference (set by `refund`): matches the refund even before its id is stored
            data["refund_reference"] = metadata.get("idempotency_key")
    elif raw_type in {"invoice.paid", "invoice.payment_failed"}:
        amount = obj.get("amount_paid") if raw_type == "invoice.paid" else 0  # nothing was captured on failure
        sub = obj.get("subscription") or get_path(obj, "parent", "subscription_details", "subscription")
        data.update(subscription_id=sub, invoice_id=obj.get("id"), billing_reason=obj.get("billing_reason"))
        if raw_type == "invoice.payment_failed":
            data.update(next_payment_attempt=obj.get("next_payment_attempt"), attempt_count=obj.get("attempt_count"))
    elif raw_type.startswith("customer.subscription."):
        data.update(subscription_id=obj.get("id"))
        amount = 0
    elif raw_type == "account.updated":
        status, detail = stripe_account_status(obj)
        amount = 0
        data.update(status=status, detail=detail)
    elif raw_type.startswith("transfer."):
        reference = reference or obj.get("transfer_group")
        data.update(destination=obj.get("destination"))
    if raw_type in {"charge.succeeded", "payment_intent.succeeded"}:
        data["card_fingerprint"] = card_fingerprint(obj)
    return GatewayEvent(
        gateway="stripe",
        event_id=str(body["id"])[:120],
        kind=kind,
        raw_type=raw_type[:80],
        reference=str(reference)[:64] if reference else None,
        gateway_ref=str(gateway_ref) if gateway_ref else None,
        amount_minor=int(amount or 0),
        currency=str(obj.get("currency") or "").upper()[:3],
        occurred_at=timestamp(body.get("created")),
        data={k: v for k, v in data.items() if v is not None},
        payment_gateway_ref=str(payment_ref) if payment_ref else None,
    )
