"""Operations endpoints: `/health` (alive), `/ready` (may take traffic), `/metrics` (Prometheus).

`/health` answers without touching the database (a liveness probe must not fail because the database
is slow); it reports the video SFU's state beside, never failing on it. `/ready` runs the checks of services/ops/health.check_readiness and answers 503 when one
fails, for load balancers, `HEALTHCHECK` and compose. `/metrics` is for admins (their bearer
token) or a scraper with TUTORHUB_METRICS_TOKEN; TUTORHUB_METRICS_PORT serves it on its own port.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from tutorhub.api.deps import BearerCredentials, OptionalUser
from tutorhub.api.observability import metrics_text
from tutorhub.api.schemas import error_responses
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.ops.health import authorize_metrics, check_readiness, sfu_health
from tutorhub.settings import get_settings

router = APIRouter(tags=["ops"])
PROCESS_STARTED = utcnow()
_PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class HealthOut(BaseModel):
    status: str
    sfu: str  # the video rooms' SFU: ok | off | unreachable (rooms then use the meeting link)


class ReadyOut(BaseModel):
    """Each check is "ok", "not configured", "starting" (the scheduler lease, shortly after start) or
    "error: ..."; `status` is "ready" (200) or "unready" (503)."""

    model_config = ConfigDict(extra="allow")
    database: str
    migrations: str
    redis: str
    scheduler: str
    outbox: str
    outbox_backlog: int
    status: str


@router.get("/health", response_model=HealthOut)
def health() -> HealthOut:
    """Liveness: the process answers (always "ok"); `sfu` reports the video SFU (a cached ping, 1 s at most)."""
    return HealthOut(status="ok", sfu=sfu_health())


@router.get(
    "/ready",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "A check failed: keep traffic away from this process"}},
)
def ready() -> JSONResponse:
    """Readiness: the database answers and is migrated, Redis answers (when configured), a process
    holds the scheduler lease; the outbox backlog is reported."""
    try:
        with session_scope(read_only=True) as session:
            report = check_readiness(session, now=utcnow(), process_started=PROCESS_STARTED,
                                     redis_url=get_settings().redis_url)
        body: dict[str, Any] = report.as_json()
        code = 200 if report.ready else 503
    except Exception as exc:  # noqa: BLE001  (the engine could not even open a session)
        error = f"error: {type(exc).__name__}"
        body = {"database": error, "migrations": error, "redis": "unknown", "scheduler": error, "outbox": error,
                "outbox_backlog": 0, "status": "unready"}
        code = 503
    return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {_PROMETHEUS_TYPE: {"schema": {"type": "string"}}}, "description": "Prometheus text format"},
        **error_responses(401, 403),
    },
)
def metrics(actor: OptionalUser, credentials: BearerCredentials) -> Response:
    """Prometheus metrics: `Authorization: Bearer <admin access token or TUTORHUB_METRICS_TOKEN>`."""
    presented = credentials.credentials if credentials else None
    authorize_metrics(actor, presented_token=presented, scrape_token=get_settings().metrics_token)
    return Response(metrics_text(), media_type=_PROMETHEUS_TYPE, headers={"Cache-Control": "no-store"})
