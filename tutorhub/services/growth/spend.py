"""Campaign spend: counting an impression or a click, and charging for it in the ledger.

How much a campaign owes is derived from its counters, never accumulated in floats:
- CPM: owed = floor(impressions × cpm_minor / 1000). A fraction of a minor unit is not lost, it
  is simply not charged yet: the 4th impression at 0.25 minor units each brings `owed` up by one
  and that impression's posting charges it. So spend is exact to the minor unit at every moment
  (never more than what 1000-blocks would charge, never more than one minor unit behind).
- CPC: owed = clicks × cpc_minor.
Each charge brings `spend_minor` up to min(owed, budget, spend + prepaid balance) with one "ad_spend"
transaction (Dr advertiser:{id}:prepaid / Cr platform:revenue) whose idempotency key names the total
reached ("ad_spend:{campaign}:{total}"): repeated or concurrent postings of the same step collide
and are posted once, and the prepaid account is a `never_negative` account of the posting.
Serialization: the counter is bumped with an UPDATE first (a row lock on PostgreSQL, the write
lock on SQLite), and the row is read again after it, so two servings never charge from the same
stale total. Lock order, to keep PostgreSQL free of deadlocks: the advertisers' prepaid accounts
first (in code order, `lock_prepaid`), then campaign rows in id order. Impressions and clicks beyond the budget or the balance are counted but not charged
(serving stops offering such a campaign: services/growth/serving.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from tutorhub.models import AdCampaign, Pricing
from tutorhub.services.growth.advertisers import prepaid_account, prepaid_balance
from tutorhub.services.money import ledger

REVENUE = "platform:revenue"


def owed_minor(campaign: AdCampaign) -> int:
    if campaign.pricing == Pricing.CPM:
        return campaign.impressions * campaign.price_minor // 1000
    return campaign.clicks * campaign.price_minor


def charge_campaign(session: Session, campaign: AdCampaign, *, now: datetime) -> int:
    """Post what the campaign owes beyond what it was charged (capped); returns the minor units charged."""
    assert campaign.id is not None
    target = min(owed_minor(campaign), campaign.budget_minor)
    delta = target - campaign.spend_minor
    if delta <= 0:
        return 0
    delta = min(delta, prepaid_balance(session, campaign.advertiser_id, campaign.currency))
    if delta <= 0:
        return 0
    total = campaign.spend_minor + delta
    account = prepaid_account(campaign.advertiser_id)
    posted = ledger.post(
        session, kind="ad_spend", idempotency_key=f"ad_spend:{campaign.id}:{total}", now=now,
        memo=f"ad campaign {campaign.id} spend to {total}",
        lines=[ledger.Line(account, delta, campaign.currency), ledger.Line(REVENUE, -delta, campaign.currency)],
        never_negative=[account],
    )
    if posted is None:
        return 0
    session.execute(update(AdCampaign).where(col(AdCampaign.id) == campaign.id)
                    .values(spend_minor=total, updated_at=now))
    session.refresh(campaign)
    return delta


def lock_prepaid(session: Session, campaigns: list[AdCampaign]) -> None:
    """Take the prepaid accounts these campaigns spend from, before any campaign row (see the module doc)."""
    accounts = sorted({prepaid_account(c.advertiser_id) for c in campaigns})
    if accounts:
        ledger.lock_accounts(session, accounts)


def bump_and_charge(session: Session, campaign: AdCampaign, *, field: str, now: datetime) -> int:
    """Add one impression or click to the campaign, then charge what that makes it owe."""
    column = col(AdCampaign.impressions) if field == "impressions" else col(AdCampaign.clicks)
    session.execute(update(AdCampaign).where(col(AdCampaign.id) == campaign.id).values({column: column + 1}))
    session.refresh(campaign)  # the current totals, read under the row's lock
    return charge_campaign(session, campaign, now=now)
