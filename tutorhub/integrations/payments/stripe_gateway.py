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
from datetime import datetime
from functools import lru_cache
from typing import Any

import stripe

from tutorhub.integrations.payments.base import (
    GATEWAY_TIMEOUT_SECONDS,
    CheckoutRequest,
    CheckoutSession,
    GatewayError,
    GatewayEvent,
    GatewayRecord,
    GatewayRefused,
    PayoutResult,
    RefundResult,
    WebhookSignatureError,
)
from tutorhub.integrations.payments.sandbox import header_value
from tutorhub.integrations.payments.stripe_connect import StripeConnectAccounts
from tutorhub.integrations.payments.stripe_events import get_path, map_stripe_event, timestamp
from tutorhub.settings import get_settings


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str | None) -> stripe.StripeClient:
    """One client per key and base (building one costs milliseconds; webhooks must be acknowledged fast)."""
    bases: Any = {"api": api_base, "connect": api_base} if api_base else None
    return stripe.StripeClient(secret_key, base_addresses=bases, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=GATEWAY_TIMEOUT_SECONDS))


# Stripe's answers that refuse the request for good (4xx: bad request / not found, declined, not
# allowed); anything else (5xx, connection, timeout, rate limit, idempotency clash) is an unknown outcome.
_REFUSALS = (stripe.InvalidRequestError, stripe.CardError, stripe.PermissionError)


class StripeGateway(StripeConnectAccounts):
    name = "stripe"

    def __init__(self) -> None:
        settings = get_settings()
        if not settings.stripe_secret_key:
            raise GatewayError("TUTORHUB_STRIPE_SECRET_KEY is not set")
        self._client = _client(settings.stripe_secret_key, settings.stripe_api_base)
        self._webhook_secret = settings.stripe_webhook_secret
        # The Connect endpoint's secret too (tutors' account.updated), when it is set.
        self._secrets = [x for x in (settings.stripe_webhook_secret, settings.stripe_connect_webhook_secret) if x]
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
        if request.expires_at is not None:
            params["expires_at"] = int(request.expires_at.timestamp())
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

    def expire_checkout(self, *, checkout_ref: str) -> bool:
        """End an open Checkout Session now (the payer came back through the cancel URL), so nothing
        can be paid on it any more. True when it is expired (now or before); False when it cannot be
        expired because it was completed (paid, or paying by a delayed method)."""
        try:
            found = self._client.v1.checkout.sessions.retrieve(checkout_ref).to_dict()
            if found.get("status") == "expired":
                return True
            if found.get("status") == "complete":
                return False
            self._client.v1.checkout.sessions.expire(checkout_ref)
        except _REFUSALS as exc:
            raise GatewayRefused(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        return True

    def cancel_subscription_now(self, *, subscription_id: str, idempotency_key: str) -> None:
        """Cancel at once (not at period end) and void what is still open: the subscription's
        unpaid invoice must not be retried or collected after we ended the plan. A subscription
        Stripe already cancelled is fine (its invoices are voided all the same)."""
        try:
            current = self._client.v1.subscriptions.retrieve(subscription_id).to_dict()
            if current.get("status") != "canceled":
                self._client.v1.subscriptions.cancel(subscription_id, {"invoice_now": False, "prorate": False},
                                                     {"idempotency_key": idempotency_key})
            invoices = self._client.v1.invoices.list({"subscription": subscription_id, "status": "open", "limit": 100})
            for invoice in invoices.auto_paging_iter():
                self._client.v1.invoices.void_invoice(invoice.to_dict()["id"], {},
                                                       {"idempotency_key": f"{idempotency_key}:void:{invoice['id']}"})
        except _REFUSALS as exc:
            raise GatewayRefused(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc

    def invoice_payment_intent(self, *, invoice_id: str) -> str | None:
        """The PaymentIntent that paid an invoice (a refund names a PaymentIntent or a charge,
        never an invoice): the invoice's `payment_intent`, or on newer API versions its payments."""
        try:
            invoice = self._client.v1.invoices.retrieve(invoice_id, {"expand": ["payments"]}).to_dict()
        except _REFUSALS as exc:
            raise GatewayRefused(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        intent = invoice.get("payment_intent")
        if isinstance(intent, Mapping):
            intent = intent.get("id")
        if not intent:
            for item in get_path(invoice, "payments", "data") or []:
                intent = get_path(item, "payment", "payment_intent")
                if intent:
                    break
        return str(intent) if intent else None

    def subscription_latest_invoice(self, *, subscription_id: str) -> str | None:
        """The id of a subscription's latest invoice (its first, right after checkout)."""
        try:
            sub = self._client.v1.subscriptions.retrieve(subscription_id).to_dict()
        except _REFUSALS as exc:
            raise GatewayRefused(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        latest = sub.get("latest_invoice")
        if isinstance(latest, Mapping):
            latest = latest.get("id")
        return str(latest) if latest else None

    def _refundable(self, gateway_ref: str) -> str:
        """A refund names a PaymentIntent: an invoice (a subscription's payment) is resolved to the
        PaymentIntent that paid it; anything else is taken as a PaymentIntent id."""
        if not gateway_ref.startswith("in_"):
            return gateway_ref
        intent = self.invoice_payment_intent(invoice_id=gateway_ref)
        if not intent:
            raise GatewayRefused(f"Stripe: invoice {gateway_ref} has no payment to refund")
        return intent

    def refund(self, *, gateway_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> RefundResult:
        gateway_ref = self._refundable(gateway_ref)
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
        gateway_ref = self._refundable(gateway_ref)
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
            reference=get_path(obj.get("metadata"), "reference"),
            kind=kind,
            amount_minor=int(amount),
            currency=str(obj["currency"]).upper(),
            created_at=timestamp(obj.get("created")),
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
            for i, secret in enumerate(self._secrets):
                try:
                    stripe.Webhook.construct_event(raw_body, header_value(headers, "Stripe-Signature"), secret,
                                                   tolerance=self._tolerance)
                    break
                except stripe.SignatureVerificationError:
                    if i == len(self._secrets) - 1:
                        raise
            body = json.loads(raw_body)
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(str(exc).split(".")[0][:200]) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookSignatureError("body is not JSON") from exc
        try:
            return map_stripe_event(body)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as exc:
            raise WebhookSignatureError(f"malformed Stripe event: {exc.__class__.__name__}") from exc
