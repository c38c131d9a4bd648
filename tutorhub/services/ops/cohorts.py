"""Cohort retention for the admin dashboard (GET /api/v1/admin/cohorts).

A cohort is everyone (students, tutors and guardians; never admins) who signed up in one UTC
calendar month; `role` narrows it to students or tutors. Month k of a cohort is the k-th calendar
month after the sign-up month (k = 0 is the sign-up month itself). Retention in month k = the
share of the cohort active at least once in that month, "active" as defined in
services/ops/daily_aggregates.py (a booking or a lesson, a successful login, or a payment).

Read from the daily aggregates (sign-ups per day; per activity month, the active count of every
cohort, precomputed by services/ops/daily_aggregates.py), so it is as fresh as the dashboard (at
most an hour old) and reads a few hundred rows at most.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tutorhub.models.accounts import Role
from tutorhub.models.metrics import MetricDaily
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput
from tutorhub.services.ops.daily_aggregates import month_start, next_month, utc_day

ROLES = {"all": "signups", "student": "signups_student", "tutor": "signups_tutor"}
DEFINITION = ("Monthly sign-up cohorts (UTC). Retention in month k = share of the cohort active in the k-th month "
              "after signing up; active = made a booking or had a lesson, logged in, or had a payment succeed.")


class RetentionCell(BaseModel):
    month: int  # months since sign-up
    active: int
    rate: float  # active / size, 0..1 (4 decimals)


class Cohort(BaseModel):
    cohort: str  # "2026-01"
    size: int
    retention: list[RetentionCell]


class CohortsOut(BaseModel):
    months: int
    role: str
    definition: str
    cohorts: list[Cohort]


def months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _months_back(last: date, count: int) -> date:
    total = last.year * 12 + last.month - 1 - (count - 1)
    return date(total // 12, total % 12 + 1, 1)


def cohort_retention(
    session: Session, *, actor: UserOut | None, months: Any = 12, role: Any = "all", now: datetime
) -> CohortsOut:
    """The last `months` sign-up cohorts (oldest first) with their retention month by month up to now."""
    require_role(actor, Role.ADMIN)
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 36:
        raise InvalidInput("Choose 1 to 36 months.", fields={"months": "must be a whole number from 1 to 36"})
    if role not in ROLES:
        raise InvalidInput("Unknown role.", fields={"role": "must be all, student or tutor"})
    this_month = month_start(utc_day(now))
    first = _months_back(this_month, months)
    sizes: dict[date, int] = defaultdict(int)
    for day, value in session.execute(
        sa_select(col(MetricDaily.day), col(MetricDaily.value)).where(
            col(MetricDaily.metric) == ROLES[role], col(MetricDaily.currency) == "", col(MetricDaily.day) >= first,
            col(MetricDaily.day) < next_month(this_month))
    ):
        sizes[month_start(day)] += int(value)
    prefix = f"cohort_{role}:"
    active: dict[tuple[date, date], int] = {}
    for month, metric, value in session.execute(
        sa_select(col(MetricDaily.day), col(MetricDaily.metric), col(MetricDaily.value)).where(
            col(MetricDaily.metric).like(prefix + "%"), col(MetricDaily.currency) == "", col(MetricDaily.day) >= first,
            col(MetricDaily.day) < next_month(this_month))
    ):
        cohort = date.fromisoformat(metric.removeprefix(prefix) + "-01")
        if cohort >= first:
            active[(cohort, month)] = int(value)
    cohorts: list[Cohort] = []
    start = first
    while start <= this_month:
        size = sizes.get(start, 0)
        cells = []
        for k in range(months_between(start, this_month) + 1):
            month = _months_back(this_month, months_between(start, this_month) - k + 1)
            got = active.get((start, month), 0)
            cells.append(RetentionCell(month=k, active=got, rate=round(got / size, 4) if size else 0.0))
        cohorts.append(Cohort(cohort=start.strftime("%Y-%m"), size=size, retention=cells))
        start = next_month(start)
    return CohortsOut(months=months, role=str(role), definition=DEFINITION, cohorts=cohorts)
