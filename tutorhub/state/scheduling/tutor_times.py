"""A tutor's free times on the public profile: one week at a time in the viewer's timezone, and
the best times for a signed-in student with saved preferred times.

The viewer's zone is their account's zone when signed in, otherwise the zone their browser
reports. The section opens on the first week with a free time (the service decides which); only
the shown week is kept in state (at most 7 days × 48 starts); paging asks the service again.
Nothing here changes data, and every argument from the browser is checked (week numbers and
lengths against what the state offered, zones by the service).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import date
from typing import Any

import reflex as rx

from tutorhub.db import session_scope
from tutorhub.services.errors import DomainError, InvalidInput
from tutorhub.services.live_hints import slots_channel
from tutorhub.services.scheduling import shared_weeks, slot_weeks
from tutorhub.services.scheduling.slot_weeks import BestForViewer, WeekSlots
from tutorhub.services.validation import validate_timezone
from tutorhub.state import live
from tutorhub.state.base import DETECT_TZ_JS, AppState
from tutorhub.state.scheduling.views import DayView, ProposalView, day_views, proposal_views, week_title


class TutorSlotsState(AppState):
    slots_status: str = "loading"  # loading | ready | hidden
    week_loading: bool = False
    week: int = 0
    weeks: int = slot_weeks.WEEKS_AHEAD
    week_title: str = ""
    zone: str = ""
    tutor_zone: str = ""
    duration: str = ""
    lengths: list[str] = []
    days: list[DayView] = []
    slot_count: int = 0
    # "anonymous", "not_student", "no_windows", "ready" (see slot_weeks.best_for_viewer); "" = not loaded
    best_status: str = ""
    best: list[ProposalView] = []
    best_length: int = 0
    best_zone: str = ""
    _tutor_id: str = ""
    _live_key: str = ""
    _live_mark: int = 0  # live.mark() taken before the page read its data (no lost hints)

    def _route_tutor_id(self) -> str:
        return self._route_tail()

    async def _fetch(
        self, *, with_best: bool, opening: bool = False, fresh_after: float | None = None
    ) -> tuple[WeekSlots, BestForViewer | None] | None:
        """The week (and the best times); None when the viewer's zone is not known yet.
        `opening`: the week the section opens on (the first with a free time) instead of the
        shown one. `fresh_after` (live refreshes): reuse a public computation started after the
        hint came."""
        tid, week, duration, browser = self._tutor_id, self.week, self.duration or None, self.browser_tz

        def unit(session, actor):
            zone = actor.timezone if actor else browser
            if not zone:
                return None
            found = None
            if opening:
                found = slot_weeks.opening_week(session, tutor_id=tid, duration=duration, tz=zone, viewer=actor)
            elif fresh_after is not None:
                # Its own session: a shared entry is stamped with the time its computation started,
                # so its snapshot must not be older (this session's began when the actor was read,
                # possibly before waiting on another viewer's computation of the same week).
                with contextlib.suppress(DomainError), session_scope(read_only=True) as fresh:
                    found = shared_weeks.public_week(
                        fresh, tutor_id=tid, week=week, duration=duration, tz=zone, fresh_after=fresh_after
                    )
            if found is None:
                found = slot_weeks.week_slots(
                    session, tutor_id=tid, week=week, duration=duration, tz=zone, viewer=actor
                )
            best = None
            if with_best:
                best = slot_weeks.best_for_viewer(
                    session, tutor_id=tid, lesson_lengths=found.lesson_lengths, viewer=actor
                )
            return found, best

        return await self._db(unit, read_only=True)

    def _show(self, found: WeekSlots) -> None:
        # "Today" by the service's clock, the one that chose the week.
        today = date.fromisoformat(found.today)
        self.week, self.weeks, self.week_title = found.week, found.weeks, week_title(found)
        self.zone, self.tutor_zone = found.timezone, found.tutor_timezone
        self.duration, self.lengths = str(found.duration), [str(n) for n in found.lesson_lengths]
        self.days = day_views(found, today)
        self.slot_count = sum(len(d.slots) for d in found.days)

    def _show_best(self, best: BestForViewer) -> None:
        self.best_status = best.status
        self.best = proposal_views(best.best) if best.best else []
        self.best_length = best.best.duration if best.best else 0
        self.best_zone = best.best.timezone if best.best else ""

    async def _refresh(self, *, with_best: bool, opening: bool = False, fresh_after: float | None = None):
        try:
            result = await self._fetch(with_best=with_best, opening=opening, fresh_after=fresh_after)
        except DomainError:
            self.slots_status, self.week_loading = "hidden", False
            return None
        if result is None:
            return rx.call_script(DETECT_TZ_JS, callback=TutorSlotsState.use_browser_zone)
        found, best = result
        self._show(found)
        if best is not None:
            self._show_best(best)
        self.slots_status, self.week_loading = "ready", False
        return None

    async def _live_refresh(self, hint_at: float) -> None:
        """Re-read the shown week after a hint. The free times of a public tutor are the same for
        every viewer, so the many pages refreshing after one hint share one computation and need
        no per-viewer query; only a student with best times (their saved windows) reads as themself."""
        if self.best_status == "ready" or not self.zone:
            await self._refresh(with_best=True, fresh_after=hint_at)
            return
        tid, week, duration, zone = self._tutor_id, self.week, self.duration or None, self.zone

        def unit() -> WeekSlots:
            with session_scope(read_only=True) as session:
                return shared_weeks.public_week(
                    session, tutor_id=tid, week=week, duration=duration, tz=zone, fresh_after=hint_at
                )

        try:
            found = await asyncio.to_thread(unit)
        except DomainError:  # no longer public (or a bad length): the full path decides what to show
            await self._refresh(with_best=True)
            return
        self._show(found)

    async def load(self):
        self._tutor_id = self._route_tutor_id()
        self.week, self.duration, self.days, self.best, self.best_status = 0, "", [], [], ""
        self.slots_status = "loading"
        self._live_mark = live.mark()
        first = await self._refresh(with_best=True, opening=True)
        live_updates = TutorSlotsState.watch_slots if self.slots_status != "hidden" else None
        return [event for event in (first, live_updates) if event is not None]

    @rx.event(background=True)
    async def watch_slots(self):
        """Live availability: re-read the shown week whenever this tutor's busy time changes
        (a hold, booking, cancellation or availability edit by anyone, in any app process).
        Ends when the tab leaves the page or disconnects (state/live.py)."""
        async with self:
            tutor_id = self._tutor_id
            if not tutor_id.isdigit() or self.slots_status == "hidden":
                return
            key, path = live.claim(self), self.router.url.path or ""
            since = self._live_mark
        async for _batch in live.watch(
            self, [slots_channel(tutor_id)], lambda: live.is_current(self, key, path), since=since
        ):
            hint_at = time.monotonic()
            async with self:
                if not live.is_current(self, key, path):
                    break
                if self.slots_status == "ready":
                    await self._live_refresh(hint_at)

    async def use_browser_zone(self, zone: Any):
        """Callback of the browser's zone detection for a visitor who is not signed in."""
        try:
            self.browser_tz = validate_timezone(zone)
        except InvalidInput:
            self.browser_tz = "UTC"
        if not self.viewer_role:
            self.viewer_tz = self.browser_tz
        return await self._refresh(with_best=True, opening=True)

    async def _go(self, week: Any):
        if self.slots_status != "ready" or isinstance(week, bool) or not isinstance(week, int):
            return
        if not 0 <= week < self.weeks or week == self.week:
            return
        self.week, self.week_loading = week, True
        yield
        yield await self._refresh(with_best=False)

    async def go_to_week(self, week: Any):
        async for event in self._go(week):
            yield event

    async def next_week(self):
        async for event in self._go(self.week + 1):
            yield event

    async def prev_week(self):
        async for event in self._go(self.week - 1):
            yield event

    async def set_duration(self, value: Any):
        if self.slots_status != "ready" or not isinstance(value, str) or value not in self.lengths:
            return
        if value == self.duration:
            return
        self.duration, self.week_loading = value, True
        yield
        yield await self._refresh(with_best=False)
