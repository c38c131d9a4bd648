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
from tutorhub.services.timefmt import format_local
from tutorhub.state.admin_lists import read_admin_list
from tutorhub.state.base import AppState


@dataclasses.dataclass
class JobRow:
    job_id: str = ""
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
                schedule=st.schedule,
                last_when=format_local(st.last.started_at.isoformat(), zone) if st.last else "",
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
