"""Payment gateway bookkeeping: received webhook events, the sandbox gateway's own records, and
the daily reconciliation reports.

Why these tables:
- `webhook_events`: UNIQUE(gateway, event_id) is the real guard that an event is applied once,
  however many times (or how concurrently) the provider delivers it. Refused deliveries (bad
  signature) are not stored here — they have no trustworthy id; they are logged instead.
- `sandbox_charges`: the sandbox gateway's "provider side" (payments, refunds, payouts), so the
  sandbox can be reconciled against the ledger exactly like a real provider.
- `reconciliation_reports` / `reconciliation_items`: one report per gateway and day, one item per
  difference found, kept for admins.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class WebhookOutcome:
    PENDING = "pending"  # stored, not yet applied (or the apply failed and rolled back)
    APPLIED = "applied"
    IGNORED = "ignored"  # verified but nothing to do (EventKind.IGNORED)
    FAILED = "failed"  # apply raised; the error is kept for admins


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("gateway", "event_id", name="uq_webhook_events_gateway_event"),
        Index("ix_webhook_events_received", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    gateway: str = Field(max_length=16)
    event_id: str = Field(max_length=120)
    kind: str = Field(max_length=32)  # EventKind value
    raw_type: str = Field(default="", max_length=80)
    reference: str | None = Field(default=None, max_length=64, index=True)
    # Indexed: a capture looks up the card details its provider sent first (checkout/events.py).
    gateway_ref: str | None = Field(default=None, max_length=120, index=True)
    amount_minor: int = Field(default=0, sa_type=BigInteger)
    currency: str = Field(default="", max_length=3)
    payload: str = Field(sa_type=Text)  # the raw body as received (utf-8), for audits
    event_json: str = Field(default="", sa_type=Text)  # the verified, normalized GatewayEvent (applied from this)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    outcome: str = Field(default=WebhookOutcome.PENDING, max_length=16)
    error: str = Field(default="", max_length=500)


class SandboxKind:
    PAYMENT = "payment"
    REFUND = "refund"
    PAYOUT = "payout"


class SandboxStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABANDONED = "abandoned"
    PAID = "paid"


class SandboxCharge(SQLModel, table=True):
    """One sandbox-side money movement (kind payment / refund / payout)."""

    __tablename__ = "sandbox_charges"
    __table_args__ = (
        UniqueConstraint("gateway_ref", name="uq_sandbox_charges_gateway_ref"),
        UniqueConstraint("idempotency_key", name="uq_sandbox_charges_idempotency_key"),
        Index("ix_sandbox_charges_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    gateway_ref: str = Field(max_length=64)  # sbx_ch_… / sbx_re_… / sbx_po_…
    kind: str = Field(default=SandboxKind.PAYMENT, max_length=16)
    reference: str | None = Field(default=None, max_length=64, index=True)  # our Payment.reference / payout ref
    parent_ref: str | None = Field(default=None, max_length=64)  # refund → the charge's gateway_ref
    idempotency_key: str = Field(max_length=200)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    description: str = Field(default="", max_length=200)
    customer_email: str = Field(default="", max_length=254)
    success_url: str = Field(default="", max_length=500)
    cancel_url: str = Field(default="", max_length=500)
    mode: str = Field(default="payment", max_length=16)
    plan_code: str | None = Field(default=None, max_length=40)
    destination: str | None = Field(default=None, max_length=120)  # payouts
    status: str = Field(default=SandboxStatus.PENDING, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ReconciliationReport(SQLModel, table=True):
    __tablename__ = "reconciliation_reports"
    __table_args__ = (UniqueConstraint("gateway", "day", name="uq_reconciliation_reports_gateway_day"),)

    id: int | None = Field(default=None, primary_key=True)
    gateway: str = Field(max_length=16)
    day: date
    gateway_records: int = 0
    ledger_records: int = 0
    matched: int = 0
    differences: int = 0
    status: str = Field(default="ok", max_length=16)  # ok | differences | error
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ReconciliationItem(SQLModel, table=True):
    __tablename__ = "reconciliation_items"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reconciliation_reports.id", index=True)
    problem: str = Field(max_length=32)  # missing_in_ledger | missing_at_gateway | amount_mismatch
    kind: str = Field(max_length=16)  # payment | refund | payout
    gateway_ref: str = Field(default="", max_length=120)
    reference: str | None = Field(default=None, max_length=64)
    gateway_amount_minor: int | None = Field(default=None, sa_type=BigInteger)
    ledger_amount_minor: int | None = Field(default=None, sa_type=BigInteger)
    currency: str = Field(default="", max_length=3)
