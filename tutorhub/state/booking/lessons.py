"""'My lessons' (/lessons) for students and tutors: upcoming and past tabs, paged, each lesson in
the viewer's zone with the other party's time beside; for tutors, the requests waiting for an
answer with Accept / Decline.

Accept and decline take a booking id from the browser, which proves nothing: the booking
services check that the caller is that booking's tutor (404/403 otherwise) inside the same unit
of work that resolves the cookie."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.models import Role
from tutorhub.services.booking import bookings
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.errors import DomainError
from tutorhub.services.live_hints import user_channel
from tutorhub.state import live
from tutorhub.state.base import AppState
from tutorhub.state.lesson_views import LessonRow, lesson_row

PER_PAGE = 10
MAX_REQUESTS = 20
TABS = ("upcoming", "past")


def _booking_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**31:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:  # not "²"
        return int(value)
    return None


class MyLessonsState(AppState):
    lessons_status: str = "loading"  # loading | ready | forbidden
    tab: str = "upcoming"
    rows: list[LessonRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    list_loading: bool = False
    is_tutor: bool = False
    requests: list[LessonRow] = []
    acting_on: int = 0
    _live_key: str = ""
    _live_mark: int = 0  # live.mark() taken before the page read its data (no lost hints)

    async def _fetch(self) -> str:
        tab, page = self.tab, self.page

        def unit(session, actor):
            if actor is None:
                return "login"
            if actor.role not in (Role.STUDENT, Role.TUTOR):
                return "forbidden"
            found = booking_queries.list_bookings(session, actor=actor, when=tab, page=page, per_page=PER_PAGE)
            pending = None
            if actor.role == Role.TUTOR:
                pending = booking_queries.list_bookings(
                    session, actor=actor, status="REQUESTED", when="upcoming", per_page=MAX_REQUESTS
                )
            return actor.role, found, pending

        result = await self._db(unit, read_only=True)
        if isinstance(result, str):
            return result
        role, found, pending = result
        self.is_tutor = role == Role.TUTOR
        if found.page > found.pages and found.total:
            self.page = found.pages
            return await self._fetch()
        self.rows = [lesson_row(b) for b in found.items]
        self.page, self.pages, self.total = found.page, found.pages, found.total
        self.requests = [lesson_row(b) for b in pending.items] if pending else []
        if pending is not None:
            self.pending_requests = pending.total  # the navigation badge follows an Accept / Decline
        return "ready"

    async def _show(self):
        try:
            outcome = await self._fetch()
        except DomainError as exc:
            self.list_loading = False
            return rx.toast.error(exc.message)
        self.list_loading = False
        if outcome == "login":
            return self._login_redirect()
        self.lessons_status = outcome
        return None

    async def load(self):
        wanted = self.router.url.query_parameters.get("tab", "upcoming")
        self.tab = wanted if wanted in TABS else "upcoming"
        self.page, self.rows, self.requests, self.lessons_status = 1, [], [], "loading"
        self._live_mark = live.mark()
        shown = await self._show()
        if self.lessons_status != "ready":
            return shown
        return [event for event in (shown, MyLessonsState.watch_lessons) if event is not None]

    @rx.event(background=True)
    async def watch_lessons(self):
        """Live list: re-read the shown page when one of this user's bookings changes (either
        side acted, in any app process). Ends when the tab leaves (state/live.py)."""
        async with self:
            if self.lessons_status != "ready":
                return
            key, path = live.claim(self), self.router.url.path or ""
            user_id = await self._db(lambda _s, actor: actor.id if actor else None, read_only=True)
            since = self._live_mark
        if user_id is None:
            return
        async for batch in live.watch(
            self, [user_channel(user_id)], lambda: live.is_current(self, key, path), since=since
        ):
            if not any(payload.get("type") in ("booking", "resync") for _c, payload in batch):
                continue  # notifications and messages share the user's channel
            async with self:
                if not live.is_current(self, key, path):
                    break
                if not self.acting_on and not self.list_loading:
                    await self._show()

    async def set_tab(self, value: Any):
        if value not in TABS or value == self.tab or self.lessons_status != "ready":
            return
        self.tab, self.page, self.list_loading = value, 1, True
        yield
        yield await self._show()

    async def go_page(self, page: Any):
        if self.lessons_status != "ready" or isinstance(page, bool) or not isinstance(page, int):
            return
        if not 1 <= page <= self.pages or page == self.page:
            return
        self.page, self.list_loading = page, True
        yield
        yield await self._show()

    async def _answer(self, booking_id: Any, accept: bool):
        wanted = _booking_id(booking_id)
        if wanted is None:
            return
        self.acting_on = wanted
        yield

        def unit(session, actor):
            if accept:
                return bookings.accept_booking(session, actor=actor, booking_id=wanted)
            return bookings.decline_booking(session, actor=actor, booking_id=wanted, reason="declined by the tutor")

        try:
            await self._db(unit)
        except DomainError as exc:
            self.acting_on = 0
            yield rx.toast.error(exc.message)
            yield await self._show()
            return
        self.acting_on = 0
        yield rx.toast.success(
            "Accepted — the lesson is confirmed." if accept else "Declined; the student is refunded."
        )
        yield await self._show()

    async def accept(self, booking_id: Any):
        async for event in self._answer(booking_id, True):
            yield event

    async def decline(self, booking_id: Any):
        async for event in self._answer(booking_id, False):
            yield event
