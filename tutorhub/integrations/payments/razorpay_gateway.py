"""Razorpay (INR): Orders + Razorpay Checkout, checkout signature verification, webhooks verified
by the razorpay library, refunds, and Route transfers for payouts.

Checkout: `create_checkout` creates an Order (receipt = our reference; notes carry the reference
and where to send the payer afterwards) and returns our page
/api/v1/payments/razorpay/checkout/{order_id}, which opens Razorpay Checkout (checkout.js from
checkout.razorpay.com — needs internet in the payer's browser). Razorpay posts the result to
/api/v1/payments/razorpay/callback, verified with `utility.verify_payment_signature`.

Webhooks: `X-Razorpay-Signature` = HMAC-SHA256(webhook secret, raw body), verified with
`utility.verify_webhook_signature`. Razorpay signs no timestamp and its `X-Razorpay-Event-Id`
header is not covered by the signature, so (1) the event id we store is derived from signed
content — "{event}:{entity id}" — so a replayed body is always a duplicate, and the checkout
callback for the same payment ("payment.captured:{payment id}") dedups against the webhook; and
(2) events whose signed `created_at` is older than RAZORPAY_MAX_EVENT_AGE are refused as stale
(Razorpay retries failed deliveries for about 24 hours).

Idempotency: Razorpay's refund and transfer APIs take no idempotency header; the key goes in
`receipt` / `notes`, and callers must not retry a refund/payout whose outcome is unknown before
asking `find_refund` / `find_payout` (services/money/gateway_intents.py keeps that state: its
refund and payout intents).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import razorpay
import razorpay.errors
import requests

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
from tutorhub.integrations.payments.razorpay_route import RazorpayRouteAccounts, route_status
from tutorhub.integrations.payments.sandbox import header_value
from tutorhub.settings import get_settings

RAZORPAY_MAX_EVENT_AGE = timedelta(hours=48)

_KINDS = {
    "payment.captured": EventKind.PAYMENT_SUCCEEDED,
    "order.paid": EventKind.PAYMENT_SUCCEEDED,
    # One attempt on the order failed; Razorpay Checkout lets the payer retry on the same order.
    "payment.failed": EventKind.PAYMENT_ATTEMPT_FAILED,
    "refund.processed": EventKind.REFUND_SUCCEEDED,
    "payment.dispute.created": EventKind.DISPUTE_OPENED,
    "payment.dispute.won": EventKind.DISPUTE_WON,
    "payment.dispute.lost": EventKind.DISPUTE_LOST,
    "subscription.charged": EventKind.SUBSCRIPTION_RENEWED,
    "subscription.cancelled": EventKind.SUBSCRIPTION_CANCELLED,
    # A renewal charge failed (Razorpay retries it); "halted" after its retries failed: it is over.
    "subscription.pending": EventKind.SUBSCRIPTION_PAYMENT_FAILED,
    "subscription.halted": EventKind.SUBSCRIPTION_CANCELLED,
    "transfer.processed": EventKind.PAYOUT_PAID,
    "transfer.failed": EventKind.PAYOUT_FAILED,
    "payout.processed": EventKind.PAYOUT_PAID,
    "payout.failed": EventKind.PAYOUT_FAILED,
    # A tutor's linked account's Route product changed (razorpay_route.py: its status rule).
    "product.route.activated": EventKind.ACCOUNT_UPDATED,
    "product.route.needs_clarification": EventKind.ACCOUNT_UPDATED,
    "product.route.under_review": EventKind.ACCOUNT_UPDATED,
}
# Which payload entity an event is about (the others in the payload are context).
_REPEATING = {"subscription.pending", "subscription.halted"}
_ENTITY = {"order.paid": "payment", "subscription.charged": "payment"}


def _entity(payload: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = payload.get(name) or {}
    entity = value.get("entity") if isinstance(value, Mapping) else None
    return entity if isinstance(entity, Mapping) else {}


class _TimeoutSession(requests.Session):
    """The SDK's HTTP session with a timeout on every request (the SDK sets none: a hung call would
    otherwise outlive the refund / payout intent's claim)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", GATEWAY_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


