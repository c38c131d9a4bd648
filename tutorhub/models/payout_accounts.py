"""Where a tutor's payouts go: a connected account at a payment provider.

One row per (tutor, gateway): a Stripe Express account (acct_…), a Razorpay Route linked account
(acc_…) or a sandbox account (sbx_acct_…). `status` is ours, derived from the provider's account
(services/money/payout_accounts.py says how); `status_at` is the provider time of the snapshot it
came from, so an older `account.updated` delivered late never overwrites a newer one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class PayoutAccountStatus:
    PENDING = "pending"  # onboarding not finished (or the provider is still reviewing)
    VERIFIED = "verified"  # the provider can send transfers to it
    RESTRICTED = "restricted"  # the provider needs more information or disabled it
    ALL = (PENDING, VERIFIED, RESTRICTED)


class PayoutAccount(SQLModel, table=True):
    __tablename__ = "payout_accounts"
    __table_args__ = (
        UniqueConstraint("user_id", "gateway", name="uq_payout_accounts_user_gateway"),
        UniqueConstraint("gateway", "account_ref", name="uq_payout_accounts_gateway_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    gateway: str = Field(max_length=16)  # stripe | razorpay | sandbox
    account_ref: str = Field(max_length=64)  # the provider's account id: the transfer destination
    product_ref: str = Field(default="", max_length=64)  # Razorpay: the Route product configuration id
    status: str = Field(default=PayoutAccountStatus.PENDING, max_length=16)
    detail: str = Field(default="", max_length=300)  # what the provider still needs, for the tutor
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column("raw", JSON, nullable=False))
    status_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
