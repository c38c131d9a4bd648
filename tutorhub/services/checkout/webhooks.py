"""Webhook ingestion: verify, store once, apply once.

Why this order: the signature is checked over the exact raw bytes (re-serialized JSON would not
verify, on purpose); the event id is then inserted under UNIQUE(gateway, event_id) in a savepoint,
so a second delivery — sequential or concurrent (the loser of the insert race gets an
IntegrityError) — is acknowledged without applying anything; only the winner's stored row is
ever applied through `events.apply_gateway_event`.

Two ways to apply:
- `apply=True` (the sandbox checkout, the Razorpay callback): stored and applied in the caller's
  transaction — they commit together or not at all.
- `apply=False` (the HTTP webhook endpoints): the event is stored "pending" and committed, the
  provider gets its 200 at once (providers time out and retry slow endpoints), and the endpoint
  applies it right after the response (`apply_stored_event`, which locks the row). If the process
  dies in between, the `apply_pending_webhooks` job applies what is left (every minute, events
  pending for over 30 s). The normalized event is stored with the row, so applying later needs no
  re-verification.

Outcomes:
- bad signature / stale timestamp / malformed body → `WebhookSignatureError` (the API answers 400),
  logged with the reason; nothing stored or applied.
- a verified event of a kind we do not act on (EventKind.IGNORED) → stored as "ignored".
- the payments service refusing the event (a DomainError, e.g. an unknown reference) → stored as
  "failed" with the message: retrying would not help; admins see it.
- anything else (e.g. the database down) propagates: with `apply=True` nothing is stored and the
  provider retries; a deferred apply stays pending for the job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.integrations.payments import GATEWAY_NAMES, get_gateway_by_name
from tutorhub.integrations.payments.base import EventKind, GatewayError, GatewayEvent, WebhookSignatureError
from tutorhub.integrations.payments.sandbox import signed_sandbox_event
from tutorhub.models.gateways import SandboxCharge, WebhookEvent, WebhookOutcome
from tutorhub.services.checkout.events import apply_gateway_event
from tutorhub.services.errors import DomainError, NotFound

log = logging.getLogger("tutorhub.webhooks")

@dataclass(frozen=True)
class WebhookReceipt:
    gateway: str
    event_id: str
    kind: str
    duplicate: bool  # True: this event id was already received; nothing was applied now
    outcome: str  # WebhookOutcome value ("pending" when stored for a deferred apply)
    row_id: int | None = None  # the stored WebhookEvent (for `apply_stored_event`)


def _verifier(session: Session, gateway_name: str):  # type: ignore[no-untyped-def]
    if gateway_name not in GATEWAY_NAMES:
        raise NotFound("No such payment gateway.")
    try:
        return get_gateway_by_name(gateway_name, session=session)
    except GatewayError as exc:
        raise NotFound(f"The {gateway_name} gateway is not configured here.") from exc


def receive_webhook(
    session: Session, gateway_name: str, raw_body: bytes, headers: Mapping[str, str], now: datetime,
    *, apply: bool = True,
) -> WebhookReceipt:
    """Verify and store one delivery, and apply it now (`apply=True`) or leave it pending for
    `apply_stored_event` (the HTTP endpoint: it acknowledges first, applies right after the
    response, and the sweeper job retries anything left pending). Safe for any number and order
    of deliveries."""
    gateway = _verifier(session, gateway_name)
    try:
        event = gateway.verify_webhook(raw_body, headers)
    except WebhookSignatureError as exc:
        log.warning("webhook refused: gateway=%s bytes=%d reason=%s", gateway_name, len(raw_body), exc)
        raise
    return ingest_event(session, event, raw_body=raw_body, now=now, apply=apply)


def deliver_sandbox_event(
    session: Session, charge: SandboxCharge, kind: EventKind, *, now: datetime, extra: Mapping[str, str] | None = None,
) -> WebhookReceipt:
    """The sandbox "provider" sends its signed webhook about `charge` (the hosted checkout page's
    buttons, the renewal job): built and signed like the provider's, then received exactly as
    POST /api/v1/webhooks/sandbox would, applied in the caller's transaction."""
    body, headers = signed_sandbox_event(charge, kind, now=now, extra=extra)
    return receive_webhook(session, "sandbox", body, headers, now)


