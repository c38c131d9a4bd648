"""/admin/metrics: the dashboard (KPI cards, charts by day / week / month over a date range, cohort
retention heat map, CSV downloads). Thin: every read goes through services/ops/metrics.py and
services/ops/cohorts.py, which refuse anybody but an admin; the range and interval the browser
sends are validated there (bad ones come back as inline field errors). Only formatted figures
reach the browser.

CSV downloads are plain links to /api/v1/admin/exports/{kind}.csv (the browser sends its session
cookie; the route authorizes and streams), so no file passes through this state.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError
from tutorhub.services.ops import cohorts, daily_aggregates, metrics
from tutorhub.services.ops.cohorts import CohortsOut
from tutorhub.services.ops.metrics import MetricsOut
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.money.views import major

EXPORT_KINDS = (("users", "Users"), ("bookings", "Bookings"), ("payments", "Payments"), ("refunds", "Refunds"),
                ("payouts", "Payouts"), ("ledger", "Ledger entries"), ("campaigns", "Campaigns"))
# Heat-map shades by retention (the text value is always shown too; colour is never the only cue).
SHADES = ((0.75, "9"), (0.5, "7"), (0.25, "5"), (0.1, "4"), (0.0001, "3"))


@dataclasses.dataclass
class CohortCell:
    text: str = ""
    label: str = ""  # what a screen reader says
    background: str = ""
    strong: bool = False


@dataclasses.dataclass
class CohortRow:
    cohort: str = ""
    size: str = ""
    cells: list[CohortCell] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ExportLink:
    label: str = ""
    href: str = ""


def _label(value: date, interval: str) -> str:
    return value.strftime("%d %b" if interval == "day" else "wk %d %b" if interval == "week" else "%b %Y")


def shade(rate: float) -> str:
    for floor, step in SHADES:
        if rate >= floor:
            return f"var(--grass-{step})"
    return "var(--gray-3)"


def cohort_rows(out: CohortsOut) -> list[CohortRow]:
    rows = []
    for c in out.cohorts:
        cells = [CohortCell(text=f"{round(r.rate * 100)}%",
                            label=f"{c.cohort}, month {r.month}: {round(r.rate * 100)}% ({r.active} of {c.size})",
                            background=shade(r.rate), strong=r.rate >= 0.5) for r in c.retention]
        rows.append(CohortRow(cohort=c.cohort, size=str(c.size), cells=cells))
    return rows


class AdminMetricsState(AppState):
    status: str = "loading"
    busy: bool = False
    interval: str = "day"
    date_from: str = ""
    date_to: str = ""
    range_errors: dict[str, str] = {}
    currencies: list[str] = []
    currency: str = ""
    cards: dict[str, str] = {}
    money_points: list[dict[str, Any]] = []
    people_points: list[dict[str, Any]] = []
    has_money: bool = False
    has_people: bool = False
    cohort_header: list[str] = []
    cohorts: list[CohortRow] = []
    exports: list[ExportLink] = []
    fresh: str = ""
    _out: MetricsOut | None = None

    def _forget(self) -> None:
        self._out, self.cards, self.money_points, self.people_points, self.cohorts, self.exports = None, {}, [], [], [], []

    async def _fetch(self, date_from: str, date_to: str) -> Any:
        interval, currency = self.interval, self.currency

        def unit(session: Session, actor: UserOut | None) -> tuple[MetricsOut, CohortsOut]:
            now = utcnow()
            out = metrics.dashboard_metrics(session, actor=actor, date_from=date_from or None, date_to=date_to or None,
                                            interval=interval, currency=currency or None, now=now)
            return out, cohorts.cohort_retention(session, actor=actor, months=12, now=now)

        self.busy = True
        try:
            ok, found = await read_for_page(self, unit, forget=self._forget)
        except DomainError as exc:
            self.busy = False
            self.range_errors, _message = form_failure(exc)
            return None
        self.busy = False
        if not ok:
            return found
        self._take(*found)
        self.status = "ready"
        return None

    def _take(self, out: MetricsOut, retention: CohortsOut) -> None:
        self._out, self.range_errors = out, {}
        self.date_from, self.date_to = out.date_from.isoformat(), out.date_to.isoformat()
        self.currencies = sorted(out.currencies) or [out.currency]
        # Keep the admin's currency while it has figures; otherwise the one with the largest GMV.
        self.currency = out.currency if out.currency in out.currencies or not out.currencies else max(
            self.currencies, key=lambda c: out.currencies[c].gmv_minor)
        self.cohort_header = [f"M{k}" for k in range(max((len(c.retention) for c in retention.cohorts), default=0))]
        self.cohorts = cohort_rows(retention)
        query = urlencode({"from": self.date_from, "to": self.date_to})
        self.exports = [ExportLink(label=label, href=f"/api/v1/admin/exports/{kind}.csv?{query}")
                        for kind, label in EXPORT_KINDS]
        self.fresh = out.fresh_as_of.strftime("%d %b %Y %H:%M UTC") if out.fresh_as_of else "not computed yet"
        self._show()

    def _show(self) -> None:
        out = self._out
        if out is None:
            return
        cur = self.currency
        figures = out.currencies.get(cur)
        money = figures.model_dump() if figures else {}
        self.cards = {
            key: format_money(int(money.get(key, 0)), cur)
            for key in ("gmv_minor", "revenue_minor", "escrow_minor", "payouts_pending_minor", "refunds_minor",
                        "ad_spend_minor")
        }
        self.cards.update({
            "active_students": str(out.active_students), "active_tutors": str(out.active_tutors),
            "signups": str(out.new_signups),
            "conversion": f"{round(out.conversion * 100)}% of {out.holds} holds" if out.conversion is not None else "no holds",
            "dau_mau": (f"{out.active['students'].daily} / {out.active['students'].weekly} / "
                        f"{out.active['students'].monthly} students · {out.active['tutors'].daily} / "
                        f"{out.active['tutors'].weekly} / {out.active['tutors'].monthly} tutors"),
        })
        series = figures.series if figures else []
        self.money_points = [{"label": _label(p.bucket_start, out.interval), "a": major(p.gmv_minor, cur),
                              "b": major(p.revenue_minor, cur), "c": major(p.refunds_minor, cur),
                              "d": major(p.ad_spend_minor, cur)} for p in series]
        self.has_money = any(p.gmv_minor or p.revenue_minor or p.refunds_minor or p.ad_spend_minor for p in series)
        self.people_points = [{"label": _label(p.bucket_start, out.interval), "students": p.active_students,
                               "tutors": p.active_tutors, "signups": p.new_signups} for p in out.series]
        self.has_people = any(p.active_students or p.active_tutors or p.new_signups for p in out.series)

    async def load(self):
        self.status, self.interval, self.currency, self.range_errors = "loading", "day", "", {}
        return await self._fetch("", "")

    async def set_interval(self, value: Any):
        if value in metrics.INTERVALS and value != self.interval and not self.busy:
            self.interval = value
            return await self._fetch(self.date_from, self.date_to)
        return None

    def set_currency(self, value: Any):
        if self._out is not None and isinstance(value, str) and value in self._out.currencies:
            self.currency = value
            self._show()

    async def apply_range(self, form: Any):
        """The date-range form: YYYY-MM-DD from / to (checked by the service)."""
        if self.busy:
            return None
        return await self._fetch(form_text(form, "from", 10).strip(), form_text(form, "to", 10).strip())

    async def refresh_now(self):
        """Recompute yesterday's and today's figures now instead of waiting for the hourly job."""
        if self.busy:
            return None

        def unit(session: Session, actor: UserOut | None) -> object:
            return daily_aggregates.refresh_now(session, actor=actor, now=utcnow())

        try:
            await self._db(unit)
        except DomainError:
            self._forget()
            self.status = "forbidden"
            return None
        return await self._fetch(self.date_from, self.date_to)
