"""The tutor's outside busy calendars, on the availability page: add an iCalendar URL, see each
one's last fetch and error, refresh now, remove. The services authorize the tutor from the session
cookie; a refresh is a network call, so it runs as a background event (the page stays usable)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from tutorhub.services.errors import DomainError, Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.scheduling import calendar_imports
from tutorhub.services.scheduling.calendar_imports import ExternalCalendarOut
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_text

STATUS_LABELS = {"pending": "Waiting for the first fetch", "ok": "Synced", "error": "Fetch failed"}


@dataclasses.dataclass
class CalendarRow:
    id: int = 0
    url: str = ""
    status: str = ""  # pending | ok | error
    status_label: str = ""
    fetched: str = ""  # "Last checked 7 Dec 2026, 05:10 CET" in the viewer's zone, or ""
    error: str = ""
    busy: str = ""  # "12 busy periods imported"


def _row(item: ExternalCalendarOut, tz: str) -> CalendarRow:
    fetched = format_local(item.last_fetched_at.isoformat(), tz) if item.last_fetched_at else ""
    return CalendarRow(
        id=item.id, url=item.url, status=item.status, status_label=STATUS_LABELS.get(item.status, item.status),
        fetched=f"Last checked {fetched}" if fetched else "Not fetched yet",
        error=item.last_error,
        # Only once a fetch succeeded (a failing first fetch imported nothing yet; later ones keep the last good).
        busy=f"{item.busy_count} busy period{'s' if item.busy_count != 1 else ''} imported"
        if item.last_success_at is not None else "",
    )


def _calendar_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class BusyCalendarsState(AppState):
    calendars: list[CalendarRow] = []
    cal_status: str = "loading"  # loading | ready | hidden (not a tutor)
    add_error: str = ""
    adding: bool = False
    refreshing: list[int] = []  # ids being fetched right now
    add_key: int = 0  # bumped to clear the add form

    async def _reload(self) -> None:
        try:
            items, tz = await self._db(
                lambda s, actor: (calendar_imports.list_calendars(s, actor=actor), actor.timezone if actor else "UTC"),
                read_only=True,
            )
        except (NotAuthenticated, Forbidden):
            self.calendars, self.cal_status = [], "hidden"
            return
        self.calendars = [_row(item, tz) for item in items]
        self.cal_status = "ready"

    async def load_calendars(self):
        self.refreshing, self.add_error = [], ""
        await self._reload()

    async def add_calendar(self, form: dict):
        url = form_text(form, "url", calendar_imports.MAX_URL + 1).strip()  # pasted links carry spaces
        self.adding, self.add_error = True, ""
        yield
        try:
            added = await self._db(lambda s, actor: calendar_imports.add_calendar(s, actor=actor, url=url))
        except InvalidInput as exc:
            self.adding, self.add_error = False, (exc.fields or {}).get("url", exc.message)
            return
        except NotAuthenticated:
            self.adding = False
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.adding, self.add_error = False, exc.message
            return
        self.adding, self.add_key = False, self.add_key + 1
        await self._reload()
        first_fetch: Any = BusyCalendarsState.refresh_calendar  # an event with an argument (typed as a callback)
        yield first_fetch(added.id)

    @rx.event(background=True)
    async def refresh_calendar(self, calendar_id: Any):
        """Fetch one of the tutor's calendars now; the row shows the outcome (or the error)."""
        message = await self._refresh(calendar_id, self)
        if message:
            yield rx.toast.error(message)

    async def _refresh(self, calendar_id: Any, lock: Any) -> str | None:
        """The refresh, with `lock` guarding state changes (the background task's own `self`; the
        tests pass a no-op): the fetch itself runs outside the lock on a worker thread."""
        cal_id = _calendar_id(calendar_id)
        if cal_id is None:
            return None
        async with lock:
            if cal_id in self.refreshing:
                return None
            self.refreshing = [*self.refreshing, cal_id]
            actor = await self._db(lambda _s, a: a, read_only=True)
        message = None
        try:
            await asyncio.to_thread(calendar_imports.refresh_calendar, actor=actor, calendar_id=cal_id)
        except DomainError as exc:
            message = exc.message
        async with lock:
            self.refreshing = [i for i in self.refreshing if i != cal_id]
            await self._reload()
        return message

    async def remove_calendar(self, calendar_id: Any):
        try:
            await self._db(lambda s, actor: calendar_imports.remove_calendar(s, actor=actor, calendar_id=calendar_id))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload()
        return rx.toast.success("Calendar removed; its busy times no longer block your slots.")
