"""/courses/[course_id]: a course — its chapters (a free preview for anyone signed in), the pay panel to
enrol (card/UPI through the checkout, the wallet, or lesson credits when the learner has any), the player with the viewer's own progress, and
reviews. The browser gets a video URL only after the service agreed the viewer may watch, and it stops
working after a few minutes (the player fetches a fresh one itself, assets/courses.js)."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.courses import building, course_credits, enrolment, queries, watching
from tutorhub.services.courses.course_credits import CoursePayOptions
from tutorhub.services.courses.views import CourseDetail
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, NotAuthenticated, NotFound
from tutorhub.services.learning import guardians
from tutorhub.state.base import AppState, form_text
from tutorhub.state.money.views import minutes_text


class ChapterRow(BaseModel):
    id: int
    label: str  # "1. Title"
    preview: bool
    playable: bool
    completed: bool
    has_video: bool


class ReviewRow(BaseModel):
    stars: str
    body: str
    author: str


class CoursePageState(AppState):
    status: str = "loading"  # loading | ready | notfound
    course_id: int = 0
    title: str = ""
    subtitle: str = ""
    description: str = ""
    price: str = ""
    free: bool = False
    cover_src: str = ""
    rating: str = ""
    course_status: str = ""
    is_owner: bool = False
    enrolment: str = ""  # ACTIVE | PENDING | ""
    progress_percent: int = 0
    chapters: list[ChapterRow] = []
    reviews: list[ReviewRow] = []
    current_id: int = 0
    current_title: str = ""
    notes_html: str = ""  # sanitized by the service (notes.render_notes)
    video_src: str = ""
    pay_method: str = "gateway"
    wallet_text: str = ""
    wallet_ok: bool = False
    credit_price: str = ""  # "or 45 credit minutes" ("" when credits cannot pay for the course)
    credits_offered: bool = False  # the learner has credit minutes and the course has a minute price
    credits_text: str = ""  # "3 h available · this course needs 45 min"
    credits_ok: bool = False
    message: str = ""
    working: bool = False
    review_error: str = ""
    children: list[list[str]] = []  # a guardian's linked children: [id as text, name]
    child_id: str = ""
    _positions: dict[int, float] = {}
    _notes: dict[int, str] = {}

    def _show(self, d: CourseDetail) -> None:
        self.course_id, self.title, self.description, self.course_status = d.id, d.title, d.description, d.status
        self.subtitle = f"{d.subject.title()} · {d.grade or 'any grade'} · {len(d.chapters)} chapters · with {d.tutor_name}"
        self.free = d.price_minor == 0
        self.cover_src = f"/api/v1/courses/{d.id}/cover" if d.has_cover else ""
        self.price = "Free" if self.free else format_money(d.price_minor, d.currency)
        self.rating = f"★ {d.rating:.1f} from {d.rating_count} reviews" if d.rating is not None else "No ratings yet"
        self.is_owner, self.enrolment, self.progress_percent = d.is_owner, d.enrolment_status or "", d.progress_percent
        self.chapters = [ChapterRow(id=c.id, label=f"{c.position}. {c.title}", preview=c.preview, playable=c.playable,
                                    completed=c.completed, has_video=c.has_video) for c in d.chapters]
        self._positions = {c.id: c.position_s for c in d.chapters}
        self._notes = {c.id: c.notes_html or "" for c in d.chapters}
        minutes = d.credit_price_minutes
        self.credit_price = f"or {minutes} credit minutes" if minutes else ""
        self.reviews = [ReviewRow(stars="★" * r.rating + "☆" * (5 - r.rating), body=r.body, author=r.author)
                        for r in d.reviews]
        if self.current_id in self._notes:
            self.notes_html = self._notes[self.current_id]
        self.status = "ready"

    def _show_pay(self, o: CoursePayOptions | None) -> None:
        """The pay choices: the payer's wallet, and credits only when the learner has some and the
        course has a price in minutes (a chosen method that is no longer offered falls back to card)."""
        self.wallet_text = f"{format_money(o.wallet_minor, o.currency)} available" if o else ""
        self.wallet_ok = o is not None and o.wallet_minor >= o.price_minor
        need = o.course_minutes if o else None
        self.credits_offered = o is not None and need is not None and o.credit_minutes > 0
        self.credits_text = (f"{minutes_text(o.credit_minutes)} available · this course needs {minutes_text(need)}"
                             if o is not None and need is not None else "")
        self.credits_ok = o is not None and need is not None and o.credit_minutes >= need
        if self.pay_method == "credits" and not self.credits_offered:
            self.pay_method = "gateway"

    async def _read(self) -> None:
        cid, chosen = self._route_tail(), self.child_id

        def unit(s: Any, actor: Any) -> tuple[CourseDetail, list[list[str]], CoursePayOptions | None]:
            kids = guardians.list_linked_students(s, actor=actor) if actor is not None and actor.role == "guardian" \
                else []
            children = [[str(k.student_id), k.name] for k in kids]
            detail = queries.get_course(s, viewer=actor, course_id=cid)
            child = chosen if chosen in {c[0] for c in children} else (children[0][0] if children else "")
            try:  # a student, or a guardian with a linked child; anyone else has no pay choice
                options = course_credits.pay_options(s, actor=actor, course_id=cid,
                                                     student_id=int(child) if child else None)
            except DomainError:
                options = None
            return detail, children, options

        try:
            detail, self.children, options = await self._db(unit, read_only=True)
        except NotFound:
            self.status = "notfound"
            return
        if self.children and self.child_id not in {c[0] for c in self.children}:
            self.child_id = self.children[0][0]
        self._show(detail)
        self._show_pay(options)

    async def load(self):
        self.status, self.message, self.current_id, self.video_src, self.notes_html = "loading", "", 0, "", ""
        self.pay_method = "gateway"
        await self._read()
        first = next((c for c in self.chapters if c.playable), None)
        if first is not None:
            return await self.play(first.id)
        return None

    async def refresh(self):
        await self._read()

    async def play(self, chapter_id: int):
        """Open a chapter in the player (the service decides; a refusal is shown, nothing played)."""
        cid = self.course_id
        try:
            url = await self._db(lambda s, actor: watching.video_url(s, viewer=actor, course_id=cid,
                                                                     chapter_id=chapter_id), read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        row = next((c for c in self.chapters if c.id == chapter_id), None)
        self.current_id, self.video_src = int(chapter_id), url
        self.current_title = row.label if row else ""
        self.notes_html = self._notes.get(int(chapter_id), "")
        # Where the student left off; a completed chapter starts again from the beginning.
        start = 0.0 if row is None or row.completed else round(float(self._positions.get(int(chapter_id), 0)), 1)
        # On a fresh page load this runs before /courses.js has loaded: wait for it (up to 10 s).
        args = f"{int(cid)}, {int(chapter_id)}, {start:g}, {json.dumps(url)}"
        return rx.call_script("(function go(n) { if (window.thWatch) window.thWatch(" + args + "); "
                              "else if (n < 100) setTimeout(function () { go(n + 1); }, 100); })(0)")

    def set_pay_method(self, value: Any):
        """Any client may send anything: only the offered methods are kept (credits only when offered)."""
        if value in ("gateway", "wallet") or (value == "credits" and self.credits_offered):
            self.pay_method = str(value)
        self.message = ""

    def set_child(self, value: Any):
        """A guardian picks which linked child the course is for (only one of their own children); the
        pay panel then re-reads to show that child's credits."""
        if isinstance(value, str) and value in {c[0] for c in self.children} and value != self.child_id:
            self.child_id, self.message = value, ""
            return CoursePageState.refresh
        return None

    async def enrol(self):
        self.working, self.message = True, ""
        cid, method = self._route_tail(), self.pay_method
        child = int(self.child_id) if self.child_id.isdigit() else None
        try:
            out = await self._db(lambda s, actor: enrolment.enrol(s, actor=actor, course_id=cid, method=method,
                                                                  student_id=child))
        except NotAuthenticated:
            self.working = False
            return self._login_redirect()
        except DomainError as exc:
            self.working, self.message = False, exc.message
            return rx.toast.error(exc.message)
        self.working = False
        if out.get("checkout_url"):
            return rx.redirect(out["checkout_url"])
        await self.load()
        return rx.toast.success("Enrolled — enjoy the course." if not child else "Enrolled: your child can watch it now.")

    async def refund(self):
        cid = self._route_tail()
        try:
            out = await self._db(lambda s, actor: enrolment.request_refund(s, actor=actor, course_id=cid))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self.load()
        if out.get("refunded_minutes") is not None:
            return rx.toast.success(f"Refunded {minutes_text(out['refunded_minutes'])} of credits.")
        return rx.toast.success(f"Refunded {format_money(out['refunded_minor'], out['currency'])} to your wallet.")

    async def unpublish(self, form: dict[str, Any]):
        """Admin: take the course down with a reason (audited; enrolled students keep access)."""
        cid, reason = self._route_tail(), form_text(form, "reason", 500)
        try:
            await self._db(lambda s, actor: building.unpublish_course(s, actor=actor, course_id=cid, reason=reason))
        except DomainError as exc:
            return rx.toast.error(exc.fields.get("reason") and f"The reason {exc.fields['reason']}." or exc.message)
        await self._read()
        return rx.toast.success("The course is unpublished.")

    async def review(self, form: dict[str, Any]):
        cid = self._route_tail()
        text = form_text(form, "rating", 1)
        rating: Any = int(text) if text in ("1", "2", "3", "4", "5") else text
        body = form_text(form, "body", 2000)
        try:
            await self._db(lambda s, actor: watching.review_course(s, actor=actor, course_id=cid, rating=rating,
                                                                   body=body))
        except DomainError as exc:
            self.review_error = exc.fields.get("rating") or exc.fields.get("body") or exc.message
            return None
        self.review_error = ""
        await self._read()
        return rx.toast.success("Thank you for your review.")
