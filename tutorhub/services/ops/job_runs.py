"""The job run log: every periodic job run (scheduled, at start, or "run now") with its outcome,
shown to admins on /admin/jobs; old rows are pruned by the nightly prune job.

`run_recorded` is the wrapper every job goes through: it writes a "running" row, runs the job
and records "ok" with a short detail (the job's return value) or "error" with the exception, and
never lets the exception escape into APScheduler (the next run is the retry).

Which jobs exist is not this module's knowledge: the job functions live in tutorhub/jobs/ (above
services), so the caller hands their registry in (`registry=`, a sequence of `Job`). The admin
page passes tutorhub.jobs.scheduler.JOBS; tests may pass their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import BaseModel
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.notifications import JobRun
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound

log = logging.getLogger("tutorhub.jobs")

KEEP_DAYS = 14
KEEP_PER_JOB = 50


class Job(NamedTuple):
    """One registered job: its id, the function to run (no arguments) and its cron fields in UTC."""

    job_id: str
    func: Callable[[], object]
    cron: dict[str, str]


JobRegistry = Sequence[Job]


class JobRunOut(BaseModel):
    id: int
    job_id: str
    trigger: str
    holder: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    detail: str


class JobStatus(BaseModel):
    job_id: str
    schedule: str
    last: JobRunOut | None
    recent: list[JobRunOut]


def _out(row: JobRun) -> JobRunOut:
    return JobRunOut(id=row.id or 0, job_id=row.job_id, trigger=row.trigger, holder=row.holder,
                     started_at=row.started_at, finished_at=row.finished_at, outcome=row.outcome, detail=row.detail)


def _detail(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())[:2000]
    return str(value)[:2000]


def run_recorded(job_id: str, func: Callable[[], object], *, trigger: str, holder: str,
                 clock: Callable[[], datetime] = utcnow) -> JobRunOut:
    """Run `func` with a JobRun row around it; the outcome is recorded, exceptions are not raised."""
    with session_scope() as session:
        row = JobRun(job_id=job_id, trigger=trigger, holder=holder, started_at=clock())
        session.add(row)
        session.flush()
        run_id = row.id
    try:
        result = func()
        outcome, detail = "ok", _detail(result)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        outcome, detail = "error", f"{type(exc).__name__}: {exc}"[:2000]
    with session_scope() as session:
        done = session.get(JobRun, run_id)
        assert done is not None
        done.finished_at, done.outcome, done.detail = clock(), outcome, detail
        session.add(done)
        return _out(done)


def job_statuses(
    session: Session, *, actor: UserOut | None, registry: JobRegistry, recent: int = 5
) -> list[JobStatus]:
    """Every registered job with its schedule, last run and a few recent runs (admins only).

    Newest recorded first (by id): replicas' clocks can disagree by a little, and "Run now" must show
    as the last run even when a scheduled run on another replica was stamped a moment later."""
    require_role(actor, Role.ADMIN)
    out = []
    for job_id, _func, cron in registry:
        rows = session.exec(
            select(JobRun).where(JobRun.job_id == job_id).order_by(col(JobRun.id).desc())
            .limit(max(1, min(recent, 20)))
        ).all()
        schedule = " ".join(f"{k}={v}" for k, v in cron.items()) + " (UTC)"
        out.append(JobStatus(job_id=job_id, schedule=schedule, last=_out(rows[0]) if rows else None,
                             recent=[_out(r) for r in rows]))
    return out


def _authorize_run_now(session: Session, *, actor: UserOut | None, job_id: object, registry: JobRegistry) -> Job:
    """Check an admin may run `job_id` now; returns the job. Unknown ids are NotFound."""
    require_role(actor, Role.ADMIN)
    job = next((j for j in registry if j.job_id == job_id), None) if isinstance(job_id, str) else None
    if job is None:
        raise NotFound("No such job.")
    return job


def run_now(*, actor: UserOut | None, job_id: object, registry: JobRegistry) -> JobRunOut:
    """Run a job at once in this process because an admin asked (authorized here; leadership is
    not required: every job is idempotent, and the run is recorded with trigger "manual")."""
    with session_scope(read_only=True) as session:
        job = _authorize_run_now(session, actor=actor, job_id=job_id, registry=registry)
    holder = f"manual:{actor.id if actor else 0}"
    return run_recorded(job.job_id, job.func, trigger="manual", holder=holder)


def prune_job_runs(session: Session, *, now: datetime) -> int:
    """Drop runs older than KEEP_DAYS, keeping at least the newest KEEP_PER_JOB of every job; mark
    runs still "running" after 6 hours as abandoned."""
    cutoff = now - timedelta(days=KEEP_DAYS)
    # A run whose process died mid-job stays "running"; after a while it is marked as abandoned.
    session.execute(
        update(JobRun).where(col(JobRun.outcome) == "running", col(JobRun.started_at) < now - timedelta(hours=6))
        .values(outcome="abandoned", detail="the process running it stopped before it finished")
    )
    removed = 0
    job_ids = session.exec(select(JobRun.job_id).distinct()).all()
    for job_id in job_ids:
        keep = session.exec(
            select(JobRun.id).where(JobRun.job_id == job_id).order_by(col(JobRun.id).desc()).limit(KEEP_PER_JOB)
        ).all()
        result = session.execute(
            delete(JobRun).where(col(JobRun.job_id) == job_id, col(JobRun.started_at) < cutoff,
                                 col(JobRun.id).not_in(list(keep)))
        )
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
