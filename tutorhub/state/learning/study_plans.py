"""Study plans: the list with the "ask for a plan" form (/plans), and one plan (/plans/[plan_id])
with its checklist, a tutor's edits, comments and history.

Drafting runs in a background event: the request is stored first (one short unit of work), then
the model call (or the offline planner) runs off the event loop while the page shows progress and
stays usable; the plan opens when it is ready. Everything shown is plain text (Reflex escapes it):
nothing the model returns is rendered as HTML.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.errors import DomainError, NotFound
from tutorhub.services.learning import plan_edits, plan_recovery, study_plans
from tutorhub.services.learning.plan_edits import PlanEventOut
from tutorhub.services.learning.plan_views import PlanSummary, PlanWeekOut, StudyPlanOut
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_checked, form_failure, form_text, read_for_page

MAX_WEAK = 5


class PlanRow(BaseModel):
    id: int
    href: str
    title: str
    student_name: str
    status: str
    source_label: str
    progress: int


def _source_label(source: str) -> str:
    return {"claude": "Drafted by Claude", "offline": "Drafted by the offline planner"}.get(source, "Being drafted…")


def _row(p: PlanSummary) -> PlanRow:
    return PlanRow(id=p.id, href=f"/plans/{p.id}", title=f"{p.subject_label}: {p.goal}"[:120],
                   student_name=p.student_name, status=p.status, source_label=_source_label(p.source),
                   progress=p.progress)


class StudyPlansState(AppState):
    status: str = "loading"  # loading | ready | forbidden
    rows: list[PlanRow] = []
    errors: dict[str, str] = {}
    message: str = ""
    drafting: bool = False
    form_key: int = 0
    _pending_plan: int = 0

    async def load(self):
        self.status, self.errors, self.message = "loading", {}, ""
        ok, got = await read_for_page(self, lambda s, actor: study_plans.list_study_plans(s, actor=actor),
                                      forget=self._forget)
        if not ok:
            return got
        self.rows = [_row(p) for p in got]
        self.status = "ready"
        return None

    def _forget(self) -> None:
        self.rows = []

    async def ask(self, form: dict):
        """Store the request (validated and authorized by the service), then draft it in the background."""
        if self.drafting:
            return None
        weak = [w.strip() for w in form_text(form, "weak_areas", 600).split(",") if w.strip()][:MAX_WEAK + 1]
        fields: dict[str, Any] = {
            "subject": form_text(form, "subject", 60), "grade": form_text(form, "grade", 40),
            "goal": form_text(form, "goal", 600), "hours_per_week": form_text(form, "hours_per_week", 4).strip(),
            "exam_date": form_text(form, "exam_date", 12).strip() or None, "weak_areas": weak,
            "student_id": form_text(form, "student_id", 20).strip() or None,
        }
        self.errors, self.message = {}, ""
        try:
            created = await self._db(lambda s, actor: study_plans.request_study_plan(s, actor=actor, **fields))
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        self._pending_plan, self.drafting = created.id, True
        return StudyPlansState.finish_draft

    @rx.event(background=True)
    async def finish_draft(self):
        """Draft the plan this tab just asked for (the id is backend-only: a client cannot name
        another one) off the event loop, then open it."""
        async with self:
            plan_id, self._pending_plan = self._pending_plan, 0
        if not plan_id:
            return
        await asyncio.to_thread(lambda: study_plans.generate_study_plan(plan_id=plan_id))
        async with self:
            self.drafting = False
            self.form_key += 1
        yield rx.redirect(f"/plans/{plan_id}")


class PlanState(AppState):
    status: str = "loading"  # loading | ready | forbidden | notfound
    plan_id: int = 0
    header: str = ""
    student_name: str = ""
    source_label: str = ""
    fallback_reason: str = ""
    details: str = ""
    plan_status: str = ""
    viewer: str = ""
    progress: int = 0
    weeks: list[PlanWeekOut] = []
    history: list[PlanEventOut] = []
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0

    def _forget(self) -> None:
        self.weeks, self.history, self.header, self.student_name = [], [], "", ""

    def _show(self, plan: StudyPlanOut, history: list[PlanEventOut]) -> None:
        self.plan_id, self.plan_status, self.viewer, self.progress = plan.id, plan.status, plan.viewer, plan.progress
        self.header = f"{plan.subject_label} · {plan.grade_label}"
        self.student_name = plan.student_name
        self.source_label = _source_label(plan.source)
        self.fallback_reason = plan.fallback_reason
        exam = f" · exam {plan.exam_date}" if plan.exam_date else ""
        weak = f" · weak areas: {', '.join(plan.weak_areas)}" if plan.weak_areas else ""
        self.details = f"{plan.goal} · {plan.hours_per_week} h a week{exam}{weak}"
        zone = self.viewer_tz or "UTC"
        self.weeks = plan.weeks
        self.history = [h.model_copy(update={"created_at": format_local(h.created_at, zone)}) for h in history[:50]]

    async def _read_plan(self) -> tuple[bool, Any]:
        """(shown, redirect): the plan of the URL and its history into the page; `redirect` is the
        log-in redirect when the session is gone (None otherwise)."""
        pid = self._route_tail()
        try:
            ok, got = await read_for_page(self, lambda s, actor: (
                study_plans.get_study_plan(s, actor=actor, plan_id=pid),
                plan_edits.plan_history(s, actor=actor, plan_id=pid)), forget=self._forget)
        except NotFound:
            self._forget()
            self.status = "notfound"
            return False, None
        if not ok:
            return False, got
        self._show(*got)
        self.status = "ready"
        return True, None

    async def _refresh(self) -> bool:
        return (await self._read_plan())[0]

    async def load(self):
        self.status, self.errors, self.message = "loading", {}, ""
        return (await self._read_plan())[1]

    async def _act(self, use_case, done: str):
        try:
            await self._db(use_case)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.toast.success(done) if done else None

    async def retry(self):
        """Finish a plan whose drafting died with the offline planner (refused while it may still arrive)."""
        pid = self.plan_id
        return await self._act(lambda s, actor: plan_recovery.retry_study_plan(s, actor=actor, plan_id=pid),
                               "Plan drafted by the offline planner")

    async def toggle_task(self, task_id: int, done: bool):
        pid = self.plan_id
        return await self._act(lambda s, actor: plan_edits.set_task_done(
            s, actor=actor, plan_id=pid, task_id=task_id, done=done), "")

    async def remove_task(self, task_id: int):
        pid = self.plan_id
        return await self._act(lambda s, actor: plan_edits.remove_plan_task(
            s, actor=actor, plan_id=pid, task_id=task_id), "Task removed")

    async def move_task(self, task_id: int, week: str):
        pid = self.plan_id
        return await self._act(lambda s, actor: plan_edits.move_plan_task(
            s, actor=actor, plan_id=pid, task_id=task_id, week=week), "Task moved")

    async def add_task(self, form: dict):
        pid = self.plan_id
        values: dict[str, Any] = {k: form_text(form, k, 700) for k in ("week", "topic", "title", "description", "minutes")}
        book = form_checked(form, "book_lesson")
        self.errors, self.message = {}, ""
        try:
            await self._db(lambda s, actor: plan_edits.add_plan_task(s, actor=actor, plan_id=pid, **values,
                                                                     book_lesson=book))
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        self.form_key += 1
        await self._refresh()
        return rx.toast.success("Task added")

    async def comment(self, form: dict):
        pid = self.plan_id
        body = form_text(form, "body", 2100)
        self.errors, self.message = {}, ""
        try:
            await self._db(lambda s, actor: plan_edits.comment_on_plan(s, actor=actor, plan_id=pid, body=body))
        except DomainError as exc:
            self.errors = {"body": exc.fields.get("body", exc.message)}
            return None
        self.form_key += 1
        await self._refresh()
        return rx.toast.success("Comment added")
