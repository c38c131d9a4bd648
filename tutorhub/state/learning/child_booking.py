"""The guardian's "book a lesson for my child" page (/guardian/book?student=ID): find a tutor by
subject, pick one of their free times, hold it for the child, then pay from the guardian's wallet
or by card. Every step is one service call that checks the link (checkout/guardian_bookings.py);
the page keeps only what it renders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import reflex as rx
from pydantic import BaseModel

from tutorhub.models.base import utcnow
from tutorhub.services.checkout import guardian_bookings
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, NotAuthenticated, NotFound
from tutorhub.services.learning import guardians
from tutorhub.services.scheduling.slots import get_slots
from tutorhub.services.timefmt import format_local
from tutorhub.services.tutors.search import search_tutors
from tutorhub.state.base import AppState, form_failure, form_text, read_for_page

MAX_TUTORS = 6
MAX_SLOTS = 24
SLOT_DAYS = 14


class TutorChoice(BaseModel):
    id: int
    name: str
    line: str  # "Mathematics, Physics · €30.00/h"


class SlotChoice(BaseModel):
    start: str  # ISO with offset, handed back to the service as is
    label: str  # in the guardian's zone


class ChildBookingState(AppState):
    status: str = "loading"
    child_id: int = 0
    child_name: str = ""
    tutors: list[TutorChoice] = []
    searched: bool = False
    tutor_id: int = 0
    tutor_name: str = ""
    slots: list[SlotChoice] = []
    duration: int = 0  # the tutor's shortest lesson, the length the slots were computed for
    booking_id: int = 0  # the held lesson waiting for payment
    held_label: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    busy: bool = False

    def _forget(self) -> None:
        self.tutors, self.slots, self.child_name, self.booking_id = [], [], "", 0

    async def load(self):
        self._forget()
        self.status, self.errors, self.message, self.searched, self.tutor_id = "loading", {}, "", False, 0
        wanted = str(self.router.url.query_parameters.get("student", ""))[:20]

        def read(s, actor):
            for child in guardians.list_linked_students(s, actor=actor):
                if str(child.student_id) == wanted:
                    return child.student_id, child.name
            raise NotFound("No such student linked to you.")

        try:
            ok, got = await read_for_page(self, read, forget=self._forget)
        except NotFound:
            self.status = "notfound"
            return None
        if not ok:
            return got
        self.child_id, self.child_name = got
        self.status = "ready"
        return None

    async def _call(self, use_case, *, read_only: bool = False) -> tuple[bool, Any]:
        self.errors, self.message, self.busy = {}, "", True
        try:
            return True, await self._db(use_case, read_only=read_only)
        except NotAuthenticated:
            return False, self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return False, None
        finally:
            self.busy = False

    async def search(self, form: dict):
        subject, name = form_text(form, "subject", 80), form_text(form, "name", 80)

        def find(s, actor):
            found = search_tutors(s, subject=subject or None, name=name or None, per_page=MAX_TUTORS)
            return [TutorChoice(id=t.id, name=t.full_name, line=f"{', '.join(t.subjects[:3])} · "
                                f"{format_money(t.hourly_rate, t.currency)}/h") for t in found.items]

        ok, got = await self._call(find, read_only=True)
        if not ok:
            return got
        self.tutors, self.searched, self.tutor_id, self.slots = got, True, 0, []
        return None

    async def choose_tutor(self, tutor_id: int):
        choice = next((t for t in self.tutors if t.id == tutor_id), None)
        if choice is None:
            return None
        zone = self.viewer_tz or "UTC"

        def read(s, actor):
            now = utcnow()
            found = get_slots(s, tutor_id=choice.id, start=now, end=now + timedelta(days=SLOT_DAYS), tz=zone,
                              viewer=actor, now=now)
            return found.duration, [SlotChoice(start=slot.start, label=format_local(slot.start, zone))
                                    for slot in found.slots[:MAX_SLOTS]]

        ok, got = await self._call(read, read_only=True)
        if not ok:
            return got
        self.tutor_id, self.tutor_name = choice.id, choice.name
        self.duration, self.slots = got
        return None

    async def hold(self, start: str):
        start = str(start)[:40]
        if self.tutor_id == 0 or start not in {slot.start for slot in self.slots}:
            return None
        child, tutor, duration = self.child_id, self.tutor_id, self.duration

        def book(s, actor):
            return guardian_bookings.book_for_child(s, actor=actor, student_id=child, tutor_id=tutor, start=start,
                                                    duration_min=duration)

        ok, got = await self._call(book)
        if not ok:
            return got
        self.booking_id = got.booking.id
        self.held_label = (f"{self.tutor_name} · {format_local(start, self.viewer_tz or 'UTC')} · "
                           f"{format_money(got.booking.price_minor, got.booking.currency)}")
        return None

    async def pay(self, method: str):
        if method not in guardian_bookings.METHODS or self.booking_id == 0:
            return None
        booking_id = self.booking_id
        ok, got = await self._call(lambda s, actor: guardian_bookings.pay_for_child(
            s, actor=actor, booking_id=booking_id, method=method))
        if not ok:
            return got
        if got.checkout_url:
            return rx.redirect(got.checkout_url)
        self.booking_id = 0
        return [rx.toast.success(f"Lesson booked for {self.child_name}"), rx.redirect("/guardian")]
