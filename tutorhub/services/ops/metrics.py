"""The admin dashboard's figures over a date range, by day, week or month, read from the daily
aggregates (services/ops/daily_aggregates.py; at most an hour old, `fresh_as_of` says when).

Shape (GET /api/v1/admin/metrics): the listed keys sit at the top level for ONE currency, named
in `currency` (the `currency` asked for, else the one with the largest GMV in the range, else
"USD"); `currencies` holds the same money figures and a money series for every currency that
moved. Counts (active users, sign-ups, holds, paid bookings) have no currency and are only at the
top level. `series` is one point per bucket with the top-level currency's money and the counts.

Ranges are inclusive UTC days; with interval=week|month they widen to whole ISO weeks (Monday
first) / calendar months, echoed back in `from`/`to`, so the totals are the sums of the series.
Flows (GMV, revenue, refunds, ad spend) are sums over the range / bucket; stocks (escrow,
payouts pending) are the balance at the end of the range / bucket. `active_students` /
`active_tutors` are distinct users active at any time in the range (bucket); `active` also gives
daily / weekly / monthly actives at `to`: on that day, in its ISO week, in its calendar month.
Speed: everything but the range's distinct actives is read from precomputed rows (a few thousand
at most); that one count reads one row per user and whole month (then whole week, then day) of the
range from the activity rollups, remembered per range until the next refresh.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tutorhub.models.accounts import Role
from tutorhub.models.metrics import MetricDaily
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput
from tutorhub.services.ops.daily_aggregates import (
    ACTIVE_MEMO,
    MONEY_FLOWS,
    STOCK_CHANGES,
    distinct_active,
    month_start,
    next_month,
    utc_day,
    week_start,
)

INTERVALS = ("day", "week", "month")
MAX_DAYS = {"day": 366, "week": 5 * 366, "month": 10 * 366}


class MoneyPoint(BaseModel):
    bucket_start: date
    gmv_minor: int = 0
    revenue_minor: int = 0
    refunds_minor: int = 0
    ad_spend_minor: int = 0
    escrow_minor: int = 0
    payouts_pending_minor: int = 0


class SeriesPoint(MoneyPoint):
    active_students: int = 0
    active_tutors: int = 0
    new_signups: int = 0
    holds: int = 0
    paid_bookings: int = 0


class CurrencyFigures(BaseModel):
    gmv_minor: int = 0
    revenue_minor: int = 0
    refunds_minor: int = 0
    ad_spend_minor: int = 0
    escrow_minor: int = 0
    payouts_pending_minor: int = 0
    series: list[MoneyPoint] = []


class ActiveWindows(BaseModel):
    daily: int = 0
    weekly: int = 0
    monthly: int = 0


class MetricsOut(BaseModel):
    model_config = {"populate_by_name": True}

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    interval: str
    currency: str
    gmv_minor: int
    revenue_minor: int
    escrow_minor: int
    payouts_pending_minor: int
    refunds_minor: int
    ad_spend_minor: int
    active_students: int
    active_tutors: int
    new_signups: int
    holds: int
    paid_bookings: int
    conversion: float | None  # paid bookings / holds in the range; None without holds
    active: dict[str, ActiveWindows]  # "students" / "tutors" → daily, weekly, monthly
    series: list[SeriesPoint]
    currencies: dict[str, CurrencyFigures]
    fresh_as_of: datetime | None


def _a_day(value: Any, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput("Dates are YYYY-MM-DD.", fields={name: "must be a date (YYYY-MM-DD)"})


def checked_range(date_from: Any, date_to: Any, interval: Any, *, now: datetime) -> tuple[date, date, str]:
    """The range to report (inclusive, widened to whole weeks / months); 422 when it makes no sense."""
    if interval not in INTERVALS:
        raise InvalidInput("Unknown interval.", fields={"interval": "must be day, week or month"})
    last = _a_day(date_to, "to") if date_to not in (None, "") else utc_day(now)
    first = _a_day(date_from, "from") if date_from not in (None, "") else last - timedelta(days=29)
    if first > last:
        raise InvalidInput("The range ends before it starts.", fields={"from": "must not be after 'to'"})
    if (last - first).days + 1 > MAX_DAYS[interval]:
        raise InvalidInput("The range is too long.",
                           fields={"to": f"at most {MAX_DAYS[interval]} days by {interval}; choose a longer interval"})
    if first.year < 2000 or last.year > 2100:
        raise InvalidInput("The range is out of bounds.", fields={"from": "years 2000 to 2100 only"})
    if interval == "week":
        first, last = week_start(first), week_start(last) + timedelta(days=6)
    elif interval == "month":
        first, last = month_start(first), next_month(last) - timedelta(days=1)
    return first, last, interval


def buckets(first: date, last: date, interval: str) -> list[date]:
    """The first day of every bucket in [first, last]."""
    out, day = [], first
    while day <= last:
        out.append(day)
        day = day + timedelta(days=1 if interval == "day" else 7) if interval != "month" else next_month(day)
    return out


def bucket_of(day: date, interval: str) -> date:
    return day if interval == "day" else week_start(day) if interval == "week" else month_start(day)


def _distinct_active(session: Session, first: date, last: date, fresh: Any) -> dict[str, int]:
    """Distinct students / tutors active in [first, last], exact, from the per-user month / week /
    day rows (daily_aggregates.distinct_active), remembered until the aggregates are refreshed again."""
    key = (id(session.connection().engine), first, last, fresh)
    if key in ACTIVE_MEMO:
        return ACTIVE_MEMO[key]
    found = distinct_active(session, first, last)
    if len(ACTIVE_MEMO) >= 256:
        ACTIVE_MEMO.pop(next(iter(ACTIVE_MEMO)))
    ACTIVE_MEMO[key] = found
    return found


def _windows(rows: dict[tuple[date, str], int], last: date) -> dict[str, ActiveWindows]:
    """Daily / weekly / monthly actives at `last`: its day, its ISO week, its calendar month
    (precomputed distinct counts)."""
    wanted = {(last, ""): "daily", (week_start(last), "_week"): "weekly", (month_start(last), "_month"): "monthly"}
    out = {"students": ActiveWindows(), "tutors": ActiveWindows()}
    for (day, suffix), field in wanted.items():
        for key in ("students", "tutors"):
            value = rows.get((day, f"active_{key}{suffix}"), 0)
            setattr(out[key], field, value)
    return out


def dashboard_metrics(
    session: Session, *, actor: UserOut | None, date_from: Any = None, date_to: Any = None, interval: Any = "day",
    currency: Any = None, now: datetime,
) -> MetricsOut:
    require_role(actor, Role.ADMIN)
    first, last, interval = checked_range(date_from, date_to, interval, now=now)
    starts = buckets(first, last, interval)
    flows: dict[str, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    changes: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    at_last: dict[tuple[date, str], int] = {}
    window_start = min(week_start(last), month_start(last))
    stock_metrics = tuple(STOCK_CHANGES.values())
    rows = session.connection().execute(
        sa_select(col(MetricDaily.day), col(MetricDaily.currency), col(MetricDaily.metric), col(MetricDaily.value))
        .where(col(MetricDaily.day) <= last, col(MetricDaily.metric).not_like("cohort_%"))
        .where((col(MetricDaily.day) >= min(first, window_start)) | col(MetricDaily.metric).in_(stock_metrics))
    ).all()
    suffix = {"day": "", "week": "_week", "month": "_month"}[interval]
    actives = (f"active_students{suffix}", f"active_tutors{suffix}")
    day_counts = ("signups", "holds", "paid_bookings")
    for day, cur, metric, value in rows:
        if metric in stock_metrics:
            changes[cur].append((day, metric, value))
            continue
        if day >= window_start and metric.startswith("active_"):
            at_last[(day, metric)] = value
        if day < first:
            continue  # read only for the active windows at `last`
        if metric in MONEY_FLOWS:
            flows[cur][bucket_of(day, interval)][metric] += value
        elif metric in day_counts:
            counts[bucket_of(day, interval)][metric] += value
        elif metric in actives:
            counts[bucket_of(day, interval)][metric.removesuffix(suffix)] = value
    per_currency = {cur: _currency_figures(flows.get(cur, {}), changes.get(cur, []), starts, interval)
                    for cur in sorted(set(flows) | set(changes))}
    per_currency = {cur: fig for cur, fig in per_currency.items() if any(
        (fig.gmv_minor, fig.revenue_minor, fig.refunds_minor, fig.ad_spend_minor, fig.escrow_minor,
         fig.payouts_pending_minor)) or flows.get(cur) or any(p.escrow_minor or p.payouts_pending_minor for p in fig.series)}
    chosen = _chosen_currency(currency, per_currency)
    top = per_currency.get(chosen) or _currency_figures({}, [], starts, interval)
    series = []
    for point in top.series:
        got = counts.get(point.bucket_start, {})
        series.append(SeriesPoint.model_construct(
            **point.__dict__, active_students=got.get("active_students", 0), active_tutors=got.get("active_tutors", 0),
            new_signups=got.get("signups", 0), holds=got.get("holds", 0), paid_bookings=got.get("paid_bookings", 0)))
    fresh = session.execute(sa_select(func.max(col(MetricDaily.refreshed_at)))).scalar()
    span, windows = _distinct_active(session, first, last, fresh), _windows(at_last, last)
    holds = sum(p.holds for p in series)
    paid = sum(p.paid_bookings for p in series)
    return MetricsOut.model_construct(
        date_from=first, date_to=last, interval=interval, currency=chosen,
        gmv_minor=top.gmv_minor, revenue_minor=top.revenue_minor, escrow_minor=top.escrow_minor,
        payouts_pending_minor=top.payouts_pending_minor, refunds_minor=top.refunds_minor, ad_spend_minor=top.ad_spend_minor,
        active_students=span["students"], active_tutors=span["tutors"],
        new_signups=sum(p.new_signups for p in series), holds=holds, paid_bookings=paid,
        conversion=round(paid / holds, 4) if holds else None,
        active=windows, series=series, currencies=per_currency, fresh_as_of=fresh,
    )


def _chosen_currency(asked: Any, per_currency: dict[str, CurrencyFigures]) -> str:
    if asked not in (None, ""):
        if not isinstance(asked, str) or len(asked) != 3 or not asked.isascii() or not asked.isalpha():
            raise InvalidInput("Unknown currency.", fields={"currency": "must be a 3-letter ISO code"})
        return asked.upper()
    if not per_currency:
        return "USD"
    return max(sorted(per_currency), key=lambda c: per_currency[c].gmv_minor)


def _currency_figures(
    flows: dict[date, dict[str, int]], changes: list[tuple[date, str, int]], starts: list[date], interval: str
) -> CurrencyFigures:
    """One currency: flows summed per bucket; stocks as the balance at each bucket's end."""
    changes.sort()
    stock = {"escrow_change": 0, "payout_hold_change": 0}
    points: list[MoneyPoint] = []
    i = 0
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else (
            start + timedelta(days=1) if interval == "day" else start + timedelta(days=7) if interval == "week"
            else next_month(start))
        while i < len(changes) and changes[i][0] < end:
            stock[changes[i][1]] += changes[i][2]
            i += 1
        got = flows.get(start, {})
        points.append(MoneyPoint.model_construct(
            bucket_start=start, gmv_minor=got.get("gmv", 0), revenue_minor=got.get("revenue", 0),
            refunds_minor=got.get("refunds", 0), ad_spend_minor=got.get("ad_spend", 0),
            escrow_minor=stock["escrow_change"], payouts_pending_minor=stock["payout_hold_change"]))
    last = points[-1] if points else MoneyPoint(bucket_start=starts[0] if starts else date.min)
    return CurrencyFigures.model_construct(
        gmv_minor=sum(p.gmv_minor for p in points), revenue_minor=sum(p.revenue_minor for p in points),
        refunds_minor=sum(p.refunds_minor for p in points), ad_spend_minor=sum(p.ad_spend_minor for p in points),
        escrow_minor=last.escrow_minor, payouts_pending_minor=last.payouts_pending_minor, series=points)
