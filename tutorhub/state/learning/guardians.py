"""The guardian page (/guardian). A student invites a guardian by email and sees or ends the links;
a guardian enters the code from the invitation email, then sees each linked child (progress,
plans, homework, lessons, lesson minutes) and can buy a minute pack for a child (paid by the
guardian, the minutes the child's: billing/guardian_packs.py)."""

from __future__ import annotations

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.billing import guardian_packs, plans
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.learning import guardian_requests, guardians
from tutorhub.services.learning.guardians import GuardianLinkOut
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page
from tutorhub.state.redirects import checkout_redirect

PACK_METHODS = {"wallet": "wallet", "card": "gateway"}


class ChildRow(BaseModel):
    student_id: int
    name: str
    link_id: int
    progress_href: str
    book_href: str
    lessons: list[str]  # "Mathematics · 3 Mar 2027 17:00 · CONFIRMED" (the viewer's zone)
    minutes: int  # lesson minutes the child can still spend


class PackChoice(BaseModel):
    code: str
    label: str  # "5 hours · 300 minutes · $60.00"


class GuardianState(AppState):
    status: str = "loading"
    role: str = ""  # student | guardian
    links: list[GuardianLinkOut] = []  # the student's; the guardian's pending invitations
    requests: list[GuardianLinkOut] = []  # the guardian's own open requests to children
    children: list[ChildRow] = []
    packs: list[PackChoice] = []  # minute packs a guardian can buy for a child
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0

    def _forget(self) -> None:
        self.links, self.children, self.requests, self.packs = [], [], [], []

    async def load(self):
        self.status, self.errors, self.message = "loading", {}, ""

        def read(s, actor):
            if actor is not None and actor.role == "student":
                return "student", guardians.list_my_guardians(s, actor=actor), [], [], []
            pending = guardians.list_pending_for_guardian(s, actor=actor)
            kids = []
            for child in guardians.list_linked_students(s, actor=actor):
                lessons = guardians.child_lessons(s, actor=actor, student_id=child.student_id, limit=5)
                zone = actor.timezone if actor else "UTC"
                kids.append(ChildRow(student_id=child.student_id, name=child.name, link_id=child.link_id,
                                     progress_href=f"/progress?student={child.student_id}",
                                     book_href=f"/guardian/book?student={child.student_id}",
                                     lessons=[f"{b.subject_label} · {format_local(b.start.isoformat(), zone)} · "
                                              f"{b.status_label}" for b in lessons],
                                     minutes=guardian_packs.child_minutes(s, actor=actor,
                                                                          student_id=child.student_id).minutes))
            packs = [PackChoice(code=p.code, label=f"{p.name} · {p.minutes} minutes · "
                                f"{format_money(p.price_minor, p.currency)}") for p in plans.list_packs(s)] if kids else []
            return "guardian", pending, kids, guardian_requests.list_my_requests(s, actor=actor), packs

        ok, got = await read_for_page(self, read, forget=self._forget)
        if not ok:
            return got
        self.role, self.links, self.children, self.requests, self.packs = got
        self.status = "ready"
        return None

    async def _do(self, use_case, done: str):
        self.errors, self.message = {}, ""
        try:
            await self._db(use_case)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        self.form_key += 1
        await self.load()
        return rx.toast.success(done)

    async def invite(self, form: dict):
        email = form_text(form, "guardian_email", 300)
        return await self._do(lambda s, actor: guardians.invite_guardian(s, actor=actor, guardian_email=email),
                              "Invitation sent")

    async def confirm(self, form: dict):
        link_id, code = form_text(form, "link_id", 20), form_text(form, "code", 20)
        return await self._do(lambda s, actor: guardians.confirm_guardian_link(s, actor=actor, link_id=link_id,
                                                                               code=code), "Linked")

    async def unlink(self, link_id: int):
        return await self._do(lambda s, actor: guardians.unlink_guardian(s, actor=actor, link_id=link_id), "Unlinked")

    async def ask_child(self, form: dict):
        email = form_text(form, "student_email", 300)
        return await self._do(lambda s, actor: guardian_requests.request_child_link(s, actor=actor, student_email=email),
                              "Request sent")

    async def answer(self, link_id: int, accept: bool):
        return await self._do(lambda s, actor: guardian_requests.answer_guardian_request(
            s, actor=actor, link_id=link_id, accept=accept), "Linked" if accept is True else "Declined")

    async def buy_minutes(self, form: dict):
        """Buy the chosen pack for the child of the form, from the guardian's wallet or by card."""
        student, pack = form_text(form, "student_id", 20), form_text(form, "pack", 40)
        method = PACK_METHODS.get(form_text(form, "method", 10), "")
        self.errors, self.message = {}, ""
        try:
            got = await self._db(lambda s, actor: guardian_packs.buy_pack_for_child(
                s, actor=actor, student_id=student, pack_code=pack, method=method))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        if got.checkout_url:
            return checkout_redirect(got.checkout_url)
        await self.load()
        return rx.toast.success(f"Added {got.minutes} lesson minutes")
