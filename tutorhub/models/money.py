"""Money: the double-entry ledger, payments, refunds, payouts and the platform money settings.

Why this shape:
- Balances are never stored: every balance is the sum of immutable `ledger_entries` for one
  (account, unit). The covering index `ix_ledger_entries_balance` (account_id, unit, amount) makes
  that sum an index-only scan, so no cached balance table is needed (and none can drift).
- A `ledger_transactions` row groups entries that balance to zero per unit; its
  `idempotency_key` is UNIQUE, which is what makes every money step safe to repeat.
- UPDATE and DELETE of entries and transactions are refused by the database itself (triggers
  created by migration 0004 from the SQL below; tests/conftest.py reuses it around its wipe).
  Corrections are new, reversing transactions.
- `payments` / `refunds` / `payouts` are the workflow records (status, gateway ids); the money
  they move is only ever in the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow

IMMUTABLE_TABLES = ("ledger_entries", "ledger_transactions")

SQLITE_IMMUTABLE_TRIGGERS: tuple[tuple[str, str], ...] = tuple(
    (
        f"trg_{table}_no_{op.lower()}",
        f"CREATE TRIGGER trg_{table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END",
    )
    for table in IMMUTABLE_TABLES
    for op in ("UPDATE", "DELETE")
)

PG_IMMUTABLE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'ledger entries are immutable'; END; $$ LANGUAGE plpgsql"
)
PG_IMMUTABLE_TRIGGERS: tuple[tuple[str, str, str], ...] = tuple(
    (
        f"trg_{table}_immutable",
        table,
        f"CREATE TRIGGER trg_{table}_immutable BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
    )
    for table in IMMUTABLE_TABLES
)


class PaymentStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the payer left the checkout (cancel URL / Cancel button); nothing captured
    EXPIRED = "expired"  # the checkout's window (`expires_at`) ended unpaid
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    DISPUTED = "disputed"


class PaymentPurpose:
    BOOKING = "booking"
    TOPUP = "topup"
    MINUTE_PACK = "minute_pack"
    SUBSCRIPTION = "subscription"
    LEAD_CREDITS = "lead_credits"
    COURSE = "course"  # a course enrolment (services/courses/enrol_money.py)
    CLASS_SEAT = "class_seat"  # a group-class seat paid by card (services/classes/seat_gateway.py)
    ALL = (BOOKING, TOPUP, MINUTE_PACK, SUBSCRIPTION, LEAD_CREDITS, COURSE, CLASS_SEAT)


class PayoutStatus:
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"
    FAILED = "failed"
    OPEN = (REQUESTED, APPROVED)


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("code", name="uq_ledger_accounts_code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=120)
    kind: str = Field(max_length=32)  # wallet, credits, escrow, earnings, lead_credits, platform, gateway, ...
    owner_user_id: int | None = Field(default=None, index=True)  # no FK: accounts are made on first use
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class LedgerTransaction(SQLModel, table=True):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_ledger_transactions_idempotency_key"),
        Index("ix_ledger_transactions_booking", "booking_id"),
        Index("ix_ledger_transactions_user_created", "user_id", "created_at"),
        Index("ix_ledger_transactions_kind_created", "kind", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    idempotency_key: str = Field(max_length=200)
    memo: str = Field(default="", max_length=500)
    user_id: int | None = Field(default=None)
    booking_id: int | None = Field(default=None)
    payment_id: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_balance", "account_id", "unit", "amount"),
        Index("ix_ledger_entries_transaction", "transaction_id"),
        CheckConstraint("amount <> 0", name="ck_ledger_entries_nonzero"),
    )

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transactions.id")
    account_id: int = Field(foreign_key="ledger_accounts.id")
    unit: str = Field(max_length=8)  # ISO currency or "MIN"
    amount: int = Field(sa_type=BigInteger)  # positive = debit


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_payments_reference"),
        Index("ix_payments_user_created", "user_id", "created_at"),
        Index("ix_payments_gateway_ref", "gateway", "gateway_ref"),
        CheckConstraint("amount_minor > 0", name="ck_payments_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40)
    user_id: int = Field(foreign_key="users.id")
    purpose: str = Field(max_length=24)
    booking_id: int | None = Field(default=None, foreign_key="bookings.id", index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    gateway: str = Field(max_length=16)
    gateway_ref: str = Field(default="", max_length=120)
    status: str = Field(default=PaymentStatus.PENDING, max_length=24)
    refunded_minor: int = Field(default=0, sa_type=BigInteger)
    description: str = Field(default="", max_length=200)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column("extra", JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    succeeded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # A hosted checkout's end (the provider's session expiry = the promo reservation's lapse).
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_refunds_reference"),
        Index("ix_refunds_user_created", "user_id", "created_at"),
        CheckConstraint("amount_minor > 0", name="ck_refunds_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=80)  # also the ledger idempotency key suffix
    user_id: int = Field(foreign_key="users.id")
    payment_id: int | None = Field(default=None, foreign_key="payments.id", index=True)
    booking_id: int | None = Field(default=None, foreign_key="bookings.id", index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    destination: str = Field(max_length=16)  # original | wallet | gateway (provider-initiated)
    status: str = Field(default="pending", max_length=16)  # pending | succeeded | failed
    gateway_ref: str = Field(default="", max_length=120)
    reason: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # when a sender claimed the intent


class Payout(SQLModel, table=True):
    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_payouts_reference"),
        Index("ix_payouts_tutor_created", "tutor_user_id", "created_at"),
        Index("ix_payouts_status", "status"),
        CheckConstraint("amount_minor > 0", name="ck_payouts_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40)
    tutor_user_id: int = Field(foreign_key="users.id")
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(default=PayoutStatus.REQUESTED, max_length=16)
    gateway: str = Field(default="", max_length=16)
    gateway_ref: str = Field(default="", max_length=120)
    destination: str = Field(default="", max_length=120)
    note: str = Field(default="", max_length=500)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # when a sender claimed the intent


class MoneySettings(SQLModel, table=True):
    """One row (id = 1): the admin-set money rules."""

    __tablename__ = "money_settings"
    __table_args__ = (
        CheckConstraint("commission_percent >= 0 AND commission_percent <= 100", name="ck_money_settings_commission"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commission_percent: int = Field(default=20)
    refund_destination: str = Field(default="original", max_length=16)  # original | wallet
    payout_minimum_minor: int = Field(default=1000, sa_type=BigInteger)
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
