"""Homework: the list (/homework) for students, guardians and tutors, and one homework
(/homework/[homework_id]): the tutor edits and sends a draft, the student answers (text per
exercise and files, stored privately), the tutor reviews. Plain text everywhere."""

from __future__ import annotations

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.errors import DomainError, NotAuthenticated, NotFound
from tutorhub.services.learning import homework
from tutorhub.services.learning.homework_views import ExerciseOut, HomeworkFileOut, HomeworkOut
from tutorhub.settings import get_settings
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page

MAX_EXERCISES = 8


class HomeworkRow(BaseModel):
    id: int
    href: str
    title: str
    who: str
    status: str
    due_label: str
    overdue: bool
    score: str


def _row(h: HomeworkOut) -> HomeworkRow:
    who = h.student_name if h.viewer != "student" else h.tutor_name
    return HomeworkRow(id=h.id, href=f"/homework/{h.id}", title=h.title, who=who, status=h.status,
                       due_label=h.due_label, overdue=h.overdue, score="" if h.score is None else f"{h.score}/100")


class HomeworkListState(AppState):
    status: str = "loading"
    rows: list[HomeworkRow] = []

    async def load(self):
        self.status = "loading"
        ok, got = await read_for_page(self, lambda s, actor: homework.list_homework(s, actor=actor),
                                      forget=lambda: setattr(self, "rows", []))
        if not ok:
            return got
        self.rows = [_row(h) for h in got]
        self.status = "ready"
        return None


class HomeworkState(AppState):
    status: str = "loading"  # loading | ready | forbidden | notfound
    hw_id: int = 0
    title: str = ""
    hw_status: str = ""
    viewer: str = ""
    source_label: str = ""
    who: str = ""
    due_label: str = ""
    overdue: bool = False
    exercises: list[ExerciseOut] = []
    exercises_text: str = ""
    answer_text: str = ""
    files: list[HomeworkFileOut] = []
    score: str = ""
    overall_feedback: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0

    def _forget(self) -> None:
        self.exercises, self.files, self.title, self.answer_text, self.overall_feedback = [], [], "", "", ""

    def _show(self, h: HomeworkOut) -> None:
        self.hw_id, self.title, self.hw_status, self.viewer = h.id, h.title, h.status, h.viewer
        self.source_label = {"claude": "Drafted by Claude", "offline": "Drafted by the offline generator"}.get(
            h.source, "Being drafted…")
        self.who = f"Student: {h.student_name} · Tutor: {h.tutor_name}"
        self.due_label, self.overdue = h.due_label, h.overdue
        self.exercises, self.files = h.exercises, h.files
        self.exercises_text = "\n\n".join(e.prompt for e in h.exercises)
        self.answer_text, self.overall_feedback = h.answer_text, h.overall_feedback
        self.score = "" if h.score is None else f"{h.score}/100"
        self.form_key += 1

    async def load(self):
        self.status, self.errors, self.message = "loading", {}, ""
        hid = self._route_tail()
        try:
            ok, got = await read_for_page(self, lambda s, actor: homework.get_homework(s, actor=actor, homework_id=hid),
                                          forget=self._forget)
        except NotFound:
            self._forget()
            self.status = "notfound"
            return None
        if not ok:
            return got
        self._show(got)
        self.status = "ready"
        return None

    async def _save(self, use_case, done: str):
        self.errors, self.message = {}, ""
        try:
            out = await self._db(use_case)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        self._show(out)
        return rx.toast.success(done)

    async def send(self, form: dict):
        hid = self.hw_id
        prompts = [p.strip() for p in form_text(form, "exercises", 6000).split("\n\n") if p.strip()]
        title, due = form_text(form, "title", 200), form_text(form, "due_date", 12).strip()
        due_at = f"{due}T18:00:00+00:00" if due else None
        return await self._save(lambda s, actor: homework.send_homework(
            s, actor=actor, homework_id=hid, title=title, exercises=prompts, due_at=due_at), "Homework sent")

    async def submit(self, form: dict):
        hid = self.hw_id
        answers = [form_text(form, f"answer_{i}", 4100) for i in range(min(len(self.exercises), MAX_EXERCISES))]
        text = form_text(form, "answer_text", 8100)
        return await self._save(lambda s, actor: homework.submit_homework(
            s, actor=actor, homework_id=hid, answers=answers, text=text), "Homework submitted")

    async def review(self, form: dict):
        hid = self.hw_id
        feedback = [form_text(form, f"feedback_{i}", 2100) for i in range(min(len(self.exercises), MAX_EXERCISES))]
        score, overall = form_text(form, "score", 4).strip(), form_text(form, "overall", 4100)
        return await self._save(lambda s, actor: homework.review_homework(
            s, actor=actor, homework_id=hid, score=score, feedback=feedback, overall=overall), "Review sent")

    async def upload(self, files: list[rx.UploadFile]):
        """Attach one file (checked by content and stored privately by the service)."""
        upload = files[0] if isinstance(files, list) and files else None
        if upload is None or not hasattr(upload, "read") or not self.hw_id:
            self.message = "Choose an image (JPEG, PNG, WebP) or a PDF."
            return None
        data = await upload.read(get_settings().max_upload_bytes + 1)
        name, hid = str(upload.name or "file"), self.hw_id
        return await self._save(lambda s, actor: homework.attach_homework_file(
            s, actor=actor, homework_id=hid, filename=name, data=data), f"Attached {name}")

    def reject_files(self, rejections: list[dict]):
        """The browser refused a file before upload (type or size)."""
        limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
        self.message = f"Attach a JPEG, PNG or WebP image or a PDF of at most {limit_mb} MB."
