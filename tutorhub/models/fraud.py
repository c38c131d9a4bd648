"""Fraud signals: one flag per suspicious pattern the hourly scan finds, and the users it concerns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class FraudKind:
    SHARED_IP = "shared_ip"  # many accounts signed in from one IP address in a day
    SHARED_DEVICE = "shared_device"  # many accounts signed in from one browser (device cookie) within 24 h
    FAILED_LOGINS = "failed_logins"  # a burst of failed logins for one identifier or from one IP
    SHARED_PAYOUT = "shared_payout"  # several tutors paid out to one destination
    SHARED_CARD = "shared_card"  # several accounts paying with one card fingerprint
    REFUND_RATE = "refund_rate"  # refunds and chargebacks above a rate of the user's payments
    NEW_ACCOUNT_TOPUP = "new_account_topup"  # a large wallet top-up from an account days old
    ALL = (SHARED_IP, SHARED_DEVICE, FAILED_LOGINS, SHARED_PAYOUT, SHARED_CARD, REFUND_RATE, NEW_ACCOUNT_TOPUP)


class FraudStatus:
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"
    ALL = (OPEN, RESOLVED)


class FraudFlag(SQLModel, table=True):
    """A signal for an admin to review. `key` identifies the evidence (e.g. "203.0.113.9@2027-03-01"),
    so a rescan updates the same flag instead of adding another: (kind, key) is unique."""

    __tablename__ = "fraud_flags"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_fraud_flags_kind_key"),
        Index("ix_fraud_flags_status_seen", "status", "last_seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    key: str = Field(max_length=200)
    reason: str = Field(max_length=1000)
    score: int = Field(default=0)  # how far over the threshold (accounts, failures, percent ...)
    status: str = Field(default=FraudStatus.OPEN, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    resolved_by: int | None = Field(default=None, foreign_key="users.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolution: str = Field(default="", max_length=1000)


class FraudFlagUser(SQLModel, table=True):
    """One account a flag concerns (a flag about a shared IP names every account behind it)."""

    __tablename__ = "fraud_flag_users"

    flag_id: int = Field(foreign_key="fraud_flags.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)
