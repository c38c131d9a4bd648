"""The 02:00 UTC ad reconciliation, and each campaign's figures per day.

`reconcile_ads(now)`:
1. records every finished UTC day not yet reconciled — the day after the last reconciled one (or the
   first campaign's creation day) up to yesterday — so a night missed by downtime is made up by the
   next run: one `ad_daily_stats` row per campaign with activity (impressions and clicks counted from
   the deduplicated rows, spend from the day's "ad_spend" ledger postings), then one
   `ad_reconciled_days` row for the day;
2. completes every open campaign whose budget is spent or whose end has passed.
Safe to run twice at once (two schedulers, or an operator's `run-job` beside the scheduler): the day
rows are inserted with ON CONFLICT DO NOTHING under their unique constraints, the figures of a
finished day do not change, and completing is a conditional UPDATE — the second run writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tutorhub.db import upsert_insert
from tutorhub.models import (
    AdCampaign,
    AdClick,
    AdDailyStat,
    AdImpression,
    AdReconciledDay,
    CampaignStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from tutorhub.services.growth.spend import REVENUE

MAX_CATCH_UP_DAYS = 400


class DayFigures(BaseModel):
    impressions: int = 0
    clicks: int = 0
    spend_minor: int = 0


class ReconcileResult(BaseModel):
    days_recorded: list[date]
    completed: int


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _counts(session: Session, model: Any, start: datetime, end: datetime,
            campaign_id: int | None) -> dict[tuple[int, date], int]:
    hour_col = col(model.hour)
    query = select(model.campaign_id, hour_col, func.count()).where(hour_col >= start, hour_col < end)
    if campaign_id is not None:
        query = query.where(model.campaign_id == campaign_id)
    out: dict[tuple[int, date], int] = defaultdict(int)
    for cid, hour, count in session.exec(query.group_by(model.campaign_id, hour_col)).all():
        out[(int(cid), hour.astimezone(UTC).date())] += int(count)
    return out


def _spend(session: Session, start: datetime, end: datetime, campaign_id: int | None) -> dict[tuple[int, date], int]:
    """Platform revenue credited by "ad_spend" postings in [start, end), per campaign and day."""
    query = (
        select(LedgerTransaction.idempotency_key, LedgerTransaction.created_at, LedgerEntry.amount)
        .join(LedgerEntry, col(LedgerEntry.transaction_id) == col(LedgerTransaction.id))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .where(LedgerTransaction.kind == "ad_spend", LedgerAccount.code == REVENUE,
               col(LedgerTransaction.created_at) >= start, col(LedgerTransaction.created_at) < end)
    )
    if campaign_id is not None:
        query = query.where(col(LedgerTransaction.idempotency_key).startswith(f"ad_spend:{campaign_id}:"))
    out: dict[tuple[int, date], int] = defaultdict(int)
    for key, created, amount in session.exec(query).all():
        parts = str(key).split(":")
        if len(parts) == 3 and parts[1].isdigit():
            out[(int(parts[1]), created.astimezone(UTC).date())] += -int(amount)
    return out


def figures_between(session: Session, first: date, last: date,
                    campaign_id: int | None = None) -> dict[tuple[int, date], DayFigures]:
    """Live figures per (campaign, day) for the days first..last, from the raw rows and the ledger."""
    start, end = _bounds(first)[0], _bounds(last)[1]
    out: dict[tuple[int, date], DayFigures] = defaultdict(DayFigures)
    for key, n in _counts(session, AdImpression, start, end, campaign_id).items():
        out[key].impressions = n
    for key, n in _counts(session, AdClick, start, end, campaign_id).items():
        out[key].clicks = n
    for key, n in _spend(session, start, end, campaign_id).items():
        out[key].spend_minor = n
    return out


def _insert_ignore(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        insert = upsert_insert(session)
        session.execute(insert(model).values(rows).on_conflict_do_nothing())


def _first_unreconciled(session: Session, today: date) -> date | None:
    last = session.exec(select(func.max(AdReconciledDay.day))).one()
    if last is not None:
        return max(last + timedelta(days=1), today - timedelta(days=MAX_CATCH_UP_DAYS))
    first_created = session.exec(select(func.min(AdCampaign.created_at))).one()
    if first_created is None:
        return None
    return max(first_created.astimezone(UTC).date(), today - timedelta(days=MAX_CATCH_UP_DAYS))


def record_days(session: Session, *, now: datetime) -> list[date]:
    """Write the figures of every finished, unreconciled day (see the module doc)."""
    today = now.astimezone(UTC).date()
    first = _first_unreconciled(session, today)
    if first is None or first >= today:
        return []
    currencies = dict(session.exec(select(AdCampaign.id, AdCampaign.currency)).all())
    figures = figures_between(session, first, today - timedelta(days=1))
    recorded = []
    day = first
    while day < today:
        rows = [{"campaign_id": cid, "day": d, "impressions": f.impressions, "clicks": f.clicks,
                 "spend_minor": f.spend_minor, "currency": currencies.get(cid, "")}
                for (cid, d), f in sorted(figures.items()) if d == day]
        _insert_ignore(session, AdDailyStat, rows)
        _insert_ignore(session, AdReconciledDay, [{"day": day, "completed_campaigns": 0, "created_at": now}])
        recorded.append(day)
        day += timedelta(days=1)
    return recorded


def complete_campaigns(session: Session, *, now: datetime) -> int:
    """Complete open campaigns whose budget is spent or whose end has passed (idempotent)."""
    done = 0
    for reason, condition in (
        ("budget", col(AdCampaign.spend_minor) >= col(AdCampaign.budget_minor)),
        ("ended", col(AdCampaign.ends_at) <= now),
    ):
        result = session.execute(
            update(AdCampaign)
            .where(col(AdCampaign.status).in_(CampaignStatus.OPEN), condition)
            .values(status=CampaignStatus.COMPLETED, completed_reason=reason, updated_at=now)
        )
        done += int(getattr(result, "rowcount", 0) or 0)
    return done


def reconcile_ads(session: Session, *, now: datetime) -> ReconcileResult:
    days = record_days(session, now=now)
    completed = complete_campaigns(session, now=now)
    if completed and days:
        session.execute(update(AdReconciledDay).where(col(AdReconciledDay.day) == days[-1])
                        .values(completed_campaigns=completed))
    return ReconcileResult(days_recorded=days, completed=completed)
