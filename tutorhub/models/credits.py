"""Credits and plans: credit lots and their per-booking consumption, minute packs, subscription plans
and subscriptions (with their mid-cycle changes), promo codes and their redemptions.

Why this shape:
- The ledger (unit "MIN", account "student:{id}:credits") is the truth for a student's total minutes.
  `credit_lots` explains that total: every grant is a lot with its own expiry, and the lots' `remaining`
  always sum to the ledger balance (checked by services/billing/credits.credit_lots_consistent). Spending walks
  the lots oldest-expiring first and writes one `credit_spends` row per lot touched, so a refund can put
  minutes back into exactly those lots — with their original expiry.
- `source_ref` is unique: granting twice for the same cause (a retried webhook, a second trial claim,
  the same subscription cycle) hits the constraint instead of doubling the credits.
- Payment ids are stored as plain integers (no foreign key): the payments table belongs to the money
  core and this module must not depend on its shape.
- Promo redemptions are unique per (promo, user): "once per user" is enforced by the database, so two
  simultaneous redemptions by the same user cannot both succeed. The total cap is a conditional UPDATE
  of `redemption_count` (services/money/promos.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class LotSource:
    PLAN = "plan"  # a subscription cycle's grant (or a mid-cycle upgrade's prorated top-up)
    PACK = "pack"  # a pay-as-you-go minute pack
    TRIAL = "trial"  # the free tier's one trial credit
    ADMIN = "admin"  # granted by an admin / demo data
    ALL = (PLAN, PACK, TRIAL, ADMIN)


class CreditLot(SQLModel, table=True):
    __tablename__ = "credit_lots"
    __table_args__ = (
        Index("ix_credit_lots_user_expires", "user_id", "expires_at"),
        Index("ix_credit_lots_expiry_sweep", "expires_at", "remaining"),
        UniqueConstraint("source_ref", name="uq_credit_lots_source_ref"),
        CheckConstraint("minutes > 0", name="ck_credit_lots_minutes"),
        CheckConstraint("remaining >= 0 AND remaining <= minutes", name="ck_credit_lots_remaining"),
        CheckConstraint("expired_minutes >= 0 AND revoked_minutes >= 0", name="ck_credit_lots_expired"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    minutes: int  # granted
    remaining: int  # not yet spent, expired or revoked (booking refunds add back)
    expired_minutes: int = Field(default=0)  # written off by the expiry job, cumulative
    revoked_minutes: int = Field(default=0)  # taken back because the purchase was refunded / charged back
    payment_id: int | None = Field(default=None, index=True)  # the purchase that paid for the lot, if any
    source: str = Field(max_length=8)  # LotSource
    source_ref: str = Field(max_length=80)  # idempotency: "trial:7", "payment:12", "sub:3:cycle:2", ...
    granted_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CreditSpend(SQLModel, table=True):
    """Minutes one booking took from one lot (and how many of them came back by refund)."""

    __tablename__ = "credit_spends"
    __table_args__ = (
        UniqueConstraint("booking_id", "lot_id", name="uq_credit_spends_booking_lot"),
        Index("ix_credit_spends_lot", "lot_id"),
        CheckConstraint("minutes > 0 AND refunded_minutes >= 0 AND refunded_minutes <= minutes",
                        name="ck_credit_spends_minutes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")
    lot_id: int = Field(foreign_key="credit_lots.id")
    user_id: int = Field(foreign_key="users.id")
    minutes: int
    refunded_minutes: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class MinutePack(SQLModel, table=True):
    """A pay-as-you-go pack defined by an admin: `minutes` for `price_minor` in `currency`."""

    __tablename__ = "minute_packs"
    __table_args__ = (
        UniqueConstraint("code", name="uq_minute_packs_code"),
        CheckConstraint("minutes > 0 AND price_minor > 0 AND validity_days > 0", name="ck_minute_packs_values"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)  # lower case slug
    name: str = Field(max_length=80)
    minutes: int
    price_minor: int
    currency: str = Field(max_length=3)
    validity_days: int = Field(default=365)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Plan(SQLModel, table=True):
    """A monthly subscription plan granting `minutes_per_cycle` each cycle; prices per currency."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("code", name="uq_plans_code"),
        CheckConstraint("minutes_per_cycle > 0", name="ck_plans_minutes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=80)
    minutes_per_cycle: int
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class PlanPrice(SQLModel, table=True):
    __tablename__ = "plan_prices"
    __table_args__ = (
        UniqueConstraint("plan_id", "currency", name="uq_plan_prices_plan_currency"),
        CheckConstraint("amount_minor > 0", name="ck_plan_prices_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plans.id")
    currency: str = Field(max_length=3)
    amount_minor: int


class SubscriptionStatus:
    PENDING = "pending"  # checkout started, not paid yet
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal charge failed: retried during the grace period, then ended
    ENDED = "ended"  # cancelled and the paid period is over (or never paid)
    ALL = (PENDING, ACTIVE, PAST_DUE, ENDED)


_LIVE_SUB_SQL = "status = 'active'"


class Subscription(SQLModel, table=True):
    __tablename__ = "subscriptions"
    __table_args__ = (
        # At most one active subscription per student.
        Index("uq_subscriptions_user_active", "user_id", unique=True,
              sqlite_where=text(_LIVE_SUB_SQL), postgresql_where=text(_LIVE_SUB_SQL)),
        Index("ix_subscriptions_status_period_end", "status", "current_period_end"),
        Index("ix_subscriptions_gateway_ref", "gateway", "gateway_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    plan_id: int = Field(foreign_key="plans.id")
    next_plan_id: int | None = Field(default=None, foreign_key="plans.id")  # a downgrade waiting for renewal
    currency: str = Field(max_length=3)
    price_minor: int  # the current plan's price in `currency` when the cycle started / was upgraded
    status: str = Field(default=SubscriptionStatus.PENDING, max_length=8)
    gateway: str = Field(default="", max_length=16)
    gateway_ref: str = Field(default="", max_length=120)  # the provider's subscription id, when it has one
    cycle: int = Field(default=0)  # 1 for the first paid month
    anchor_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # cycle n ends at anchor + n months
    last_renewal_key: str = Field(default="", max_length=120)  # the provider event that renewed last
    # The most minutes per cycle paid for in the current cycle: an upgrade grants only above it, so
    # dearer-plan-with-fewer-minutes zigzags cannot grant the same minutes twice.
    cycle_minutes_high: int = Field(default=0)
    current_period_start: datetime | None = Field(default=None, sa_type=UtcDateTime)
    current_period_end: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancel_at_period_end: bool = Field(default=False)
    cancelled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    start_payment_id: int | None = Field(default=None)
    # Past due (billing/past_due.py): when the grace period ends, when the next retry is due, how
    # many renewal charges failed in a row.
    grace_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    next_retry_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_charges: int = Field(default=0)
    # A provider-billed subscription we ended ourselves (paid twice, or ended unpaid) must be
    # cancelled at the provider at once, its open invoice voided (billing/provider_endings.py):
    # asked at `provider_end_due_at`, done at `provider_ended_at` (retried by the renewal job until then).
    provider_end_due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    provider_ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SubscriptionChange(SQLModel, table=True):
    """One plan change: an upgrade (charged and granted prorated now) or a downgrade (at renewal)."""

    __tablename__ = "subscription_changes"
    __table_args__ = (Index("ix_subscription_changes_sub", "subscription_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscriptions.id")
    from_plan_id: int = Field(foreign_key="plans.id")
    to_plan_id: int = Field(foreign_key="plans.id")
    kind: str = Field(max_length=10)  # upgrade | downgrade
    cycle: int  # the cycle it was requested in
    charge_minor: int = Field(default=0)
    grant_minutes: int = Field(default=0)
    payment_id: int | None = Field(default=None)
    status: str = Field(default="pending", max_length=10)  # pending | applied | void
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class PromoKind:
    PERCENT = "percent"
    FIXED = "fixed"
    ALL = (PERCENT, FIXED)


class PromoCode(SQLModel, table=True):
    __tablename__ = "promo_codes"
    __table_args__ = (
        UniqueConstraint("code", name="uq_promo_codes_code"),  # stored upper case: case-insensitive
        CheckConstraint("percent >= 0 AND percent <= 100", name="ck_promo_codes_percent"),
        CheckConstraint("amount_minor >= 0 AND min_amount_minor >= 0 AND redemption_count >= 0",
                        name="ck_promo_codes_amounts"),
        CheckConstraint("max_redemptions IS NULL OR redemption_count <= max_redemptions",
                        name="ck_promo_codes_cap"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32)
    kind: str = Field(max_length=8)  # PromoKind
    percent: int = Field(default=0)
    amount_minor: int = Field(default=0)  # fixed discount
    currency: str = Field(default="", max_length=3)  # required for fixed; "" = any currency for percent
    min_amount_minor: int = Field(default=0)
    valid_from: datetime | None = Field(default=None, sa_type=UtcDateTime)
    valid_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    max_redemptions: int | None = Field(default=None)
    redemption_count: int = Field(default=0)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class RedemptionStatus:
    PENDING = "pending"  # reserved by a gateway checkout that is not paid yet (holds the once-per-user slot)
    REDEEMED = "redeemed"
    ALL = (PENDING, REDEEMED)


class PromoRedemption(SQLModel, table=True):
    """One use of a promo code by one user. A gateway checkout reserves it (PENDING, tied to the
    payment by `ref` = "payment:{reference}", counted by the once-per-user and cap rules); the
    payment's success confirms it (REDEEMED); a failure, cancellation or expiry deletes it."""

    __tablename__ = "promo_redemptions"
    __table_args__ = (
        UniqueConstraint("promo_id", "user_id", name="uq_promo_redemptions_promo_user"),
        Index("ix_promo_redemptions_status_expires", "status", "expires_at"),
        Index("ix_promo_redemptions_ref", "ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    promo_id: int = Field(foreign_key="promo_codes.id")
    user_id: int = Field(foreign_key="users.id")
    ref: str = Field(max_length=80)  # what it paid for: "booking:12", "payment:pay_…"
    amount_minor: int  # list amount before the discount
    discount_minor: int
    currency: str = Field(max_length=3)
    status: str = Field(default=RedemptionStatus.REDEEMED, max_length=10)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # a PENDING reservation lapses then
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
