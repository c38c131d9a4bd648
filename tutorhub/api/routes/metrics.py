"""Admin dashboard over HTTP: metrics by day / week / month, cohort retention, and CSV exports.

Exports accept the Bearer token or the web UI's `th_session` cookie (the admin pages' download
buttons are plain links the browser follows), like private file downloads (routes/files.py).
Authorization and filter validation happen before the response starts, so refusals are ordinary
401/403/404/422 answers; the CSV itself is streamed in chunks read by keyset pages inside one
read-only transaction (services/ops/exports.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tutorhub.api.deps import CurrentUser, OptionalViewer
from tutorhub.api.schemas import error_responses
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.errors import NotAuthenticated
from tutorhub.services.ops import (
    cohorts,
    export_kinds,  # noqa: F401  (registers the export kinds on import)
    exports,
    metrics,
)
from tutorhub.services.ops.cohorts import CohortsOut
from tutorhub.services.ops.exports import ExportPlan
from tutorhub.services.ops.metrics import MetricsOut

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_ADMIN = error_responses(401, 403, 422, e403="Not an admin")


@router.get("/metrics", response_model=MetricsOut, responses=_ADMIN)
def admin_metrics(
    user: CurrentUser,
    date_from: Annotated[date | None, Query(alias="from", description="First UTC day (YYYY-MM-DD); default 30 days back")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last UTC day, inclusive; default today")] = None,
    interval: Literal["day", "week", "month"] = "day",
    currency: Annotated[str | None, Query(pattern="^[A-Za-z]{3}$")] = None,
) -> MetricsOut:
    """GMV, revenue, escrow, payouts pending, refunds, ad spend, active users, sign-ups and booking
    conversion for one currency at the top level (`currency`), every currency under `currencies`,
    and a `series` per bucket. Precomputed hourly: `fresh_as_of` says when."""
    with session_scope(read_only=True) as session:
        return metrics.dashboard_metrics(session, actor=user, date_from=date_from, date_to=date_to, interval=interval,
                                         currency=currency, now=utcnow())


@router.get("/cohorts", response_model=CohortsOut, responses=_ADMIN)
def admin_cohorts(
    user: CurrentUser,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
    role: Literal["all", "student", "tutor"] = "all",
) -> CohortsOut:
    """Monthly sign-up cohorts × months since sign-up: the share of each cohort active that month."""
    with session_scope(read_only=True) as session:
        return cohorts.cohort_retention(session, actor=user, months=months, role=role, now=utcnow())


def _stream(plan: ExportPlan) -> Iterator[str]:
    with session_scope(read_only=True) as session:
        yield from exports.iter_csv(session, plan)


@router.get(
    "/exports/{kind}.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "A CSV file with a header row"},
               **error_responses(401, 403, 404, 422, e403="Not an admin", e404="No such export")},
)
def admin_export(
    kind: str,
    viewer: OptionalViewer,
    date_from: Annotated[date | None, Query(alias="from", description="First UTC day of created_at")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last UTC day of created_at, inclusive")] = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    role: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> StreamingResponse:
    """One of: users, bookings, payments, refunds, payouts, ledger, campaigns — streamed."""
    if viewer is None:
        raise NotAuthenticated("Please log in first.")
    with session_scope(read_only=True) as session:
        plan = exports.prepare_export(session, actor=viewer, kind=kind, date_from=date_from, date_to=date_to,
                                      status=status, role=role, q=q)
    return StreamingResponse(
        _stream(plan), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{plan.filename}"', "Cache-Control": "private, no-store",
                 "X-Content-Type-Options": "nosniff"},
    )
