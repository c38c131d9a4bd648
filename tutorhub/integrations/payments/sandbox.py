"""The built-in sandbox gateway: no real money, same shape as a real provider.

Why it exists: the whole product (checkout, webhooks, refunds, payouts, reconciliation) must work
offline and in development with exactly the code paths production uses. Its "provider side" is
the `sandbox_charges` table; its checkout page is /pay/sandbox/{reference} in this app; its
webhooks are signed like Stripe's: header `TutorHub-Sandbox-Signature: t=<unix>,v1=<hex>` where
v1 = HMAC-SHA256(secret, f"{t}.{raw body}"), refused when older or newer than the tolerance
(5 minutes by default) so a captured delivery cannot be replayed later.

Refunds and payouts complete synchronously (RefundResult "succeeded", PayoutResult "paid");
the sandbox sends no webhook for them (the caller records the result it got back).

A saved "card" (`charge_saved_method`, the subscription renewals) succeeds, except for a payer whose
address has DECLINING_MARK before the "@" (e.g. "ana+decline@example.com"; like a provider's test
card that declines), whose charge is recorded FAILED and answered "failed". Either way the charge
is recorded and its result returned, nothing more. Like the hosted checkout page, the caller that
plays the provider (services/checkout/renewals.py) then delivers the signed `payment.succeeded`
webhook (`signed_sandbox_event`) to the app's webhook intake, in its own unit of work.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.payments.base import (
    ChargeRequest,
    ChargeResult,
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
from tutorhub.integrations.payments.sandbox_connect import SandboxConnectAccounts
from tutorhub.models.base import utcnow
from tutorhub.models.gateways import SandboxCharge, SandboxKind, SandboxStatus
from tutorhub.settings import get_settings

SIGNATURE_HEADER = "TutorHub-Sandbox-Signature"
DECLINING_MARK = "+decline"  # a payer address with it before the "@": the saved card declines
SANDBOX_EVENT_TYPES = {k.value for k in EventKind}


def sign_sandbox_payload(raw_body: bytes, *, secret: str, timestamp: int | None = None) -> str:
    """The signature header value for `raw_body` (used by the checkout page and by tests)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup (ASGI lower-cases names, tests and SDKs may not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify_timestamped_signature(
    raw_body: bytes, header: str | None, *, secret: str, tolerance: int, now: float | None = None
) -> None:
    """Check a `t=…,v1=…` header (several v1 entries allowed, as during secret rotation)."""
    if not header:
        raise WebhookSignatureError("missing signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureError("malformed signature header")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookSignatureError("timestamp outside the tolerance window")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookSignatureError("signature does not match the body")


def build_sandbox_event(
    charge: SandboxCharge, kind: EventKind, *, now: datetime, extra: Mapping[str, str] | None = None
) -> bytes:
    """The raw webhook body the sandbox 'provider' sends about one charge."""
    body = {
        "id": f"evt_sbx_{secrets.token_hex(12)}",
        "type": kind.value,
        "created": int(now.timestamp()),
        "data": {
            "reference": charge.reference,
            "gateway_ref": charge.gateway_ref,
            "amount_minor": charge.amount_minor,
            "currency": charge.currency,
            "mode": charge.mode,
            "plan_code": charge.plan_code,
            **(extra or {}),
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def signed_sandbox_event(
    charge: SandboxCharge, kind: EventKind, *, now: datetime, extra: Mapping[str, str] | None = None
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of one sandbox webhook delivery, signed with the configured secret."""
    body = build_sandbox_event(charge, kind, now=now, extra=extra)
    return body, {SIGNATURE_HEADER: sign_sandbox_payload(body, secret=get_settings().sandbox_webhook_secret)}


class SandboxGateway(SandboxConnectAccounts):
    name = "sandbox"

    def __init__(self, session: Session | None = None) -> None:
        self._session = session

    def _run(self, work: Any) -> Any:
        if self._session is not None:
            result = work(self._session)
            self._session.flush()
            return result
        with session_scope() as session:
            return work(session)

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        if request.amount_minor <= 0:
            raise GatewayError("amount must be positive")
        if len(request.currency) != 3 or not request.currency.isalpha():
            raise GatewayError("currency must be an ISO 4217 code")
        url = f"{get_settings().public_url}/pay/sandbox/{request.reference}"

        def work(session: Session) -> str:
            key = f"checkout:{request.reference}"
            existing = session.exec(select(SandboxCharge).where(SandboxCharge.idempotency_key == key)).first()
            if existing is not None:  # the same attempt asked twice: the same checkout
                return existing.gateway_ref
            charge = SandboxCharge(
                gateway_ref=f"sbx_ch_{secrets.token_hex(10)}",
                kind=SandboxKind.PAYMENT,
                reference=request.reference,
                idempotency_key=key,
                amount_minor=request.amount_minor,
                currency=request.currency.upper(),
                description=request.description[:200],
                customer_email=request.customer_email[:254],
                success_url=request.success_url[:500],
                cancel_url=request.cancel_url[:500],
                mode=request.mode,
                plan_code=request.plan_code,
            )
            session.add(charge)
            return charge.gateway_ref

        gateway_ref = self._run(work)
        return CheckoutSession(gateway=self.name, gateway_ref=gateway_ref, checkout_url=url)

    def charge_saved_method(self, request: ChargeRequest) -> ChargeResult:
        """Charge the saved sandbox "card": it succeeds unless the payer's address carries
        DECLINING_MARK (then "failed"). Only records the charge (in the caller's session when
        given); delivering its webhook is the caller's part."""
        if request.amount_minor <= 0:
            raise GatewayError("amount must be positive")
        declines = DECLINING_MARK in request.customer_email.lower().partition("@")[0]

        def work(session: Session) -> ChargeResult:
            charge = SandboxCharge(
                gateway_ref=f"sbx_ch_{secrets.token_hex(10)}", kind=SandboxKind.PAYMENT, reference=request.reference,
                idempotency_key=f"charge:{request.reference}", amount_minor=request.amount_minor,
                currency=request.currency.upper(), description=request.description[:200],
                customer_email=request.customer_email[:254],
                status=SandboxStatus.FAILED if declines else SandboxStatus.SUCCEEDED,
                completed_at=request.requested_at,
            )
            session.add(charge)
            return ChargeResult(gateway_ref=charge.gateway_ref, status=charge.status)

        result: ChargeResult = self._run(work)
        return result

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        settings = get_settings()
        verify_timestamped_signature(
            raw_body,
            header_value(headers, SIGNATURE_HEADER),
            secret=settings.sandbox_webhook_secret,
            tolerance=settings.webhook_tolerance_seconds,
        )
        return parse_sandbox_event(raw_body)

    def refund(self, *, gateway_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> RefundResult:
        def work(session: Session) -> RefundResult:
            key = f"refund:{idempotency_key}"
            done = session.exec(select(SandboxCharge).where(SandboxCharge.idempotency_key == key)).first()
            if done is not None:
                return RefundResult(gateway_ref=done.gateway_ref, status="succeeded")
            charge = session.exec(select(SandboxCharge).where(SandboxCharge.gateway_ref == gateway_ref)).first()
            if charge is None or charge.kind != SandboxKind.PAYMENT or charge.status != SandboxStatus.SUCCEEDED:
                raise GatewayRefused(f"no captured sandbox charge {gateway_ref!r}")
            if currency.upper() != charge.currency:
                raise GatewayRefused("refund currency differs from the charge's")
            refunded = sum(
                r.amount_minor
                for r in session.exec(
                    select(SandboxCharge).where(
                        SandboxCharge.kind == SandboxKind.REFUND, SandboxCharge.parent_ref == gateway_ref
                    )
                ).all()
            )
            if amount_minor <= 0 or refunded + amount_minor > charge.amount_minor:
                raise GatewayRefused("refund exceeds the captured amount")
            now = utcnow()
            row = SandboxCharge(
                gateway_ref=f"sbx_re_{secrets.token_hex(10)}",
                kind=SandboxKind.REFUND,
                reference=charge.reference,
                parent_ref=gateway_ref,
                idempotency_key=key,
                amount_minor=amount_minor,
                currency=charge.currency,
                status=SandboxStatus.SUCCEEDED,
                created_at=now,
                completed_at=now,
            )
            session.add(row)
            return RefundResult(gateway_ref=row.gateway_ref, status="succeeded")

        result: RefundResult = self._run(work)
        return result

    def payout(
        self, *, destination: str, amount_minor: int, currency: str, reference: str, idempotency_key: str
    ) -> PayoutResult:
        if amount_minor <= 0:
            raise GatewayRefused("payout amount must be positive")

        def work(session: Session) -> PayoutResult:
            key = f"payout:{idempotency_key}"
            done = session.exec(select(SandboxCharge).where(SandboxCharge.idempotency_key == key)).first()
            if done is not None:
                return PayoutResult(gateway_ref=done.gateway_ref, status="paid")
            now = utcnow()
            row = SandboxCharge(
                gateway_ref=f"sbx_po_{secrets.token_hex(10)}",
                kind=SandboxKind.PAYOUT,
                reference=reference,
                idempotency_key=key,
                amount_minor=amount_minor,
                currency=currency.upper(),
                destination=destination[:120],
                status=SandboxStatus.PAID,
                created_at=now,
                completed_at=now,
            )
            session.add(row)
            return PayoutResult(gateway_ref=row.gateway_ref, status="paid")

        result: PayoutResult = self._run(work)
        return result

    def find_refund(self, *, gateway_ref: str, idempotency_key: str) -> RefundResult | None:
        found = self._find(f"refund:{idempotency_key}")
        return RefundResult(gateway_ref=found, status="succeeded") if found else None

    def find_payout(self, *, reference: str, idempotency_key: str) -> PayoutResult | None:
        found = self._find(f"payout:{idempotency_key}")
        return PayoutResult(gateway_ref=found, status="paid") if found else None

    def _find(self, key: str) -> str | None:
        def work(session: Session) -> str | None:
            return session.exec(select(SandboxCharge.gateway_ref).where(SandboxCharge.idempotency_key == key)).first()

        found: str | None = self._run(work)
        return found

    def list_records(self, *, since: datetime, until: datetime) -> list[GatewayRecord]:
        def work(session: Session) -> list[GatewayRecord]:
            rows = session.exec(
                select(SandboxCharge)
                .where(
                    col(SandboxCharge.status).in_([SandboxStatus.SUCCEEDED, SandboxStatus.PAID]),
                    col(SandboxCharge.completed_at) >= since,
                    col(SandboxCharge.completed_at) < until,
                )
                .order_by(col(SandboxCharge.id))
            ).all()
            return [
                GatewayRecord(
                    gateway_ref=r.gateway_ref,
                    reference=r.reference,
                    kind=r.kind,
                    amount_minor=r.amount_minor,
                    currency=r.currency,
                    created_at=r.completed_at or r.created_at,
                )
                for r in rows
            ]

        records: list[GatewayRecord] = self._run(work)
        return records


def parse_sandbox_event(raw_body: bytes) -> GatewayEvent:
    """Normalize a (verified) sandbox body; a verified but malformed body is still refused."""
    try:
        body = json.loads(raw_body)
        data = body["data"]
        raw_type = str(body["type"])
        event_id = str(body["id"])
        amount = int(data["amount_minor"])
        currency = str(data["currency"]).upper()
        created = datetime.fromtimestamp(int(body["created"]), tz=UTC)
        if not isinstance(data, dict) or not -(2**63) < amount < 2**63:
            raise ValueError("data must be an object with a 64-bit amount")
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise WebhookSignatureError(f"malformed sandbox event: {exc.__class__.__name__}") from exc
    kind = EventKind(raw_type) if raw_type in SANDBOX_EVENT_TYPES else EventKind.IGNORED
    extra = {k: v for k, v in data.items() if k not in {"reference", "gateway_ref", "amount_minor", "currency"}}
    return GatewayEvent(
        gateway="sandbox",
        event_id=event_id[:120],
        kind=kind,
        raw_type=raw_type[:80],
        reference=data.get("reference"),
        gateway_ref=data.get("gateway_ref"),
        amount_minor=amount,
        currency=currency,
        occurred_at=created,
        data=extra,
    )
