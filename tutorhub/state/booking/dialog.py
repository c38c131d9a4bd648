"""Booking from the public tutor profile: a free time (or a best time) → the booking dialog →
a 15-minute hold (PENDING_PAYMENT) → the pay panel (PayMixin.pay, state/checkout/pay.py).

The hold limits (services/booking/hold_limits.py: 3 unpaid single holds, a series only when the
wallet or credits cover it, 20 attempts an hour) are the services'; the dialog shows their message
inline, and says up front when the student already holds the maximum.

The dialog's choices (length, single / trial / weekly series, number of weeks) are checked
against what the state offered; the tutor comes from the page's route and the actor from the
cookie inside each unit of work, so every hold, payment and release is re-authorized by the
booking services. Held booking ids live in backend-only vars; the browser only ever sees times,
prices and the countdown's end.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from tutorhub.models import Role
from tutorhub.models.bookings import BookingKind
from tutorhub.services.booking import bookings
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking import screens as booking_pages
from tutorhub.services.booking import series as booking_series
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.booking.hold_limits import TooManyHolds
from tutorhub.services.currency import charged_text, format_money
from tutorhub.services.errors import DomainError, InvalidInput
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.state.checkout.pay import PayMixin
from tutorhub.state.lesson_views import OccurrenceRow, in_zone, lesson_when, occurrence_rows, other_clock
from tutorhub.state.scheduling.tutor_times import TutorSlotsState

MAX_WEEKS = booking_series.MAX_OCCURRENCES


class BookingState(PayMixin, TutorSlotsState):
    book_open: bool = False
    book_step: str = "form"  # form | held | done
    book_busy: bool = False
    book_error: str = ""
    book_when: str = ""
    book_tutor_time: str = ""
    book_lengths: list[str] = []
    book_length: str = ""
    book_kind: str = "single"
    book_weeks: str = "4"
    trial_available: bool = False
    single_price: str = ""
    trial_price: str = ""
    trial_discount: int = 0
    instant: bool = True
    hold_minutes: int = 15
    hold_expires: str = ""  # ISO instant: the countdown's end
    held_count: int = 0
    held_price: str = ""
    unpaid_holds: int = 0  # single lessons the student holds awaiting payment (services/booking/hold_limits.py)
    max_unpaid_holds: int = 3
    series_checked: bool = False
    series_conflicts: int = 0
    occurrences: list[OccurrenceRow] = []
    done_text: str = ""
    lesson_href: str = ""
    _start: str = ""
    _held_ids: list[int] = []

    def _reset_dialog(self) -> None:
        self.book_step, self.book_busy, self.book_error = "form", False, ""
        self.book_kind, self.book_weeks = "single", "4"
        self.series_checked, self.series_conflicts, self.occurrences = False, 0, []
        self.hold_expires, self.held_count, self.held_price = "", 0, ""
        self.done_text, self.lesson_href = "", ""
        self._held_ids = []
        self._reset_pay()

    def _pay_booking_ids(self) -> list[Any]:
        return list(self._held_ids) if self.book_step == "held" else []

    def _pay_after(self, status: str) -> Any:
        """Paid from the wallet or credits: the dialog's done step."""
        self.done_text = (
            "Paid. Request sent — the tutor has 24 hours to accept; if they decline, you get your money back."
            if status == "REQUESTED"
            else "Paid and booked! The lesson is confirmed."
        )
        self.lesson_href = f"/lessons/{self._held_ids[0]}" if self._held_ids else "/lessons"
        self.book_step = "done"
        return None

    async def _quote(self, tutor_id: str, duration: str | None) -> booking_pages.BookingQuoteOut | str:
        """The quote for the signed-in student, or why there is none: 'login' / 'not_student'."""

        def unit(session, actor):
            if actor is None:
                return "login"
            if actor.role != Role.STUDENT:
                return "not_student"
            return booking_pages.booking_quote(session, actor=actor, tutor_id=tutor_id, duration_min=duration)

        return await self._db(unit, read_only=True)

    def _show_quote(self, q: booking_pages.BookingQuoteOut) -> None:
        self.book_lengths = [str(n) for n in q.lesson_lengths]
        self.book_length = str(q.duration_min)
        # What is charged (the tutor's currency) first, ≈ the student's display currency beside it.
        self.single_price = charged_text(q.price_minor, q.currency, q.display_currency, q.price_display_minor)
        self.trial_price = charged_text(q.trial_price_minor, q.currency, q.display_currency, q.trial_price_display_minor)
        self.trial_discount, self.trial_available = q.trial_discount_percent, q.trial_available
        self.instant, self.hold_minutes = q.instant_booking, q.hold_minutes
        self.unpaid_holds, self.max_unpaid_holds = q.unpaid_holds, q.max_unpaid_holds
        start = parse_instant(self._start, "start")
        mine, theirs = in_zone(start, self.zone or self.viewer_tz), in_zone(start, q.tutor_timezone)
        self.book_when = lesson_when(mine, q.duration_min)
        other = other_clock(mine, theirs)
        self.book_tutor_time = f"{other} for your tutor ({q.tutor_timezone})" if other else ""

    async def pick(self, start: Any):
        """A free time or a best time was clicked: open the dialog (students), else say why not."""
        if not isinstance(start, str) or len(start) > 40:
            return None
        try:
            parse_instant(start, "start")
        except InvalidInput:
            return None
        tutor_id = self._route_tutor_id()
        duration = self.duration if self.duration in self.lengths else None
        try:
            quote = await self._quote(tutor_id, duration)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        if quote == "login":
            return self._signup_redirect({"book": start})
        if quote == "not_student":
            return rx.toast.info("Only student accounts can book lessons.")
        assert isinstance(quote, booking_pages.BookingQuoteOut)
        self._reset_dialog()
        self._start = start
        self._show_quote(quote)
        self.book_open = True
        return None

    def _signup_redirect(self, keep: dict[str, str]) -> Any:
        """A visitor chose a time: sign up (or log in from there) and come back to this profile
        with the choice in the URL, where `resume` reopens the dialog on it."""
        back = (self.router.url.path or "/") + "?" + urlencode(keep)
        return rx.redirect("/signup?" + urlencode({"next": back}))

    def _first_free_start(self) -> str:
        return next((slot.start for day in self.days for slot in day.slots if slot.start), "")

    async def book_trial(self):
        """"Book a trial": the dialog on the first free time shown, as a trial when one is left."""
        if not self.signed_in:
            return self._signup_redirect({"trial": "1"})
        start = self._first_free_start()
        if not start:
            return [rx.scroll_to("available-times"),
                    rx.toast.info("No free time this week — see the next weeks under Available times.")]
        shown = await self.pick(start)
        if self.book_open and self.trial_available:
            self.book_kind = BookingKind.TRIAL
        return shown

    async def resume(self):
        """On the profile's load, after sign-up or log-in: reopen the dialog on the time chosen
        before (`?book=<start>`), or on the first free trial time (`?trial=1`)."""
        params = self.router.url.query_parameters
        if not self.signed_in or self.slots_status != "ready":
            return None
        if params.get("trial") == "1":
            return await self.book_trial()
        chosen = params.get("book", "")
        return await self.pick(chosen) if chosen else None

    async def set_book_length(self, value: Any):
        if self.book_step != "form" or not isinstance(value, str) or value not in self.book_lengths:
            return None
        try:
            quote = await self._quote(self._route_tutor_id(), value)
        except DomainError as exc:
            self.book_error = exc.message
            return None
        if isinstance(quote, booking_pages.BookingQuoteOut):
            self._show_quote(quote)
            self.series_checked, self.occurrences, self.book_error = False, [], ""
        return None

    def set_book_kind(self, value: Any):
        if self.book_step != "form" or value not in BookingKind.ALL or (value == "trial" and not self.trial_available):
            return
        self.book_kind, self.book_error = value, ""
        self.series_checked, self.occurrences = False, []

    def set_book_weeks(self, value: Any):
        if self.book_step != "form" or not isinstance(value, str) or len(value) > 2:
            return
        if not (value.isascii() and value.isdigit()):  # "²" passes isdigit() but not int()
            return
        if not 2 <= int(value) <= MAX_WEEKS:
            return
        self.book_weeks, self.series_checked, self.occurrences = value, False, []

    async def check_series(self):
        """Every weekly occurrence checked (nothing held): conflicts with their alternatives."""
        if self.book_step != "form" or self.book_kind != "series" or self.book_busy:
            return
        tutor_id, start, length, weeks = self._route_tutor_id(), self._start, self.book_length, self.book_weeks
        self.book_busy = True
        yield
        try:
            preview = await self._db(
                lambda s, actor: booking_series.preview_series(
                    s, actor=actor, tutor_id=tutor_id, start=start, duration_min=length, count=weeks
                ),
                read_only=True,
            )
        except DomainError as exc:
            self.book_busy, self.book_error = False, exc.message
            return
        self.occurrences = occurrence_rows(preview.occurrences)
        self.series_conflicts, self.series_checked = preview.conflicts, True
        self.book_busy, self.book_error = False, ""

    async def hold(self):
        """Take the slot(s): PENDING_PAYMENT for 15 minutes."""
        if self.book_step != "form" or self.book_busy:
            return
        if self.book_kind == "series" and not self.series_checked:
            self.book_error = "Check the weekly dates first."
            return
        tutor_id, start, length, kind, weeks = (
            self._route_tutor_id(),
            self._start,
            self.book_length,
            self.book_kind,
            self.book_weeks,
        )
        self.book_busy, self.book_error = True, ""
        yield

        def unit(session, actor):
            if kind == "series":
                out = booking_series.create_series(
                    session,
                    actor=actor,
                    tutor_id=tutor_id,
                    start=start,
                    duration_min=length,
                    count=weeks,
                    skip_conflicts=True,
                )
                return out.occurrences
            single = bookings.create_booking(
                session, actor=actor, tutor_id=tutor_id, start=start, duration_min=length, kind=kind
            )
            return [single]

        try:
            held = await self._db(unit)
        except SlotTaken:
            self.book_busy, self.book_open = False, False
            yield rx.toast.error("Sorry — that time was just taken by someone else. Please pick another.")
            yield await self._refresh(with_best=True)
            return
        except DomainError as exc:  # also the hold limits: 3 unpaid, series covered, 20 an hour
            self.book_busy, self.book_error = False, exc.message
            if isinstance(exc, TooManyHolds):
                self.unpaid_holds = int(exc.extra.get("unpaid_holds", self.max_unpaid_holds))
            return
        self._held_ids = [b.id for b in held]
        first = held[0]
        self.hold_expires = first.hold_expires_at.isoformat() if first.hold_expires_at else ""
        self.held_count = len(held)
        self.held_price = format_money(sum(b.price_minor for b in held), first.currency)
        self.book_step, self.book_busy = "held", False
        await self._load_pay_options()
        yield await self._refresh(with_best=False)

    async def release(self):
        """Give the held time back (or just close the dialog when nothing is held)."""
        ids = list(self._held_ids) if self.book_step == "held" else []
        self.book_open = False
        if not ids:
            self._reset_dialog()
            return None

        def unit(session, actor):
            for booking_id in ids:
                booking_changes.cancel_booking(session, actor=actor, booking_id=booking_id, reason="released the hold")

        try:
            await self._db(unit)
        except DomainError as exc:
            self._reset_dialog()
            return rx.toast.error(exc.message)
        self._reset_dialog()
        return await self._refresh(with_best=False)

    def close_done(self):
        self.book_open = False
        self._reset_dialog()
