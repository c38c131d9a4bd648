"""Growth: advertisers, ad campaigns with their impressions, clicks and daily figures, special
offers, and the opt-in analytics event queue.

Why this shape:
- Money is never stored here: an advertiser's prepaid balance and a campaign's spend are ledger
  entries ("advertiser:{id}:prepaid", transaction kinds "ad_prepay" / "ad_spend";
  services/money/ledger.py). `ad_campaigns.spend_minor` is the running total the spend postings
  brought the campaign to, kept on the row so serving can cap spend without summing the ledger;
  every "ad_spend" transaction's idempotency key names the total it reached
  ("ad_spend:{campaign}:{total}"), so the same step can never be posted twice.
- Deduplication is the database's job: one `ad_impressions` row per (campaign, visitor, hour) and
  one `ad_clicks` row per (campaign, visitor, hour) and per click token — a second serve or a
  replayed token is an insert that conflicts, never a check-then-insert.
- `ad_daily_stats` (one row per campaign and day) and `ad_reconciled_days` (one row per night
  reconciled) are written by the 02:00 UTC job under unique constraints, so two schedulers, or a
  catch-up after downtime, write each figure once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class CampaignKind:
    BANNER = "banner"
    SPONSORED_TUTOR = "sponsored_tutor"
    ALL = (BANNER, SPONSORED_TUTOR)


class CampaignStatus:
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ALL = (DRAFT, ACTIVE, PAUSED, COMPLETED)
    OPEN = (DRAFT, ACTIVE, PAUSED)


class Pricing:
    CPM = "cpm"  # price per thousand impressions
    CPC = "cpc"  # price per click
    ALL = (CPM, CPC)


class Advertiser(SQLModel, table=True):
    """An educational company or publisher that buys campaigns (managed by admins, no login)."""

    __tablename__ = "advertisers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    contact_email: str = Field(default="", max_length=254)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AdCampaign(SQLModel, table=True):
    __tablename__ = "ad_campaigns"
    __table_args__ = (
        CheckConstraint("budget_minor > 0 AND price_minor > 0", name="ck_ad_campaigns_prices"),
        CheckConstraint("spend_minor >= 0 AND spend_minor <= budget_minor", name="ck_ad_campaigns_spend"),
        CheckConstraint("impressions >= 0 AND clicks >= 0", name="ck_ad_campaigns_counts"),
        Index("ix_ad_campaigns_status_window", "status", "starts_at", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    advertiser_id: int = Field(foreign_key="advertisers.id", index=True)
    kind: str = Field(max_length=16)  # CampaignKind
    title: str = Field(max_length=120)
    body: str = Field(default="", max_length=300)
    link_url: str = Field(default="", max_length=500)  # banners: where a click goes
    tutor_id: int | None = Field(default=None, foreign_key="users.id")  # sponsored tutor profiles
    target_cities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_subjects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_grades: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_at: datetime = Field(sa_type=UtcDateTime)
    ends_at: datetime = Field(sa_type=UtcDateTime)
    currency: str = Field(max_length=3)
    budget_minor: int
    pricing: str = Field(max_length=3)  # Pricing
    price_minor: int  # per 1000 impressions (cpm) or per click (cpc)
    status: str = Field(default=CampaignStatus.DRAFT, max_length=16)
    completed_reason: str = Field(default="", max_length=32)
    impressions: int = Field(default=0)
    clicks: int = Field(default=0)
    spend_minor: int = Field(default=0)
    image_key: str = Field(default="", max_length=200)
    image_type: str = Field(default="", max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AdImpression(SQLModel, table=True):
    """One counted impression: a visitor saw a campaign in this hour (later serves that hour are free)."""

    __tablename__ = "ad_impressions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "visitor", "hour", name="uq_ad_impressions_visitor_hour"),
        Index("ix_ad_impressions_campaign_hour", "campaign_id", "hour"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="ad_campaigns.id")
    visitor: str = Field(max_length=64)  # HMAC of the user id, or of IP + user agent
    hour: datetime = Field(sa_type=UtcDateTime)
    placement: str = Field(default="", max_length=16)


class AdClick(SQLModel, table=True):
    __tablename__ = "ad_clicks"
    __table_args__ = (
        UniqueConstraint("campaign_id", "visitor", "hour", name="uq_ad_clicks_visitor_hour"),
        UniqueConstraint("nonce", name="uq_ad_clicks_nonce"),
        Index("ix_ad_clicks_campaign_hour", "campaign_id", "hour"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="ad_campaigns.id")
    visitor: str = Field(max_length=64)
    hour: datetime = Field(sa_type=UtcDateTime)
    nonce: str = Field(max_length=32)  # the click token's nonce: a token counts once, ever
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AdDailyStat(SQLModel, table=True):
    """A campaign's figures for one UTC day, written once by the nightly reconcile."""

    __tablename__ = "ad_daily_stats"
    __table_args__ = (UniqueConstraint("campaign_id", "day", name="uq_ad_daily_stats_campaign_day"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="ad_campaigns.id")
    day: date
    impressions: int = Field(default=0)
    clicks: int = Field(default=0)
    spend_minor: int = Field(default=0)
    currency: str = Field(max_length=3)


class AdReconciledDay(SQLModel, table=True):
    """A UTC day whose figures are recorded (the job catches up every day without a row)."""

    __tablename__ = "ad_reconciled_days"
    __table_args__ = (UniqueConstraint("day", name="uq_ad_reconciled_days_day"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date
    completed_campaigns: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SpecialOffer(SQLModel, table=True):
    """A promo code advertised with a banner to matching students (redeemed by the promo rules)."""

    __tablename__ = "special_offers"

    id: int | None = Field(default=None, primary_key=True)
    promo_code_id: int = Field(foreign_key="promo_codes.id", index=True)
    banner_text: str = Field(max_length=200)
    new_students_only: bool = Field(default=False)
    subject: str = Field(default="", max_length=60)
    city: str = Field(default="", max_length=80)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AnalyticsConsent(SQLModel, table=True):
    """A user's yes to product analytics (no row: no events)."""

    __tablename__ = "analytics_consents"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    granted: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AnalyticsEvent(SQLModel, table=True):
    """A product event waiting to be sent (outbox-like: written in the change, sent by a job)."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_status", "status", "id"),
        UniqueConstraint("source_key", name="uq_analytics_events_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(max_length=80)  # what the event is about ("booking_event:12"): queued once
    distinct_id: str = Field(max_length=64)  # HMAC of the user id: pseudonymous
    event: str = Field(max_length=40)
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12)  # pending | sent | failed
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
