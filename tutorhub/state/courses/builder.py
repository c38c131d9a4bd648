"""/teach/courses/[course_id]: the tutor's course builder — chapters in order (move buttons), notes,
preview flags, video uploads (assets/courses.js PUTs the parts straight to storage with live progress),
publishing, and the course's figures (sales, enrolments, completion per chapter as a chart)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.courses import building, covers, queries, stats
from tutorhub.services.courses.stats import CourseStats
from tutorhub.services.courses.views import CourseDetail
from tutorhub.services.currency import MoneyInputError, format_money, minor_to_major_text
from tutorhub.services.errors import DomainError, Forbidden, NotAuthenticated, NotFound
from tutorhub.settings import get_settings
from tutorhub.state.base import AppState, form_failure, form_text
from tutorhub.state.courses.find import course_form_data, course_form_failure


class BuilderChapter(BaseModel):
    id: int
    label: str
    preview: bool
    video: str  # "Video ready" | "No video yet"
    ready: bool
    first: bool
    last: bool
    title: str
    notes_md: str


class CourseBuilderState(AppState):
    status: str = "loading"  # loading | ready | notfound
    course_id: int = 0
    title: str = ""
    course_status: str = ""
    price: str = ""
    chapters: list[BuilderChapter] = []
    chapter_errors: dict[str, str] = {}
    chapter_message: str = ""
    message: str = ""
    enrolments: int = 0
    refunded: int = 0
    sales: str = ""
    released: str = ""
    completion: list[dict[str, Any]] = []  # chart rows: {label, percent}
    has_cover: bool = False
    cover_error: str = ""
    # The edit-details form's current values (title above), and its errors.
    subject: str = ""
    grade: str = ""
    description: str = ""
    price_input: str = ""  # major units, as typed
    currency: str = ""
    details_errors: dict[str, str] = {}

    def _show(self, d: CourseDetail, figures: CourseStats) -> None:
        self.course_id, self.title, self.course_status = d.id, d.title, d.status
        self.price = "Free" if d.price_minor == 0 else format_money(d.price_minor, d.currency)
        last = len(d.chapters) - 1
        self.chapters = [BuilderChapter(id=c.id, label=f"{c.position}. {c.title}", preview=c.preview,
                                        video="Video ready" if c.has_video else "No video yet", ready=c.has_video,
                                        first=i == 0, last=i == last, title=c.title, notes_md=c.notes_md or "")
                         for i, c in enumerate(d.chapters)]
        self.enrolments, self.refunded = figures.enrolments, figures.refunded
        self.sales = format_money(figures.sales_minor, figures.currency)
        self.released = format_money(figures.released_minor, figures.currency)
        self.completion = [{"label": c.label, "percent": c.percent} for c in figures.chapters]
        self.has_cover = d.has_cover
        self.subject, self.grade, self.description, self.currency = d.subject, d.grade, d.description, d.currency
        self.price_input = minor_to_major_text(d.price_minor, d.currency)
        self.status = "ready"

    async def _read(self) -> Any:
        cid = self._route_tail()

        def unit(s: Any, actor: Any) -> tuple[CourseDetail, CourseStats]:
            figures = stats.course_stats(s, actor=actor, course_id=cid)  # refuses anyone but the course's tutor
            return queries.get_course(s, viewer=actor, course_id=cid), figures

        try:
            detail, figures = await self._db(unit, read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        except (NotFound, Forbidden):
            self.status = "notfound"
            return None
        self._show(detail, figures)
        return None

    async def load(self):
        self.status, self.message, self.chapter_errors, self.chapter_message = "loading", "", {}, ""
        return await self._read()

    async def refresh(self):
        return await self._read()

    async def add_chapter(self, form: dict[str, Any]):
        cid = self._route_tail()
        data = {"title": form_text(form, "title", 200), "notes_md": form_text(form, "notes_md", 20000),
                "preview": form_text(form, "preview", 4) == "on"}
        try:
            await self._db(lambda s, actor: building.add_chapter(s, actor=actor, course_id=cid, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.chapter_errors, self.chapter_message = form_failure(exc)
            return None
        self.chapter_errors, self.chapter_message = {}, ""
        await self._read()
        return [rx.set_value("chapter-title", ""), rx.set_value("field-notes_md", ""),
                rx.toast.success("Chapter added — upload its video below.")]

    async def edit_chapter(self, form: dict[str, Any]):
        """Save a chapter's title, notes and preview flag (the id comes from the form; the service checks
        that it is a chapter of this tutor's course)."""
        cid, chapter_id = self._route_tail(), form_text(form, "chapter_id", 20)
        data = {"title": form_text(form, "title", 200), "notes_md": form_text(form, "notes_md", 20000),
                "preview": form_text(form, "preview", 4) == "on"}
        try:
            await self._db(lambda s, actor: building.update_chapter(s, actor=actor, course_id=cid,
                                                                    chapter_id=chapter_id, data=data))
        except DomainError as exc:
            return rx.toast.error(next(iter(exc.fields.values()), exc.message))
        await self._read()
        return rx.toast.success("Chapter saved.")

    async def save_details(self, form: dict[str, Any]):
        """Edit the course's title, subject, grade, description, price and currency (the course's own tutor,
        checked by the service; enrolled students keep what they paid and their progress)."""
        cid = self._route_tail()
        try:
            data = course_form_data(form)
        except MoneyInputError as exc:
            self.details_errors = {"price": f"The price {exc}"}
            return None
        try:
            await self._db(lambda s, actor: building.update_course(s, actor=actor, course_id=cid, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.details_errors = course_form_failure(exc)[0] or {"title": exc.message}
            return None
        self.details_errors = {}
        await self._read()
        return rx.toast.success("Course details saved.")

    async def move(self, chapter_id: int, direction: str):
        cid = self._route_tail()
        try:
            await self._db(lambda s, actor: building.move_chapter(s, actor=actor, course_id=cid, chapter_id=chapter_id,
                                                                  direction=direction))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._read()
        return None

    async def publish(self):
        cid = self._route_tail()
        try:
            await self._db(lambda s, actor: building.publish_course(s, actor=actor, course_id=cid))
        except DomainError as exc:
            self.message = exc.message
            return rx.toast.error(exc.message)
        self.message = ""
        await self._read()
        return rx.toast.success("Published: students can find and buy it now.")

    async def upload_cover(self, files: list[rx.UploadFile]):
        """The cover image (checked by content in services/courses/covers.py)."""
        self.cover_error = ""
        upload = files[0] if isinstance(files, list) and files else None
        if upload is None or not hasattr(upload, "read"):
            self.cover_error = "Choose a PNG, JPEG or WebP image."
            return None
        data = await upload.read(get_settings().max_upload_bytes + 1)
        cid = self._route_tail()
        try:
            await self._db(lambda s, actor: covers.set_cover(s, actor=actor, course_id=cid, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.cover_error = exc.fields.get("file") and f"The file {exc.fields['file']}." or exc.message
            return None
        await self._read()
        return rx.toast.success("Cover saved.")

    def reject_cover(self, rejections: list[dict]):
        """The browser refused the file before upload (type or size)."""
        self.cover_error = f"Upload a PNG, JPEG or WebP image of at most {get_settings().max_upload_bytes // 2**20} MB."

    def upload(self, chapter_id: int):
        """Hand the chosen file to the uploader script (ids only; the script reads the file itself)."""
        return rx.call_script(f"window.thCourseUpload({int(self.course_id)}, {int(chapter_id)})")