def _event_json(event: GatewayEvent) -> str:
    return json.dumps({
        "gateway": event.gateway, "event_id": event.event_id, "kind": event.kind.value, "raw_type": event.raw_type,
        "reference": event.reference, "gateway_ref": event.gateway_ref, "amount_minor": event.amount_minor,
        "currency": event.currency, "occurred_at": event.occurred_at.isoformat(), "data": dict(event.data),
        "payment_gateway_ref": event.payment_gateway_ref,
    }, default=str)


def _event_from_json(text: str) -> GatewayEvent:
    d = json.loads(text)
    return GatewayEvent(
        gateway=d["gateway"], event_id=d["event_id"], kind=EventKind(d["kind"]), raw_type=d["raw_type"],
        reference=d["reference"], gateway_ref=d["gateway_ref"], amount_minor=int(d["amount_minor"]),
        currency=d["currency"], occurred_at=datetime.fromisoformat(d["occurred_at"]), data=d.get("data") or {},
        payment_gateway_ref=d.get("payment_gateway_ref"),
    )


def ingest_event(
    session: Session, event: GatewayEvent, *, raw_body: bytes, now: datetime, apply: bool = True
) -> WebhookReceipt:
    """Store a VERIFIED event once and apply it once (also used by the Razorpay checkout callback,
    whose event id matches the webhook's, so whichever arrives second is a duplicate)."""
    gateway_name = event.gateway
    existing = session.exec(
        select(WebhookEvent).where(WebhookEvent.gateway == gateway_name, WebhookEvent.event_id == event.event_id)
    ).first()
    if existing is not None:
        return WebhookReceipt(gateway_name, event.event_id, event.kind.value, True, existing.outcome, existing.id)
    row = WebhookEvent(
        gateway=gateway_name,
        event_id=event.event_id,
        kind=event.kind.value,
        raw_type=event.raw_type[:80],
        reference=(event.reference or None) and str(event.reference)[:64],
        gateway_ref=(event.gateway_ref or None) and str(event.gateway_ref)[:120],
        amount_minor=event.amount_minor,
        currency=event.currency[:3],
        payload=raw_body.decode("utf-8", errors="replace"),
        event_json=_event_json(event),
        received_at=now,
    )
    if event.kind == EventKind.IGNORED:
        row.outcome, row.processed_at = WebhookOutcome.IGNORED, now
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # A concurrent delivery of the same event id committed first (PostgreSQL waits on the
        # unique index, then fails here): that delivery applies it, this one only acknowledges.
        log.info("webhook duplicate (race): gateway=%s event=%s", gateway_name, event.event_id)
        return WebhookReceipt(gateway_name, event.event_id, event.kind.value, True, WebhookOutcome.PENDING)
    if apply and row.outcome == WebhookOutcome.PENDING:
        _apply_row(session, row, event, now)
    return WebhookReceipt(gateway_name, event.event_id, event.kind.value, False, row.outcome, row.id)


def _apply_row(session: Session, row: WebhookEvent, event: GatewayEvent, now: datetime) -> None:
    try:
        with session.begin_nested():
            apply_gateway_event(session, event, now=now)
        row.outcome = WebhookOutcome.APPLIED
    except DomainError as exc:
        row.outcome = WebhookOutcome.FAILED
        row.error = exc.message[:500]
        log.warning("webhook not applied: gateway=%s event=%s reason=%s", row.gateway, row.event_id, exc.message)
    row.processed_at = now
    session.add(row)
    session.flush()


def apply_stored_event(session: Session, row_id: int, *, now: datetime) -> str:
    """Apply a stored, still pending event (after the acknowledgement, or from the sweeper).
    The row is locked first, so the after-response task and the sweeper never both apply it."""
    row = session.exec(select(WebhookEvent).where(WebhookEvent.id == row_id).with_for_update()).first()
    if row is None:
        return "missing"
    if row.outcome != WebhookOutcome.PENDING:
        return row.outcome
    _apply_row(session, row, _event_from_json(row.event_json), now)
    return row.outcome


def pending_event_ids(session: Session, *, older_than: datetime, limit: int = 200) -> list[int]:
    """Events acknowledged but not applied (the process died, or payments were unavailable)."""
    rows = session.exec(
        select(WebhookEvent.id).where(WebhookEvent.outcome == WebhookOutcome.PENDING,
                                      col(WebhookEvent.received_at) < older_than)
        .order_by(col(WebhookEvent.id)).limit(limit)
    ).all()
    return [int(r) for r in rows if r is not None]
