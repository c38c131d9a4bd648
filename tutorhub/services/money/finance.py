"""The admin finance page: GMV, platform revenue, escrow outstanding, payouts pending, refunds —
totals per currency and a series by day or week for the charts. Everything is read from the
ledger (and the payout/refund workflow rows for what is pending)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Payout, PayoutStatus
from tutorhub.services.actor import UserOut, require_role

GMV_KINDS = ("booking_payment", "wallet_spend", "purchase", "purchase_wallet", "purchase_earnings")
REFUND_KINDS = ("refund", "external_refund")


class FinanceTotals(BaseModel):
    currency: str
    gmv_minor: int
    revenue_minor: int
    escrow_outstanding_minor: int
    payouts_pending_minor: int
    refunds_minor: int


class FinancePoint(BaseModel):
    bucket_start: date
    currency: str
    gmv_minor: int
    revenue_minor: int
    refunds_minor: int


class FinanceOut(BaseModel):
    bucket: str
    totals: list[FinanceTotals]
    series: list[FinancePoint]


def _flows(
    session: Session, since: datetime | None, until: datetime | None = None
) -> list[tuple[datetime, str, str, str, int]]:
    """(created_at, kind, account code, unit, amount) for GMV / revenue / refund entries."""
    query = (
        sa_select(col(LedgerTransaction.created_at), col(LedgerTransaction.kind), col(LedgerAccount.code), col(LedgerEntry.unit), col(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)  # type: ignore[arg-type]
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .where(LedgerEntry.unit != "MIN", LedgerEntry.unit != "LEAD")  # type: ignore[arg-type]
        .where((col(LedgerTransaction.kind).in_(GMV_KINDS + REFUND_KINDS)) | (LedgerAccount.code == "platform:revenue"))
    )
    if since is not None:
        query = query.where(LedgerTransaction.created_at >= since)  # type: ignore[arg-type]
    if until is not None:
        query = query.where(LedgerTransaction.created_at < until)  # type: ignore[arg-type]
    return [(r[0], str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in session.execute(query).all()]


def _classify(kind: str, code: str, amount: int) -> tuple[str, int] | None:
    """Which figure one entry contributes to, and how much."""
    if code == "platform:revenue":
        return "revenue", -amount
    if kind in GMV_KINDS and amount > 0 and not code.startswith("platform:"):
        return "gmv", amount  # the payer side: clearing, wallet or earnings debited
    if kind == "refund" and code.startswith("escrow:"):
        return "refunds", amount
    if kind == "refund" and code in ("refunds", "platform:disputes"):
        # the share a provider refund / chargeback already gave back (counted there): not twice
        return "refunds", amount
    if kind == "external_refund" and code == "refunds":
        return "refunds", amount
    return None


def classified_flows(session: Session, *, since: datetime, until: datetime) -> list[tuple[datetime, str, str, int]]:
    """(created_at, figure, currency, amount) for every GMV / revenue / refund contribution posted in
    [since, until): the dashboard's daily aggregates (services/ops/daily_aggregates.py) sum these,
    so they and this page can never classify an entry differently. Figure "ad_spend" is the
    platform:revenue credit of an "ad_spend" transaction (also counted in revenue)."""
    out: list[tuple[datetime, str, str, int]] = []
    for created, kind, code, unit, amount in _flows(session, since, until):
        hit = _classify(kind, code, amount)
        if hit:
            out.append((created, hit[0], unit, hit[1]))
        if kind == "ad_spend" and code == "platform:revenue":
            out.append((created, "ad_spend", unit, -amount))
    return out


def _bucket_start(moment: datetime, bucket: str) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def finance_overview(
    session: Session, *, actor: UserOut | None, bucket: Any = "day", days: Any = 30, now: datetime | None = None
) -> FinanceOut:
    require_role(actor, Role.ADMIN)
    now = now or utcnow()
    bucket_v = bucket if bucket in ("day", "week") else "day"
    span = days if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 366 else 30
    since = now - timedelta(days=span)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _created, kind, code, unit, amount in _flows(session, None):
        hit = _classify(kind, code, amount)
        if hit:
            totals[unit][hit[0]] += hit[1]
    escrow = session.execute(
        select(LedgerEntry.unit, func.sum(LedgerEntry.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .where(LedgerAccount.kind == "escrow", LedgerEntry.unit != "MIN").group_by(LedgerEntry.unit)
    ).all()
    for unit, total in escrow:
        totals[str(unit)]["escrow"] = -int(total)
    for cur, amount in session.exec(select(Payout.currency, Payout.amount_minor).where(
            col(Payout.status).in_(PayoutStatus.OPEN))).all():
        totals[cur]["payouts"] += int(amount)
    series: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    start_day = _bucket_start(since, bucket_v)
    step = timedelta(days=7 if bucket_v == "week" else 1)
    for _created, kind, code, unit, amount in _flows(session, since):
        hit = _classify(kind, code, amount)
        if hit:
            series[(_bucket_start(_created, bucket_v), unit)][hit[0]] += hit[1]
    points: list[FinancePoint] = []
    for unit in sorted({u for _, u in series}):
        day = start_day
        while day <= now.astimezone(UTC).date():  # every bucket, zeros included, so charts have no gaps
            got = series.get((day, unit), {})
            points.append(FinancePoint(bucket_start=day, currency=unit, gmv_minor=got.get("gmv", 0),
                                       revenue_minor=got.get("revenue", 0), refunds_minor=got.get("refunds", 0)))
            day += step
    out = [FinanceTotals(currency=c, gmv_minor=v.get("gmv", 0), revenue_minor=v.get("revenue", 0),
                         escrow_outstanding_minor=v.get("escrow", 0), payouts_pending_minor=v.get("payouts", 0),
                         refunds_minor=v.get("refunds", 0)) for c, v in sorted(totals.items())]
    return FinanceOut(bucket=bucket_v, totals=out, series=points)
