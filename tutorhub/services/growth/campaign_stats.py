"""A campaign's impressions, clicks, CTR and spend per day, for the admin's charts.

Reconciled days come from `ad_daily_stats` (what the 02:00 job recorded); the days since the last
reconciled one (today, and any night the job has not caught up yet) are computed live from the same
sources the job uses, so the chart is never a day behind and agrees with the job once it has run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models import AdDailyStat, AdReconciledDay, Role
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.growth.campaigns import ctr_percent, get_campaign_row
from tutorhub.services.growth.reconcile import figures_between

MAX_DAYS = 120


class DayPoint(BaseModel):
    day: date
    impressions: int
    clicks: int
    ctr_percent: float
    spend_minor: int
    reconciled: bool


def campaign_series(session: Session, *, actor: UserOut | None, campaign_id: Any, now: datetime) -> list[DayPoint]:
    """One point per day from the campaign's start (at most MAX_DAYS, the latest) to today or its end."""
    require_role(actor, Role.ADMIN)
    campaign = get_campaign_row(session, campaign_id)
    assert campaign.id is not None
    today = now.astimezone(UTC).date()
    last_day = min(today, campaign.ends_at.astimezone(UTC).date())
    first_day = max(campaign.created_at.astimezone(UTC).date(), campaign.starts_at.astimezone(UTC).date())
    first_day = max(first_day, last_day - timedelta(days=MAX_DAYS - 1))
    if first_day > last_day:
        return []
    stored = {r.day: r for r in session.exec(
        select(AdDailyStat).where(AdDailyStat.campaign_id == campaign.id, col(AdDailyStat.day) >= first_day,
                                  col(AdDailyStat.day) <= last_day)
    ).all()}
    reconciled_until = session.exec(select(func.max(AdReconciledDay.day))).one()
    live_from = max(first_day, reconciled_until + timedelta(days=1)) if reconciled_until else first_day
    live = figures_between(session, live_from, last_day, campaign.id) if live_from <= last_day else {}
    points = []
    day = first_day
    while day <= last_day:
        done = reconciled_until is not None and day <= reconciled_until
        if done:
            row = stored.get(day)
            imps, clicks, spend = (row.impressions, row.clicks, row.spend_minor) if row else (0, 0, 0)
        else:
            fig = live.get((campaign.id, day))
            imps, clicks, spend = (fig.impressions, fig.clicks, fig.spend_minor) if fig else (0, 0, 0)
        points.append(DayPoint(day=day, impressions=imps, clicks=clicks, ctr_percent=ctr_percent(imps, clicks),
                               spend_minor=spend, reconciled=done))
        day += timedelta(days=1)
    return points
