"""The periodic jobs and the scheduler that runs them inside the app process.

Every app process starts a scheduler, but only the leader runs jobs: each process holds a
holder id and, before every job run, tries to take or renew the database lease
(services/ops/leader.py — ~60 s, renewed every ~20 s by a lease job in every process). The others
let the run pass (no row, no work). Every run by the leader (or "run now" by an admin) is wrapped
by services/ops/job_runs.run_recorded, so /admin/jobs shows its last run and outcome.

Jobs are idempotent and tolerate downtime (coalesced, generous misfire grace); a missed run is
made up at start. To add a job: write a function taking `now: datetime | None = None` and add
an entry to JOBS (job id, function, cron fields in UTC).

JOBS is the job registry. The job-run service (services/ops/job_runs.py) never imports it: the
admin page (state/ops/jobs.py) hands it over with every call, since jobs/ sits above services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from tutorhub.jobs.tasks import (
    apply_pending_webhooks,
    booking_minutely,
    booking_quarter_hourly,
    classes_every_five_minutes,
    deliver_outbox,
    expire_credits,
    expire_enquiries,
    fraud_scan,
    money_intents,
    nightly_backup,
    prune_job_runs,
    prune_login_throttles,
    rebuild_free_slot_index,
    reconcile_ads,
    reconcile_payments,
    recover_study_plans,
    refresh_exchange_rates,
    refresh_metrics,
    refresh_tutor_stats,
    release_course_sales,
    rematch_enquiries,
    renew_subscriptions,
    send_analytics,
    send_reminders,
    settle_money,
    sweep_room_presence,
    sync_external_calendars,
)
from tutorhub.models.base import utcnow
from tutorhub.services.ops import job_runs, leader
from tutorhub.services.ops.job_runs import Job

log = logging.getLogger("tutorhub.jobs")


# The registry: (job id, function, cron fields in UTC).
JOBS: list[Job] = [
    Job("rebuild_free_slot_index", rebuild_free_slot_index, {"hour": "3", "minute": "10"}),
    Job("booking_minutely", booking_minutely, {"minute": "*"}),
    Job("classes", classes_every_five_minutes, {"minute": "*/5"}),
    Job("release_course_sales", release_course_sales, {"minute": "17"}),
    Job("money_intents", money_intents, {"minute": "*"}),
    Job("booking_quarter_hourly", booking_quarter_hourly, {"minute": "*/15"}),
    Job("refresh_tutor_stats", refresh_tutor_stats, {"hour": "3", "minute": "40"}),
    Job("send_reminders", send_reminders, {"minute": "*"}),
    Job("deliver_outbox", deliver_outbox, {"minute": "*"}),
    Job("prune_job_runs", prune_job_runs, {"hour": "4", "minute": "20"}),
    Job("prune_login_throttles", prune_login_throttles, {"minute": "40"}),
    Job("expire_credits", expire_credits, {"minute": "5"}),
    Job("expire_enquiries", expire_enquiries, {"minute": "*"}),  # claimers are told within a minute
    Job("rematch_enquiries", rematch_enquiries, {"minute": "*/5"}),
    Job("renew_subscriptions", renew_subscriptions, {"minute": "*/15"}),
    Job("reconcile_payments", reconcile_payments, {"hour": "2", "minute": "30"}),
    Job("apply_pending_webhooks", apply_pending_webhooks, {"minute": "*"}),
    Job("settle_money", settle_money, {"minute": "*"}),
    Job("sync_external_calendars", sync_external_calendars, {"minute": "*"}),
    Job("nightly_backup", nightly_backup, {"hour": "1", "minute": "50"}),
    Job("sweep_room_presence", sweep_room_presence, {"minute": "*"}),
    Job("fraud_scan", fraud_scan, {"minute": "25"}),
    Job("reconcile_ads", reconcile_ads, {"hour": "2", "minute": "0"}),
    Job("send_analytics", send_analytics, {"minute": "*"}),
    Job("refresh_metrics", refresh_metrics, {"minute": "7"}),
    Job("recover_study_plans", recover_study_plans, {"minute": "*/5"}),
    Job("refresh_exchange_rates", refresh_exchange_rates, {"hour": "5", "minute": "15"}),
]


class LeaderGate:
    """One scheduler instance's identity and its "am I the leader?" check (a lease renewal)."""

    def __init__(self, holder: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self.holder = holder or leader.new_holder_id()
        self.clock = clock

    def is_leader(self) -> bool:
        try:
            return leader.try_acquire(self.holder, now=self.clock())
        except Exception:  # database down: nobody runs jobs until it is back
            log.exception("scheduler lease check failed")
            return False

    def run(self, job_id: str, func: Callable[[], object], trigger: str = "schedule") -> object | None:
        """Run `func` (recorded in job_runs) if this instance is the leader; None when it is not."""
        if not self.is_leader():
            return None
        return job_runs.run_recorded(job_id, func, trigger=trigger, holder=self.holder, clock=self.clock)

    def wrap(self, job_id: str, func: Callable[[], object], trigger: str = "schedule") -> Callable[[], object | None]:
        def job() -> object | None:
            return self.run(job_id, func, trigger)

        job.__name__ = f"leader_{job_id}"
        return job


def build_scheduler(gate: LeaderGate | None = None) -> BackgroundScheduler:
    gate = gate or LeaderGate()
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    # The booking jobs catch up by themselves (they act on everything overdue), so one run after
    # an outage is enough: coalescing keeps it to one.
    for job_id, func, cron in JOBS:
        scheduler.add_job(gate.wrap(job_id, func), CronTrigger(timezone="UTC", **cron), id=job_id,
                          replace_existing=True)
    return scheduler


def start_scheduler() -> BackgroundScheduler:
    """Start the jobs, and run the index rebuild once now so a server that was down catches up."""
    gate = LeaderGate()
    scheduler = build_scheduler(gate)
    scheduler.start()
    # Shortly after start (not at once: on a fresh database the migrations run first).
    scheduler.add_job(
        gate.wrap("rebuild_free_slot_index", rebuild_free_slot_index, trigger="start"),
        id="rebuild_free_slot_index_on_start", next_run_time=utcnow() + timedelta(seconds=30),
    )
    # Every process renews (or tries to take) the lease, so leadership moves within ~60 s of a leader's death.
    scheduler.add_job(gate.is_leader, "interval", seconds=leader.RENEW_SECONDS, id="scheduler_lease",
                      next_run_time=utcnow() + timedelta(seconds=35))
    scheduler.tutorhub_gate = gate  # type: ignore[attr-defined]  # for stop_scheduler
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop, and hand the lease over at once (no 60 s gap without a leader)."""
    scheduler.shutdown(wait=False)
    gate = getattr(scheduler, "tutorhub_gate", None)
    if gate is not None:
        try:
            leader.release(gate.holder, now=utcnow())
        except Exception:
            log.exception("could not release the scheduler lease")
