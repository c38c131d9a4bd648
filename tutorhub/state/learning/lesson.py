"""The lesson page (/lessons/[booking_id]): status and history, meeting link, shared notes, the
tutor's Start / End, no-show reports, the review and the reply (a held booking is paid in
money_pay.LessonPayState).
Cancelling, rescheduling and replacement offers live in lesson_changes.py (a substate).

The booking id always comes from the route, never from a var the browser could have changed,
and every handler runs its service with the actor resolved from the cookie in the same unit of
work — the services decide who may do what (strangers get "not found"). Only the two parties
and admins ever receive the page's data; the meeting link only reaches the two parties.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from tutorhub.services.actor import UserOut
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.booking.views import BookingDetail
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.learning import lessons, reviews
from tutorhub.services.live_hints import booking_channel
from tutorhub.services.timefmt import format_local
from tutorhub.state import live
from tutorhub.state.base import AppState, form_text
from tutorhub.state.lesson_views import (
    STATUS_COLORS,
    EventRow,
    event_rows,
    label_of,
    lesson_title,
    stars,
    times_for,
    with_whom_text,
)


class LessonState(AppState):
    lesson_status: str = "loading"  # loading | ready | notfound
    lesson_id: int = 0
    title: str = ""
    b_status: str = ""
    b_status_label: str = ""
    b_color: str = "gray"
    when: str = ""
    other_time: str = ""
    with_whom: str = ""
    price: str = ""
    as_role: str = ""  # student | tutor | admin
    actions: list[str] = []
    meeting_url: str = ""
    notes: str = ""
    notes_info: str = ""
    events: list[EventRow] = []
    hold_expires: str = ""
    refund_text: str = ""
    has_review: bool = False
    review_stars: str = ""
    review_comment: str = ""
    review_reply: str = ""
    open_offers: int = 0
    busy: str = ""  # the action running now ("" = none)
    end_confirm: str = ""  # "ended early?" question with the minutes run so far ("" = closed)
    actual_length: str = ""  # "Ran 18 of 60 minutes" once the tutor ended it
    error: str = ""
    _live_key: str = ""
    _live_mark: int = 0  # live.mark() taken before the page read its data (no lost hints)

    def _route_booking_id(self) -> str:
        return self._route_tail(12)

    def _show_detail(self, d: BookingDetail, zone: str) -> None:
        when, other = times_for(d)
        self.lesson_id, self.title = d.id, lesson_title(d)
        self.b_status, self.b_status_label = d.status, label_of(d)
        self.b_color = STATUS_COLORS.get(d.status, "gray")
        self.when, self.other_time = when, other
        self.as_role, self.with_whom = d.viewer_role, with_whom_text(d, say_role=True)
        self.price = format_money(d.price_minor, d.currency) + (
            f" ({d.discount_percent}% trial discount)" if d.discount_percent else ""
        ) + (f" · booked and paid by {d.booked_by} (guardian)" if d.booked_by else "")
        self.actions = list(d.actions)
        self.meeting_url = d.meeting_url or ""
        self.notes = d.notes
        self.notes_info = ""
        if d.notes_updated_at:
            self.notes_info = "Last saved " + format_local(d.notes_updated_at.isoformat(), zone)
        self.events = event_rows(d.events, zone)
        self.hold_expires = d.hold_expires_at.isoformat() if d.status == "PENDING_PAYMENT" and d.hold_expires_at else ""
        self.refund_text = ""
        if d.refund_minor and d.status in ("CANCELLED", "DECLINED", "NO_SHOW"):
            self.refund_text = f"{d.refund_percent}% refund ({format_money(d.refund_minor, d.currency)})"
            if d.refund_status == "PENDING_REPLACEMENT":
                self.refund_text += " — kept for you while you choose a replacement"
        review = d.review
        self.has_review = review is not None
        self.review_stars = stars(review.rating) if review else ""
        self.review_comment = review.comment if review else ""
        self.review_reply = review.reply if review else ""
        self.open_offers = d.open_offers
        self.actual_length = (
            f"Ran {d.actual_minutes} of {d.duration_min} minutes" if d.actual_minutes is not None else ""
        )

    async def _reload(self) -> Any:
        bid = self._route_booking_id()

        def unit(session, actor):
            return booking_queries.get_booking(session, actor=actor, booking_id=bid), self._zone_for(actor)

        try:
            detail, zone = await self._db(unit, read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError:  # not found, or not theirs: strangers learn nothing
            self._forget()
            self.lesson_status = "notfound"
            return None
        self._show_detail(detail, zone)
        self.lesson_status = "ready"
        return None

    def _forget(self) -> None:
        """Drop whatever a previous lesson left in the vars (nothing of it may linger)."""
        self.lesson_id, self.title, self.meeting_url, self.notes, self.events = 0, "", "", "", []
        self.actions, self.with_whom, self.review_comment, self.review_reply = [], "", "", ""

    async def _act(self, name: str, call: Callable[[Session, UserOut | None, str], Any], done: str):
        """Run one change for the lesson in the route, then show the lesson as it is now."""
        if self.busy:
            return
        bid = self._route_booking_id()
        self.busy, self.error = name, ""
        yield
        try:
            await self._db(lambda s, actor: call(s, actor, bid))
        except DomainError as exc:
            self.busy, self.error = "", exc.message
            yield rx.toast.error(exc.message)
            yield await self._reload()
            return
        self.busy = ""
        yield rx.toast.success(done)
        yield await self._reload()

    async def load(self):
        self.lesson_status, self.error, self.busy = "loading", "", ""
        self._forget()
        self._live_mark = live.mark()
        shown = await self._reload()
        if self.lesson_status != "ready":
            return shown
        return [event for event in (shown, LessonState.watch_lesson) if event is not None]

    @rx.event(background=True)
    async def watch_lesson(self):
        """Live status: re-read the lesson when it changes (the other side accepts, starts,
        cancels ...), from this or another app process. Ends when the tab leaves (state/live.py)."""
        async with self:
            if self.lesson_status != "ready" or not self.lesson_id:
                return
            key, path, channel = live.claim(self), self.router.url.path or "", booking_channel(self.lesson_id)
            since = self._live_mark
        async for _batch in live.watch(self, [channel], lambda: live.is_current(self, key, path), since=since):
            async with self:
                if not live.is_current(self, key, path):
                    break
                if not self.busy:  # our own action re-reads when it finishes
                    await self._reload()

    async def refresh(self):
        return await self._reload()

    async def start_lesson(self):
        async for e in self._act(
            "start", lambda s, a, bid: lessons.start_lesson(s, actor=a, booking_id=bid), "The lesson has started."
        ):
            yield e

    async def end_lesson(self, confirmed: Any = False):
        """End the running lesson. Before its scheduled end the service refuses until the tutor
        confirms: the refusal (with the minutes it ran, measured now) opens the confirmation."""
        early = confirmed is True
        self.end_confirm = ""
        if self.busy:
            return
        bid = self._route_booking_id()
        self.busy, self.error = "complete", ""
        yield
        try:
            await self._db(lambda s, a: lessons.complete_lesson(s, actor=a, booking_id=bid, end_early=early))
        except DomainError as exc:
            self.busy = ""
            if exc.extra.get("confirm") == "end_early":
                self.end_confirm = exc.message
                return
            self.error = exc.message
            yield rx.toast.error(exc.message)
            yield await self._reload()
            return
        self.busy = ""
        yield rx.toast.success("Lesson ended early. Your student has been told." if early else "Lesson completed.")
        yield await self._reload()

    def keep_teaching(self):
        """Close the "end early?" confirmation (nothing changes)."""
        self.end_confirm = ""

    async def report_no_show(self, form: Any):
        reason = form_text(form, "reason", 500)
        async for e in self._act(
            "no_show",
            lambda s, a, bid: lessons.report_no_show(s, actor=a, booking_id=bid, reason=reason),
            "No-show reported.",
        ):
            yield e

    async def dispute(self, form: Any):
        """Contest a completed lesson / a no-show report within 48 hours; an admin decides."""
        reason = form_text(form, "reason", 501)
        async for e in self._act(
            "dispute",
            lambda s, a, bid: lessons.dispute_lesson(s, actor=a, booking_id=bid, reason=reason),
            "Dispute opened. An admin will look at it and decide about the money.",
        ):
            yield e

    async def save_notes(self, form: Any):
        text = form_text(form, "notes", lessons.MAX_NOTES + 1)
        async for e in self._act(
            "notes", lambda s, a, bid: lessons.update_notes(s, actor=a, booking_id=bid, notes=text), "Notes saved."
        ):
            yield e

    async def submit_review(self, form: Any):
        rating, comment = form_text(form, "rating", 2), form_text(form, "comment", reviews.MAX_COMMENT + 1)
        if rating not in {"1", "2", "3", "4", "5"}:
            self.error = "Choose 1 to 5 stars."
            return
        async for e in self._act(
            "review",
            lambda s, a, bid: reviews.add_review(s, actor=a, booking_id=bid, rating=int(rating), comment=comment),
            "Thank you for your review!",
        ):
            yield e

    async def submit_reply(self, form: Any):
        reply = form_text(form, "reply", reviews.MAX_COMMENT + 1)
        async for e in self._act(
            "reply", lambda s, a, bid: reviews.reply_to_review(s, actor=a, booking_id=bid, reply=reply), "Reply posted."
        ):
            yield e
