"""The periodic jobs and the scheduler that runs them inside the app process.

Jobs are idempotent and tolerate downtime (coalesced, generous misfire grace), so it is safe
that every app worker runs its own scheduler until leader election arrives with the
notifications work; a missed run is made up at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from tutorhub.db import session_scope
from tutorhub.models.base import utcnow

log = logging.getLogger("tutorhub.jobs")


def rebuild_free_slot_index(now: datetime | None = None) -> int:
    """Roll the precomputed next-free-slots table forward (it covers the next 16 days)."""
    from tutorhub.services.free_index import rebuild_free_slots

    with session_scope() as session:
        rows = rebuild_free_slots(session, now=now or utcnow())
    log.warning("job rebuild_free_slot_index: %d rows", rows)
    return rows


# (job id, function, cron fields in UTC)
JOBS: list[tuple[str, Callable[[], object], dict[str, str]]] = [
    ("rebuild_free_slot_index", rebuild_free_slot_index, {"hour": "3", "minute": "10"}),
]


def build_scheduler() -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    for job_id, func, cron in JOBS:
        scheduler.add_job(func, CronTrigger(timezone="UTC", **cron), id=job_id, replace_existing=True)
    return scheduler


def start_scheduler() -> BackgroundScheduler:
    """Start the jobs, and run the index rebuild once now so a server that was down catches up."""
    scheduler = build_scheduler()
    scheduler.start()
    scheduler.add_job(rebuild_free_slot_index, id="rebuild_free_slot_index_on_start")
    return scheduler
