"""The periodic jobs and the scheduler that runs them inside the app process.

Jobs are idempotent and tolerate downtime (coalesced, generous misfire grace), so it is safe
that every app worker runs its own scheduler until leader election arrives with the
notifications work; a missed run is made up at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from tutorhub.db import session_scope
from tutorhub.models.base import utcnow

log = logging.getLogger("tutorhub.jobs")


def rebuild_free_slot_index(now: datetime | None = None) -> int:
    """Roll the precomputed next-free-slots table forward (it covers the next 16 days)."""
    from tutorhub.services.free_index import rebuild_free_slots

    with session_scope() as session:
        rows = rebuild_free_slots(session, now=now or utcnow(), commit_each_chunk=True)
    log.warning("job rebuild_free_slot_index: %d rows", rows)
    return rows


def booking_minutely(now: datetime | None = None) -> dict[str, int]:
    """Expire 15-minute holds and auto-decline requests unanswered for 24 h."""
    from tutorhub.services.booking_jobs import run_minutely

    with session_scope() as session:
        counts = run_minutely(session, now=now or utcnow())
    if any(counts.values()):
        log.warning("job booking_minutely: %s", counts)
    return counts


def booking_quarter_hourly(now: datetime | None = None) -> dict[str, int]:
    """Auto-complete forgotten lessons, settle after the dispute window, credit back students
    whose replacement offers expired."""
    from tutorhub.services.booking_jobs import run_quarter_hourly

    with session_scope() as session:
        counts = run_quarter_hourly(session, now=now or utcnow())
    if any(counts.values()):
        log.warning("job booking_quarter_hourly: %s", counts)
    return counts


def refresh_tutor_stats(now: datetime | None = None) -> int:
    """Trust scores look back 90 days, so they change with the calendar alone: recompute nightly."""
    from tutorhub.services.tutor_stats import refresh_tutors_stats

    with session_scope() as session:
        count = refresh_tutors_stats(session, None, now=now or utcnow(), recount_reviews=False)
    log.warning("job refresh_tutor_stats: %d tutors", count)
    return count


# (job id, function, cron fields in UTC)
JOBS: list[tuple[str, Callable[[], object], dict[str, str]]] = [
    ("rebuild_free_slot_index", rebuild_free_slot_index, {"hour": "3", "minute": "10"}),
    ("booking_minutely", booking_minutely, {"minute": "*"}),
    ("booking_quarter_hourly", booking_quarter_hourly, {"minute": "*/15"}),
    ("refresh_tutor_stats", refresh_tutor_stats, {"hour": "3", "minute": "40"}),
]


def build_scheduler() -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    # The booking jobs catch up by themselves (they act on everything overdue), so one run after
    # an outage is enough: coalescing keeps it to one.
    for job_id, func, cron in JOBS:
        scheduler.add_job(func, CronTrigger(timezone="UTC", **cron), id=job_id, replace_existing=True)
    return scheduler


def start_scheduler() -> BackgroundScheduler:
    """Start the jobs, and run the index rebuild once now so a server that was down catches up."""
    scheduler = build_scheduler()
    scheduler.start()
    # Shortly after start (not at once: on a fresh database the migrations run first).
    scheduler.add_job(
        rebuild_free_slot_index, id="rebuild_free_slot_index_on_start", next_run_time=utcnow() + timedelta(seconds=30)
    )
    return scheduler