@lru_cache(maxsize=4)
def _client(key_id: str, key_secret: str, api_base: str | None) -> razorpay.Client:
    """One client (and HTTP session, with its timeout) per key and base, reused across requests."""
    options = {"base_url": api_base} if api_base else {}
    return razorpay.Client(session=_TimeoutSession(), auth=(key_id, key_secret), **options)


class RazorpayGateway(RazorpayRouteAccounts):
    name = "razorpay"

    def __init__(self) -> None:
        settings = get_settings()
        if not (settings.razorpay_key_id and settings.razorpay_key_secret):
            raise GatewayError("TUTORHUB_RAZORPAY_KEY_ID / TUTORHUB_RAZORPAY_KEY_SECRET are not set")
        self.key_id = settings.razorpay_key_id
        self._client = _client(settings.razorpay_key_id, settings.razorpay_key_secret, settings.razorpay_api_base)
        self._webhook_secret = settings.razorpay_webhook_secret
        self._public_url = settings.public_url

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except razorpay.errors.BadRequestError as exc:  # Razorpay answered BAD_REQUEST_ERROR: refused
            raise GatewayRefused(f"Razorpay: {exc}") from exc
        except (razorpay.errors.GatewayError, razorpay.errors.ServerError) as exc:  # 5xx / bank side: unknown
            raise GatewayError(f"Razorpay: {exc}") from exc
        except Exception as exc:  # requests' connection errors and the SDK's JSON decoding
            raise GatewayError(f"Razorpay unreachable: {exc.__class__.__name__}") from exc

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        if request.currency.upper() != "INR":
            raise GatewayError("Razorpay handles INR payments here")
        notes = {
            "reference": request.reference,
            "description": request.description[:200],
            "success_url": request.success_url[:250],
            "cancel_url": request.cancel_url[:250],
            "email": request.customer_email[:250],
        }
        if request.plan_code:
            notes["plan_code"] = request.plan_code
        order = self._call(
            self._client.order.create,
            {"amount": request.amount_minor, "currency": "INR", "receipt": request.reference[:40], "notes": notes},
        )
        url = f"{self._public_url}/api/v1/payments/razorpay/checkout/{order['id']}"
        return CheckoutSession(gateway=self.name, gateway_ref=order["id"], checkout_url=url)

    def fetch_order(self, order_id: str) -> Mapping[str, Any]:
        order: Mapping[str, Any] = self._call(self._client.order.fetch, order_id)
        return order

    def verify_checkout(self, *, order_id: str, payment_id: str, signature: str, now: datetime) -> GatewayEvent:
        """The checkout callback: HMAC(key secret, "order|payment"), then the order tells us the reference."""
        try:
            self._client.utility.verify_payment_signature(
                {"razorpay_order_id": order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature}
            )
        except razorpay.errors.SignatureVerificationError as exc:
            raise WebhookSignatureError("checkout signature does not match") from exc
        order = self.fetch_order(order_id)
        data = {"order_id": order_id}
        # The callback and the payment.captured webhook share one event id, so when the callback
        # wins the webhook's card details are never applied: read them from the payment now.
        # Best effort — the capture must not wait on it failing.
        try:
            paid: Mapping[str, Any] = self._call(self._client.payment.fetch, payment_id)
        except GatewayError:
            paid = {}
        fingerprint = card_fingerprint(paid) if paid.get("order_id") == order_id else None
        if fingerprint:
            data["card_fingerprint"] = fingerprint
        return GatewayEvent(
            gateway=self.name,
            event_id=f"payment.captured:{payment_id}"[:120],
            kind=EventKind.PAYMENT_SUCCEEDED,
            raw_type="checkout.callback",
            reference=(order.get("notes") or {}).get("reference") or order.get("receipt"),
            gateway_ref=payment_id,
            amount_minor=int(order.get("amount_paid") or order.get("amount") or 0),
            currency=str(order.get("currency") or "INR").upper(),
            occurred_at=now,
            data=data,
        )

    def refund(self, *, gateway_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> RefundResult:
        refund = self._call(
            self._client.payment.refund,
            gateway_ref,
            {"amount": amount_minor, "receipt": idempotency_key[:40], "notes": {"idempotency_key": idempotency_key}},
        )
        status = "succeeded" if refund.get("status") == "processed" else "pending"
        return RefundResult(gateway_ref=refund["id"], status=status)

    def payout(
        self, *, destination: str, amount_minor: int, currency: str, reference: str, idempotency_key: str
    ) -> PayoutResult:
        """Route: a transfer from our balance to the tutor's linked account (acc_…)."""
        transfer = self._call(
            self._client.transfer.create,
            {
                "account": destination,
                "amount": amount_minor,
                "currency": currency.upper(),
                "notes": {"reference": reference, "idempotency_key": idempotency_key},
            },
        )
        status = "paid" if transfer.get("status") == "processed" else "pending"
        return PayoutResult(gateway_ref=transfer["id"], status=status)

    def find_refund(self, *, gateway_ref: str, idempotency_key: str) -> RefundResult | None:
        """Our refund of this payment, if Razorpay has it (matched by notes.idempotency_key / receipt)."""
        found = self._call(self._client.payment.fetch_multiple_refund, gateway_ref, {"count": 100})
        for item in found.get("items") or []:
            notes = item.get("notes") or {}
            if (isinstance(notes, Mapping) and notes.get("idempotency_key") == idempotency_key) or \
                    item.get("receipt") == idempotency_key[:40]:
                return RefundResult(gateway_ref=item["id"], status="succeeded" if item.get("status") == "processed" else "pending")
        return None

    def find_payout(self, *, reference: str, idempotency_key: str) -> PayoutResult | None:
        """Our transfer for this payout, if Razorpay has it (matched by notes; recent transfers)."""
        found = self._call(self._client.transfer.all, {"count": 100})
        for item in found.get("items") or []:
            notes = item.get("notes") or {}
            if isinstance(notes, Mapping) and (notes.get("idempotency_key") == idempotency_key or notes.get("reference") == reference):
                return PayoutResult(gateway_ref=item["id"], status="paid" if item.get("status") == "processed" else "pending")
        return None

    def list_records(self, *, since: datetime, until: datetime) -> list[GatewayRecord]:
        window = {"from": int(since.timestamp()), "to": int(until.timestamp()) - 1, "count": 100}
        records: list[GatewayRecord] = []
        for kind, fn, ok in (
            ("payment", self._client.payment.all, {"captured"}),
            ("refund", self._client.refund.all, {"processed"}),
            ("payout", self._client.transfer.all, {"processed"}),
        ):
            skip = 0
            while True:
                page = self._call(fn, {**window, "skip": skip})
                items = page.get("items") or []
                for item in items:
                    if item.get("status") in ok:
                        notes = item.get("notes") or {}
                        records.append(
                            GatewayRecord(
                                gateway_ref=item["id"],
                                reference=notes.get("reference") if isinstance(notes, Mapping) else None,
                                kind=kind,
                                amount_minor=int(item["amount"]),
                                currency=str(item.get("currency") or "INR").upper(),
                                created_at=datetime.fromtimestamp(int(item.get("created_at") or 0), tz=UTC),
                            )
                        )
                if len(items) < 100:
                    break
                skip += 100
        return records

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        signature = header_value(headers, "X-Razorpay-Signature")
        if not signature:
            raise WebhookSignatureError("missing X-Razorpay-Signature header")
        if not self._webhook_secret:
            raise WebhookSignatureError("TUTORHUB_RAZORPAY_WEBHOOK_SECRET is not set")
        try:
            text = raw_body.decode("utf-8")
            self._client.utility.verify_webhook_signature(text, signature, self._webhook_secret)
            body = json.loads(text)
        except razorpay.errors.SignatureVerificationError as exc:
            raise WebhookSignatureError("signature does not match the body") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookSignatureError("body is not JSON") from exc
        try:
            event = map_razorpay_event(body)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as exc:
            raise WebhookSignatureError(f"malformed Razorpay event: {exc.__class__.__name__}") from exc
        if time.time() - event.occurred_at.timestamp() > RAZORPAY_MAX_EVENT_AGE.total_seconds():
            raise WebhookSignatureError("event is older than the accepted age (stale)")
        return event


def card_fingerprint(payment: Mapping[str, Any]) -> str | None:
    """A stand-in for a card fingerprint from a Razorpay payment entity, which carries none: its
    `card_id` is new for every payment and a `token_id` belongs to one Razorpay customer, so neither
    matches the same card across our accounts (the global one, PAR, is an on-demand API Razorpay
    enables per merchant). What the entity does describe — network, issuer, type, the last four
    digits, domestic or not — is hashed into "rzp_…": the same card always gives the same value; two
    different cards give it only when all of those agree, so a SHARED_CARD flag from Razorpay says
    "probably" and an admin checks the payments. None for a payment not made by card."""
    card = payment.get("card")
    if payment.get("method") != "card" or not isinstance(card, Mapping) or not card.get("last4"):
        return None
    parts = [str(card.get(k) or "").strip().lower() for k in ("network", "issuer", "type", "last4", "international")]
    return "rzp_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def map_razorpay_event(body: Mapping[str, Any]) -> GatewayEvent:
    """A verified Razorpay event → our normalized event."""
    raw_type = str(body["event"])
    payload = body["payload"]
    if raw_type.startswith("product.route."):
        return _account_event(body, raw_type, _entity(payload, "merchant_product"))
    subject = _ENTITY.get(raw_type) or raw_type.split(".")[0]
    if raw_type.startswith("payment.dispute."):
        subject = "dispute"
    entity = _entity(payload, subject)
    payment = _entity(payload, "payment")
    order = _entity(payload, "order")
    notes = entity.get("notes") or payment.get("notes") or order.get("notes") or {}
    reference = (notes.get("reference") if isinstance(notes, Mapping) else None) or order.get("receipt")
    entity_id = str(entity.get("id") or "")
    if not entity_id:
        raise ValueError("event without an entity id")
    payment_ref = None
    if subject in {"refund", "dispute"}:
        payment_ref = entity.get("payment_id") or payment.get("id")
    data: dict[str, Any] = {k: v for k, v in {
        "order_id": entity.get("order_id") or order.get("id"),
        "refund_id": entity_id if subject == "refund" else None,
        # our Refund.reference (set by `refund`): matches the refund even before its id is stored
        "refund_reference": notes.get("idempotency_key") if subject == "refund" and isinstance(notes, Mapping) else None,
        "dispute_id": entity_id if subject == "dispute" else None,
        "subscription_id": _entity(payload, "subscription").get("id"),
        "error": entity.get("error_description"),
        "next_payment_attempt": entity.get("charge_at") if raw_type == "subscription.pending" else None,
        "payment_gateway_ref": payment_ref,
        "card_fingerprint": card_fingerprint(payment) if raw_type in {"payment.captured", "order.paid"} else None,
    }.items() if v}
    return GatewayEvent(
        gateway="razorpay",
        # A subscription fails (goes pending) once per failed cycle: its id alone would repeat.
        event_id=(f"{raw_type}:{entity_id}:{body['created_at']}" if raw_type in _REPEATING else f"{raw_type}:{entity_id}")[:120],
        kind=_KINDS.get(raw_type, EventKind.IGNORED),
        raw_type=raw_type[:80],
        reference=str(reference)[:64] if reference else None,
        gateway_ref=entity_id,
        amount_minor=int(entity.get("amount") or 0),
        currency=str(entity.get("currency") or "INR").upper()[:3],
        occurred_at=datetime.fromtimestamp(int(body["created_at"]), tz=UTC),
        data=data,
        payment_gateway_ref=str(payment_ref) if payment_ref else None,
    )


def _account_event(body: Mapping[str, Any], raw_type: str, product: Mapping[str, Any]) -> GatewayEvent:
    """product.route.*: the Route product of a linked account changed; `gateway_ref` is the account."""
    account = str(product.get("merchant_id") or body.get("account_id") or "")
    if not account:
        raise ValueError("a Route product event without its account")
    status, detail = route_status(product)
    return GatewayEvent(
        gateway="razorpay", event_id=f"{raw_type}:{product.get('id')}:{body['created_at']}"[:120],
        kind=EventKind.ACCOUNT_UPDATED, raw_type=raw_type[:80], reference=None, gateway_ref=account, amount_minor=0,
        currency="INR", occurred_at=datetime.fromtimestamp(int(body["created_at"]), tz=UTC),
        data={"status": status, "detail": detail},
    )
