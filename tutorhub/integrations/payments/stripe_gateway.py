"""Stripe: Checkout Sessions (one-off and subscriptions), Billing plan changes with proration,
refunds, Connect transfers for payouts, and webhooks verified by the stripe library.

Why a `StripeClient` per gateway instead of the module-global `stripe.api_key`: the key and the
API base (TUTORHUB_STRIPE_API_BASE, a local stand-in in tests) stay per instance, and no other
code in the process is affected. Network retries are off: every mutating call carries an
idempotency key, and our own jobs retry.

Our `reference` travels as `metadata.reference` on the Checkout Session, its PaymentIntent or
Subscription, refunds and transfers, and comes back in their events. `charge.refunded` is ignored
(it carries a cumulative amount); each refund arrives as `refund.created` / `refund.updated`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stripe

from tutorhub.integrations.payments.base import (
    GATEWAY_TIMEOUT_SECONDS,
    CheckoutRequest,
    CheckoutSession,
    EventKind,
    GatewayError,
    GatewayEvent,
    GatewayRecord,
    GatewayRefused,
    PayoutResult,
    RefundResult,
    WebhookSignatureError,
)
from tutorhub.integrations.payments.sandbox import header_value
from tutorhub.settings import get_settings


def _get(obj: Mapping[str, Any] | None, *path: str) -> Any:
    cur: Any = obj
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _ts(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC) if isinstance(value, int) else datetime.now(UTC)


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str | None) -> stripe.StripeClient:
    """One client per key and base (building one costs milliseconds; webhooks must be acknowledged fast)."""
    bases: Any = {"api": api_base, "connect": api_base} if api_base else None
    return stripe.StripeClient(secret_key, base_addresses=bases, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=GATEWAY_TIMEOUT_SECONDS))


# Stripe's answers that refuse the request for good (4xx: bad request / not found, declined, not
# allowed); anything else (5xx, connection, timeout, rate limit, idempotency clash) is an unknown outcome.
_REFUSALS = (stripe.InvalidRequestError, stripe.CardError, stripe.PermissionError)


class StripeGateway:
    name = "stripe"

    def __init__(self) -> None:
        settings = get_settings()
        if not settings.stripe_secret_key:
            raise GatewayError("TUTORHUB_STRIPE_SECRET_KEY is not set")
        self._client = _client(settings.stripe_secret_key, settings.stripe_api_base)
        self._webhook_secret = settings.stripe_webhook_secret
        self._tolerance = settings.webhook_tolerance_seconds

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {**dict(request.metadata), "reference": request.reference}
        if request.plan_code:
            metadata["plan_code"] = request.plan_code
        price: dict[str, Any] = {
            "currency": request.currency.lower(),
            "unit_amount": request.amount_minor,
            "product_data": {"name": request.description[:200] or "TutorHub"},
        }
        params: dict[str, Any] = {
            "mode": request.mode,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "customer_email": request.customer_email,
            "metadata": metadata,
        }
        if request.mode == "subscription":
            price["recurring"] = {"interval": "month"}
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        params["line_items"] = [{"price_data": price, "quantity": 1}]
        session = self._call(
            self._client.v1.checkout.sessions.create, params, f"checkout:{request.reference}"
        )
        return CheckoutSession(gateway=self.name, gateway_ref=session["id"], checkout_url=session["url"])

    def change_subscription_plan(
        self, *, subscription_id: str, amount_minor: int, currency: str, plan_code: str, description: str,
        idempotency_key: str,
    ) -> str:
        """Move a subscription to another monthly price mid-cycle; Stripe prorates the difference
        (credit for the unused part of the old price, charge for the rest of the new one)."""
        subscription = self._call(
            lambda p, options: self._client.v1.subscriptions.retrieve(subscription_id, p, options), {}, None
        )
        item_id = subscription["items"]["data"][0]["id"]
        params = {
            "items": [
                {
                    "id": item_id,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": amount_minor,
                        "recurring": {"interval": "month"},
                        "product_data": {"name": description[:200] or plan_code},
                    },
                }
            ],
            "proration_behavior": "create_prorations",
            "metadata": {"plan_code": plan_code},
        }
        updated = self._call(
            lambda p, options: self._client.v1.subscriptions.update(subscription_id, p, options), params, idempotency_key
        )
        return str(updated["id"])

    def cancel_subscription_at_period_end(self, *, subscription_id: str, idempotency_key: str) -> None:
        """Cancel any time, effective at period end (the plan's credits stay usable until then)."""
        self._call(
            lambda p, options: self._client.v1.subscriptions.update(subscription_id, p, options),
            {"cancel_at_period_end": True},
            idempotency_key,
        )

    def refund(self, *, gateway_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> RefundResult:
        params = {"payment_intent": gateway_ref, "amount": amount_minor, "metadata": {"idempotency_key": idempotency_key}}
        refund = self._call(self._client.v1.refunds.create, params, f"refund:{idempotency_key}")
        return RefundResult(gateway_ref=refund["id"], status="succeeded" if refund["status"] == "succeeded" else "pending")

    def payout(
        self, *, destination: str, amount_minor: int, currency: str, reference: str, idempotency_key: str
    ) -> PayoutResult:
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "destination": destination,
            "transfer_group": reference,
            "metadata": {"reference": reference},
        }
        transfer = self._call(self._client.v1.transfers.create, params, f"payout:{idempotency_key}")
        return PayoutResult(gateway_ref=transfer["id"], status="paid")

    def find_refund(self, *, gateway_ref: str, idempotency_key: str) -> RefundResult | None:
        """Our refund of this PaymentIntent, if Stripe has it (metadata.idempotency_key). The
        Idempotency-Key header already makes a retry safe for 24 h; this also covers older intents."""
        try:
            for obj in self._client.v1.refunds.list({"payment_intent": gateway_ref, "limit": 100}).auto_paging_iter():
                refund = obj.to_dict()
                if (refund.get("metadata") or {}).get("idempotency_key") == idempotency_key:
                    return RefundResult(gateway_ref=refund["id"], status="succeeded" if refund["status"] == "succeeded" else "pending")
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc}") from exc
        return None

    def find_payout(self, *, reference: str, idempotency_key: str) -> PayoutResult | None:
        """Our transfer for this payout, if Stripe has it (transfer_group = our reference)."""
        try:
            for obj in self._client.v1.transfers.list({"transfer_group": reference, "limit": 10}).auto_paging_iter():
                return PayoutResult(gateway_ref=obj.to_dict()["id"], status="paid")
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc}") from exc
        return None

    def list_records(self, *, since: datetime, until: datetime) -> list[GatewayRecord]:
        window: Any = {"created": {"gte": int(since.timestamp()), "lt": int(until.timestamp())}, "limit": 100}
        records: list[GatewayRecord] = []
        try:
            for intent in self._client.v1.payment_intents.list(window).auto_paging_iter():
                pi = intent.to_dict()
                if pi["status"] == "succeeded":
                    records.append(self._record(pi, "payment", pi.get("amount_received") or pi["amount"]))
            for refund_obj in self._client.v1.refunds.list(window).auto_paging_iter():
                refund = refund_obj.to_dict()
                if refund["status"] == "succeeded":
                    records.append(self._record(refund, "refund", refund["amount"]))
            for transfer_obj in self._client.v1.transfers.list(window).auto_paging_iter():
                transfer = transfer_obj.to_dict()
                records.append(self._record(transfer, "payout", transfer["amount"]))
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        return records

    @staticmethod
    def _record(obj: Mapping[str, Any], kind: str, amount: int) -> GatewayRecord:
        return GatewayRecord(
            gateway_ref=obj["id"],
            reference=_get(obj.get("metadata"), "reference"),
            kind=kind,
            amount_minor=int(amount),
            currency=str(obj["currency"]).upper(),
            created_at=_ts(obj.get("created")),
        )

    def _call(self, method: Any, params: Any, idempotency_key: str | None) -> Any:
        options = {"idempotency_key": idempotency_key} if idempotency_key else {}
        try:
            return method(params, options)
        except _REFUSALS as exc:
            raise GatewayRefused(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        if not self._webhook_secret:
            raise WebhookSignatureError("TUTORHUB_STRIPE_WEBHOOK_SECRET is not set")
        try:
            stripe.Webhook.construct_event(
                raw_body, header_value(headers, "Stripe-Signature"), self._webhook_secret, tolerance=self._tolerance
            )
            body = json.loads(raw_body)
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(str(exc).split(".")[0][:200]) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookSignatureError("body is not JSON") from exc
        try:
            return map_stripe_event(body)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as exc:
            raise WebhookSignatureError(f"malformed Stripe event: {exc.__class__.__name__}") from exc


_SIMPLE = {
    "checkout.session.async_payment_succeeded": EventKind.PAYMENT_SUCCEEDED,
    "checkout.session.async_payment_failed": EventKind.PAYMENT_FAILED,
    "checkout.session.expired": EventKind.PAYMENT_FAILED,
    "payment_intent.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventKind.PAYMENT_FAILED,
    "charge.dispute.created": EventKind.DISPUTE_OPENED,
    "customer.subscription.deleted": EventKind.SUBSCRIPTION_CANCELLED,
    "transfer.created": EventKind.PAYOUT_PAID,
    "transfer.reversed": EventKind.PAYOUT_FAILED,
}


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
        reference = reference or _get(obj, "parent", "subscription_details", "metadata", "reference") or _get(
            obj, "subscription_details", "metadata", "reference"
        )
    gateway_ref = obj.get("id")
    payment_ref = None
    amount = obj.get("amount")
    data: dict[str, Any] = {"object_id": obj.get("id")}
    if raw_type.startswith("checkout.session."):
        gateway_ref = obj.get("payment_intent") or obj.get("subscription") or obj.get("id")
        amount = obj.get("amount_total")
        data.update(session_id=obj.get("id"), subscription_id=obj.get("subscription"), customer_id=obj.get("customer"))
    elif raw_type.startswith("payment_intent."):
        amount = obj.get("amount_received") or obj.get("amount")
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
        sub = obj.get("subscription") or _get(obj, "parent", "subscription_details", "subscription")
        data.update(subscription_id=sub, invoice_id=obj.get("id"), billing_reason=obj.get("billing_reason"))
        if raw_type == "invoice.payment_failed":
            data.update(next_payment_attempt=obj.get("next_payment_attempt"), attempt_count=obj.get("attempt_count"))
    elif raw_type.startswith("customer.subscription."):
        data.update(subscription_id=obj.get("id"))
        amount = 0
    elif raw_type.startswith("transfer."):
        reference = reference or obj.get("transfer_group")
        data.update(destination=obj.get("destination"))
    return GatewayEvent(
        gateway="stripe",
        event_id=str(body["id"])[:120],
        kind=kind,
        raw_type=raw_type[:80],
        reference=str(reference)[:64] if reference else None,
        gateway_ref=str(gateway_ref) if gateway_ref else None,
        amount_minor=int(amount or 0),
        currency=str(obj.get("currency") or "").upper()[:3],
        occurred_at=_ts(body.get("created")),
        data={k: v for k, v in data.items() if v is not None},
        payment_gateway_ref=str(payment_ref) if payment_ref else None,
    )
