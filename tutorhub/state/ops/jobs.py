"""/admin/jobs: every periodic job's schedule, last run and outcome, with "Run now" (admins only;
the service authorizes every call).

The job registry (tutorhub/jobs/scheduler.JOBS) is handed to the job-run service with each call:
the service sits below jobs/ and must not import it."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from tutorhub.jobs.scheduler import JOBS
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.ops import job_runs
from tutorhub.services.timefmt import human_when
from tutorhub.state.admin_lists import read_admin_list
from tutorhub.state.base import AppState

JOB_NAMES = {
    "rebuild_free_slot_index": "Refresh the free-time search index",
    "booking_minutely": "Expire unpaid holds and unanswered requests",
    "money_intents": "Send refunds and payouts waiting to go out",
    "booking_quarter_hourly": "Complete and settle finished lessons",
    "refresh_tutor_stats": "Recompute tutors' ratings and trust scores",
    "send_reminders": "Send lesson reminders",
    "deliver_outbox": "Deliver queued emails and text messages",
    "prune_job_runs": "Tidy this page's run history",
    "prune_login_throttles": "Forget stale login-attempt counters",
    "expire_credits": "Expire lapsed lesson credits",
    "renew_subscriptions": "Renew and end subscriptions",
    "reconcile_payments": "Reconcile payments with the payment provider",
    "apply_pending_webhooks": "Apply payment-provider events left pending",
    "settle_money": "Move the money of finished lessons",
    "fraud_scan": "Look for fraud signals",
    "refresh_metrics": "Refresh the dashboard's figures",
    "release_course_sales": "Pay tutors for course sales past the refund window",
}
DESCRIPTIONS = {job_id: " ".join((func.__doc__ or "").split()) for job_id, func, _cron in JOBS}
CRONS = {job_id: cron for job_id, _func, cron in JOBS}


def human_schedule(cron: dict[str, str]) -> str:
    """{"minute": "*/15"} → 'Every 15 minutes'; {"hour": "3", "minute": "10"} → 'Daily at 03:10 UTC'."""
    minute, hour = str(cron.get("minute", "0")), cron.get("hour")
    if hour is None:
        if minute == "*":
            return "Every minute"
        if minute.startswith("*/"):
            return f"Every {minute[2:]} minutes"
        if minute.isdigit():
            return f"Every hour at :{int(minute):02d}"
    elif str(hour).isdigit() and minute.isdigit() and set(cron) <= {"hour", "minute"}:
        return f"Daily at {int(hour):02d}:{int(minute):02d} UTC"
    return " ".join(f"{k}={v}" for k, v in cron.items()) + " (UTC)"


@dataclasses.dataclass
class JobRow:
    job_id: str = ""
    name: str = ""
    description: str = ""
    schedule: str = ""
    last_when: str = ""
    last_outcome: str = ""  # "" = never ran
    last_detail: str = ""
    last_trigger: str = ""
    recent: str = ""  # e.g. "ok ok error ok" (newest first)


class AdminJobsState(AppState):
    status: str = "loading"
    rows: list[JobRow] = []
    running: str = ""  # the job id being run now from this tab
    refreshing: bool = False

    async def load(self):
        ok, found = await read_admin_list(
            self, lambda s, actor: (job_runs.job_statuses(s, actor=actor, registry=JOBS), self._zone_for(actor)))
        if not ok:
            return found
        statuses, zone = found
        self.rows = [
            JobRow(
                job_id=st.job_id,
                name=JOB_NAMES.get(st.job_id, st.job_id.replace("_", " ").capitalize()),
                description=DESCRIPTIONS.get(st.job_id, ""),
                schedule=human_schedule(CRONS[st.job_id]) if st.job_id in CRONS else st.schedule,
                last_when=human_when(st.last.started_at, zone) if st.last else "",
                last_outcome=st.last.outcome if st.last else "",
                last_detail=st.last.detail if st.last else "",
                last_trigger=st.last.trigger if st.last else "",
                recent=" ".join(r.outcome for r in st.recent),
            )
            for st in statuses
        ]
        self.status, self.refreshing = "ready", False
        return None

    async def run_now(self, job_id: Any):
        """Run one job at once (the service checks the caller is an admin and the id is a job)."""
        if self.running:
            return
        self.running = job_id[:64] if isinstance(job_id, str) else "?"  # client-supplied: bounded
        yield
        try:
            # The actor is resolved from the cookie like every other handler's; run_now opens its
            # own units of work (the job commits as it goes), so it runs outside this one.
            actor = await self._db(lambda _s, actor: actor, read_only=True)
            out = await asyncio.to_thread(job_runs.run_now, actor=actor, job_id=job_id, registry=JOBS)
        except NotAuthenticated:
            self.running = ""
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.running = ""
            yield rx.toast.error(exc.message)
            return
        self.running = ""
        yield AdminJobsState.load
        if out.outcome == "ok":
            yield rx.toast.success(f"{out.job_id}: done. {out.detail}"[:200])
        else:
            yield rx.toast.error(f"{out.job_id} failed: {out.detail}"[:200])
