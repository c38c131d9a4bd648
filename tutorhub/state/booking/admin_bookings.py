"""Admin: tutors flagged for cancellations (resolve with notes) and the bookings overview."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.models.bookings import BookingStatus
from tutorhub.services.booking import screens as booking_pages
from tutorhub.services.errors import DomainError
from tutorhub.services.timefmt import format_local
from tutorhub.services.tutors import reliability
from tutorhub.state.base import AppState, form_text, read_for_page
from tutorhub.state.lesson_views import LessonRow, lesson_row


@dataclasses.dataclass
class FlagRow:
    id: int = 0
    tutor_name: str = ""
    tutor_email: str = ""
    tutor_href: str = ""
    detail: str = ""
    count: int = 0
    when: str = ""
    resolved: bool = False
    notes: str = ""


class AdminFlagsState(AppState):
    status: str = "loading"
    flags: list[FlagRow] = []
    show_resolved: bool = False

    async def _fetch(self):
        include = self.show_resolved
        ok, out = await read_for_page(
            self,
            lambda s, actor: (
                reliability.list_flagged_tutors(s, actor=actor, include_resolved=include),
                self._zone_for(actor),
            ),
            forget=lambda: setattr(self, "flags", []),
        )
        if not ok:
            return out
        found, zone = out
        self.flags = [
            FlagRow(
                id=f.id,
                tutor_name=f.tutor_name,
                tutor_email=f.tutor_email or "",
                tutor_href=f"/admin/verification/{f.tutor_id}",
                detail=f.detail,
                count=f.cancellations_in_window,
                when=format_local(f.created_at.isoformat(), zone),
                resolved=f.resolved_at is not None,
                notes=f.resolution_notes,
            )
            for f in found[:100]
        ]
        self.status = "ready"
        return None

    async def load(self):
        self.status = "loading"
        return await self._fetch()

    async def toggle_resolved(self, value: Any):
        self.show_resolved = bool(value) if isinstance(value, bool) else False
        return await self._fetch()

    async def resolve(self, form: Any):
        flag_id, notes = form_text(form, "flag_id", 12), form_text(form, "notes", 2000)
        try:
            await self._db(lambda s, actor: reliability.resolve_flag(s, actor=actor, flag_id=flag_id, notes=notes))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._fetch()
        return rx.toast.success("Flag resolved.")


class AdminBookingsState(AppState):
    status: str = "loading"
    filter_status: str = ""
    rows: list[LessonRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0

    async def _fetch(self):
        wanted, page = self.filter_status, self.page
        ok, found = await read_for_page(
            self,
            lambda s, actor: booking_pages.admin_bookings(s, actor=actor, status=wanted, page=page),
            forget=lambda: setattr(self, "rows", []),
        )
        if not ok:
            return found
        self.rows = [lesson_row(b) for b in found.items]
        self.page, self.pages, self.total = found.page, found.pages, found.total
        self.status = "ready"
        return None

    async def load(self):
        self.status, self.page, self.filter_status = "loading", 1, ""
        return await self._fetch()

    async def set_filter(self, value: Any):
        if value == "all":
            value = ""
        if value != "" and value not in BookingStatus.ALL:
            return None
        self.filter_status, self.page = value, 1
        return await self._fetch()

    async def go_page(self, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= self.pages:
            return None
        self.page = page
        return await self._fetch()
