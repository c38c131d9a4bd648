"""The lesson page's report section: the tutor writes the report once the lesson has ended (and
may ask for homework, drafted in a background event); the student sees it."""

from __future__ import annotations

import asyncio

import reflex as rx

from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.learning import homework, reports
from tutorhub.services.learning.reports import ReportView
from tutorhub.state.base import AppState, form_checked, form_failure, form_text


class LessonReportState(AppState):
    report_status: str = "loading"  # loading | none | write | ready
    topics: list[str] = []
    mistakes: list[str] = []
    notes: str = ""
    homework_href: str = ""
    homework_status: str = ""
    suggested: list[str] = []
    errors: dict[str, str] = {}
    message: str = ""
    drafting: bool = False
    _pending_homework: int = 0

    def _show(self, view: ReportView) -> None:
        if view.report is not None:
            r = view.report
            self.topics, self.mistakes, self.notes = r.topics, r.mistakes, r.notes
            self.homework_href = f"/homework/{r.homework_id}" if r.homework_id else ""
            self.homework_status = r.homework_status or ""
            self.report_status = "ready"
        else:
            self.topics, self.mistakes, self.notes, self.homework_href = [], [], "", ""
            self.suggested = view.suggested_mistakes
            self.report_status = "write" if view.can_write else "none"

    async def load(self):
        self.report_status, self.errors, self.message = "loading", {}, ""
        bid = self._route_tail()
        try:
            view = await self._db(lambda s, actor: reports.get_lesson_report(s, actor=actor, booking_id=bid),
                                  read_only=True)
        except DomainError:
            self.report_status = "none"
            return
        self._show(view)

    async def write_report(self, form: dict):
        if self.drafting:
            return None
        bid = self._route_tail()
        picked = [m for m in self.suggested if form_checked(form, f"pick_{self.suggested.index(m)}")]
        typed = form_text(form, "mistakes", 2000)
        mistakes = picked + [m.strip() for m in typed.replace("\n", ",").split(",") if m.strip()]
        topics, notes = form_text(form, "topics", 2000), form_text(form, "notes", 4100)
        wants = form_checked(form, "homework")
        self.errors, self.message = {}, ""
        try:
            out = await self._db(lambda s, actor: reports.write_lesson_report(
                s, actor=actor, booking_id=bid, topics=topics, mistakes=mistakes, notes=notes, homework=wants))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        if out.homework_id is None:
            await self.load()
            return rx.toast.success("Report saved")
        self._pending_homework, self.drafting = out.homework_id, True
        return LessonReportState.finish_homework

    @rx.event(background=True)
    async def finish_homework(self):
        """Draft the homework this tab's report just asked for (backend-only id), then open it."""
        async with self:
            work_id, self._pending_homework = self._pending_homework, 0
        if not work_id:
            return
        await asyncio.to_thread(lambda: homework.generate_homework(homework_id=work_id))
        async with self:
            self.drafting = False
        yield rx.redirect(f"/homework/{work_id}")
