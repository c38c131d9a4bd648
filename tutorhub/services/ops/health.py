"""Readiness and the numbers behind /metrics, read from the database (shared by every replica).

`check_readiness` answers "may a load balancer send traffic to this process?": the database
answers, its schema is at the latest migration, Redis answers when configured, and some process
holds the scheduler lease (any replica: jobs run on one leader). A process that started less than
SCHEDULER_GRACE_SECONDS ago may not hold the lease yet (the first renewal comes ~35 s after start),
so a missing lease is "starting", still ready, until then. The outbox backlog is reported but never
makes a replica unready: taking every replica out of the balancer would not deliver one email.

`ops_snapshot` gives the database-derived gauges (outbox backlog, webhook lag, job runs and
failures by job) that every replica reports identically, whichever one Prometheus scrapes.
Access to /metrics is admin-only (or the scrape token / metrics port): `authorize_metrics`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from tutorhub.migrations import alembic_config
from tutorhub.models.accounts import Role
from tutorhub.models.gateways import WebhookEvent, WebhookOutcome
from tutorhub.models.notifications import JobRun, OutboxMessage, OutboxStatus, SchedulerLease
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotAuthenticated
from tutorhub.services.ops.leader import LEASE_NAME
from tutorhub.services.rooms.sfu import sfu_state

SCHEDULER_GRACE_SECONDS = 90
REDIS_TIMEOUT_SECONDS = 2.0
_DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, str]
    outbox_backlog: int = 0

    def as_json(self) -> dict[str, object]:
        return {**self.checks, "outbox_backlog": self.outbox_backlog, "status": "ready" if self.ready else "unready"}


@dataclass
class OpsSnapshot:
    outbox_due: int = 0
    outbox_oldest_due_seconds: float = 0.0
    outbox_failed: int = 0
    webhooks_pending: int = 0
    webhook_lag_seconds: float = 0.0
    # (job id, outcome) -> runs still in the job log (the last ~14 days, at least 50 per job)
    job_runs: dict[tuple[str, str], int] = field(default_factory=dict)
    # job id -> when its last successful run finished
    job_last_success: dict[str, datetime] = field(default_factory=dict)
    scheduler_leader: bool = False


_HEAD: list[str] = []


def _head_revision() -> str:
    """The newest migration shipped with this code (read once: the code does not change under us)."""
    if not _HEAD:
        _HEAD.append(ScriptDirectory.from_config(alembic_config()).get_current_head() or "")
    return _HEAD[0]


def _check_database(session: Session) -> tuple[str, str]:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  (any driver error means "not reachable")
        return f"error: {type(exc).__name__}", "error: database unreachable"
    try:
        current = MigrationContext.configure(session.connection()).get_current_revision()
    except Exception as exc:  # noqa: BLE001
        return "ok", f"error: {type(exc).__name__}"
    head = _head_revision()
    if current != head:
        return "ok", f"error: at {current or 'no revision'}, expected {head}"
    return "ok", "ok"


def _check_redis(redis_url: str | None) -> str:
    if not redis_url:
        return "not configured"
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_scheduler(session: Session, *, now: datetime, process_started: datetime) -> str:
    lease = session.get(SchedulerLease, LEASE_NAME)
    if lease is not None and lease.expires_at >= now:
        return "ok"
    if now - process_started < timedelta(seconds=SCHEDULER_GRACE_SECONDS):
        return "starting"
    return "error: no process holds the scheduler lease"


def outbox_backlog(session: Session, *, now: datetime) -> tuple[int, float]:
    """(messages due for delivery and not sent, age in seconds of the oldest of them)."""
    due = (col(OutboxMessage.status).in_(_DUE_STATUSES)) & (
        col(OutboxMessage.next_attempt_at).is_(None) | (col(OutboxMessage.next_attempt_at) <= now)
    )
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(due)
    ).one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return int(count or 0), max(0.0, age)


def check_readiness(session: Session, *, now: datetime, process_started: datetime,
                    redis_url: str | None) -> Readiness:
    """Every check by name ("ok", "not configured", "starting", or "error: ...")."""
    database, migrations = _check_database(session)
    checks = {"database": database, "migrations": migrations, "redis": _check_redis(redis_url)}
    backlog = 0
    if database == "ok":
        try:
            checks["scheduler"] = _check_scheduler(session, now=now, process_started=process_started)
            backlog, age = outbox_backlog(session, now=now)
            checks["outbox"] = "ok" if backlog == 0 else f"{backlog} due, oldest {int(age // 60)} min"
        except Exception as exc:  # noqa: BLE001  (a schema that is not migrated yet)
            checks["scheduler"] = checks["outbox"] = f"error: {type(exc).__name__}"
    else:
        checks["scheduler"] = checks["outbox"] = "error: database unreachable"
    ready = all(not checks[name].startswith("error") for name in ("database", "migrations", "redis", "scheduler"))
    return Readiness(ready=ready, checks=checks, outbox_backlog=backlog)


def ops_snapshot(session: Session, *, now: datetime, holder: str | None = None) -> OpsSnapshot:
    """The database-derived gauges for /metrics (see the module docstring)."""
    snap = OpsSnapshot()
    snap.outbox_due, snap.outbox_oldest_due_seconds = outbox_backlog(session, now=now)
    snap.outbox_failed = int(session.execute(
        select(func.count()).where(col(OutboxMessage.status) == OutboxStatus.FAILED)).scalar_one() or 0)
    count, oldest = session.execute(
        select(func.count(), func.min(WebhookEvent.received_at)).where(col(WebhookEvent.outcome) == WebhookOutcome.PENDING)
    ).one()
    snap.webhooks_pending = int(count or 0)
    snap.webhook_lag_seconds = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    for job_id, outcome, runs in session.execute(
        select(JobRun.job_id, JobRun.outcome, func.count()).group_by(col(JobRun.job_id), col(JobRun.outcome))
    ).all():
        snap.job_runs[(str(job_id), str(outcome))] = int(runs)
    for job_id, finished in session.execute(
        select(JobRun.job_id, func.max(JobRun.finished_at)).where(col(JobRun.outcome) == "ok").group_by(col(JobRun.job_id))
    ).all():
        if finished is not None:
            snap.job_last_success[str(job_id)] = finished
    if holder is not None:
        lease = session.get(SchedulerLease, LEASE_NAME)
        snap.scheduler_leader = lease is not None and lease.holder == holder and lease.expires_at >= now
    return snap


def authorize_metrics(actor: UserOut | None, *, presented_token: str | None, scrape_token: str | None) -> None:
    """/metrics is for admins, or for a scraper presenting TUTORHUB_METRICS_TOKEN (compared in
    constant time). Raises NotAuthenticated (nobody) or Forbidden (not an admin)."""
    if scrape_token and presented_token and hmac.compare_digest(presented_token.encode(), scrape_token.encode()):
        return
    if actor is None:
        raise NotAuthenticated("An admin bearer token (or the metrics scrape token) is required.")
    require_role(actor, Role.ADMIN)


def sfu_health() -> str:
    """The video rooms' SFU for /health: "ok", "off", or "unreachable" (rooms use the meeting link).
    Never makes the process unready: lessons still happen through the fallback."""
    return sfu_state()
