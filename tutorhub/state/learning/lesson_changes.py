"""Changing a lesson from its page: cancel (showing the refund tier first), reschedule into a
free time of the same tutor, and — after a tutor cancelled — the replacement offers.

Same rules as lesson.py: the booking id comes from the route, offer ids and new start times
from the browser are only arguments the services check, and every call re-resolves the actor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.booking import replacements
from tutorhub.services.booking import screens as booking_pages
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, InvalidInput
from tutorhub.services.scheduling import slot_weeks
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.state.base import form_text
from tutorhub.state.learning.lesson import LessonState
from tutorhub.state.lesson_views import OfferRow, offer_rows
from tutorhub.state.scheduling.views import DayView, day_views, week_title

MAX_OFFER_ID = 2**31


class LessonChangeState(LessonState):
    cancel_open: bool = False
    cancel_refund: str = ""  # "Full refund (€30)" / "50% refund (€15)" / "No refund"
    cancel_tier: str = ""  # full | half | none
    cancel_by_tutor: bool = False
    resched_open: bool = False
    resched_week: int = 0
    resched_weeks: int = slot_weeks.WEEKS_AHEAD
    resched_title: str = ""
    resched_days: list[DayView] = []
    resched_zone: str = ""
    resched_loading: bool = False
    offers: list[OfferRow] = []
    offers_loaded: bool = False

    async def open_cancel(self):
        """Ask the service which refund tier applies now, before the user confirms."""
        bid = self._route_booking_id()
        try:
            preview = await self._db(
                lambda s, actor: booking_pages.cancel_preview(s, actor=actor, booking_id=bid), read_only=True
            )
        except DomainError as exc:
            return rx.toast.error(exc.message)
        money = format_money(preview.refund_minor, preview.currency)
        if preview.refund_percent >= 100:
            self.cancel_tier, self.cancel_refund = "full", f"Full refund ({money})"
        elif preview.refund_percent > 0:
            self.cancel_tier, self.cancel_refund = "half", f"{preview.refund_percent}% refund ({money})"
        else:
            self.cancel_tier, self.cancel_refund = "none", "No refund"
        self.cancel_by_tutor = preview.role == "tutor"
        self.cancel_open = True
        return None

    def close_cancel(self):
        self.cancel_open = False

    async def confirm_cancel(self, form: Any):
        reason = form_text(form, "reason", 500)
        self.cancel_open = False
        async for e in self._act(
            "cancel",
            lambda s, a, bid: booking_changes.cancel_booking(s, actor=a, booking_id=bid, reason=reason),
            "The lesson is cancelled.",
        ):
            yield e
        await self._load_offers()

    async def _load_week(self) -> None:
        bid, week = self._route_booking_id(), self.resched_week

        def unit(session, actor):
            detail = booking_queries.get_booking(session, actor=actor, booking_id=bid)
            if "reschedule" not in detail.actions:
                raise InvalidInput("This lesson cannot be rescheduled any more.")
            zone = self._zone_for(actor)
            return slot_weeks.week_slots(
                session, tutor_id=detail.tutor_id, week=week, duration=detail.duration_min, tz=zone, viewer=actor
            )

        found = await self._db(unit, read_only=True)
        self.resched_days = day_views(found, datetime.now(ZoneInfo(found.timezone)).date())
        self.resched_title, self.resched_zone = week_title(found), found.timezone
        self.resched_week, self.resched_weeks = found.week, found.weeks

    async def open_reschedule(self):
        self.resched_week, self.resched_loading = 0, True
        try:
            await self._load_week()
        except DomainError as exc:
            self.resched_loading = False
            return rx.toast.error(exc.message)
        self.resched_open, self.resched_loading = True, False
        return None

    async def resched_go(self, week: Any):
        if not self.resched_open or isinstance(week, bool) or not isinstance(week, int):
            return
        if not 0 <= week < self.resched_weeks or week == self.resched_week:
            return
        self.resched_week, self.resched_loading = week, True
        yield
        try:
            await self._load_week()
        except DomainError as exc:
            yield rx.toast.error(exc.message)
        self.resched_loading = False

    def close_reschedule(self):
        self.resched_open = False

    async def reschedule_to(self, start: Any):
        if not isinstance(start, str) or len(start) > 40:
            return
        try:
            parse_instant(start, "start")
        except InvalidInput:
            return
        if self.busy:
            return
        bid = self._route_booking_id()
        self.busy, self.error = "reschedule", ""
        yield
        try:
            await self._db(
                lambda s, actor: booking_changes.reschedule_booking(s, actor=actor, booking_id=bid, start=start)
            )
        except SlotTaken:
            self.busy = ""
            yield rx.toast.error("That time was just taken. Please pick another.")
            try:
                await self._load_week()
            except DomainError as exc:  # the lesson itself changed meanwhile (e.g. cancelled)
                self.error = exc.message
            return
        except DomainError as exc:
            self.busy, self.error = "", exc.message
            yield rx.toast.error(exc.message)
            return
        self.busy, self.resched_open = "", False
        yield rx.toast.success("Rescheduled.")
        yield await self._reload()

    # Replacement offers: the student chooses one after a tutor cancelled.
    async def _load_offers(self) -> None:
        self.offers, self.offers_loaded = [], False
        if "replacements" not in self.actions:
            return
        bid = self._route_booking_id()
        try:
            found = await self._db(
                lambda s, actor: replacements.list_replacement_offers(s, actor=actor, booking_id=bid), read_only=True
            )
        except DomainError:
            return
        self.offers = offer_rows([o for o in found if o.status == "OPEN"])
        self.offers_loaded = True

    async def load_changes(self):
        """Page load (after LessonState.load): the offers, when the student has some."""
        self.cancel_open, self.resched_open = False, False
        await self._load_offers()

    async def take_offer(self, offer_id: Any):
        if isinstance(offer_id, bool) or not isinstance(offer_id, int) or not 0 < offer_id < MAX_OFFER_ID:
            return
        async for e in self._act(
            "offer",
            lambda s, a, bid: replacements.take_replacement_offer(s, actor=a, booking_id=bid, offer_id=offer_id),
            "Booked with the replacement tutor — see My lessons.",
        ):
            yield e
        await self._load_offers()

    async def decline_offers(self):
        async for e in self._act(
            "offer",
            lambda s, a, bid: replacements.decline_replacement_offers(s, actor=a, booking_id=bid),
            "No replacement — the full price is credited back to you.",
        ):
            yield e
        await self._load_offers()
