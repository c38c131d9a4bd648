"""/classes/[class_id]: one class — its sessions in the viewer's zone with the tutor's time beside them,
seats left, and the viewer's own actions: enrol / leave (students), publish / cancel (its tutor).
Every handler re-reads the class through the services, which authorize; the browser holds the class's
public data and the viewer's own seat status only."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.classes import attendance, class_chat, class_reviews, classes, queries, seat_credits, seats
from tutorhub.services.classes.attendance import RosterRow
from tutorhub.services.classes.class_reviews import ClassReviewsOut
from tutorhub.services.classes.lifecycle import class_channel
from tutorhub.services.classes.seat_credits import SeatPayOptions
from tutorhub.services.classes.views import ClassDetail
from tutorhub.services.currency import Rates, format_money, load_rates
from tutorhub.services.errors import DomainError, NotAuthenticated, NotFound
from tutorhub.state import live
from tutorhub.state.base import AppState, form_text
from tutorhub.state.classes.find import local_when
from tutorhub.state.money.views import charged, minutes_text


class ReviewRow(BaseModel):
    id: int
    who: str
    stars: str  # "★★★★☆"
    comment: str
    when: str


class SessionRow(BaseModel):
    id: int
    seq: int
    yours: str  # in the viewer's zone
    tutors: str  # in the class's zone
    status: str


STATUS_TEXT = {
    "ENROLLED": "You are enrolled.",
    "WAITLISTED": "You are on the waitlist.",
    "OFFERED": "A seat is held for you — pay to take it before the offer runs out.",
}


class ClassPageState(AppState):
    status: str = "loading"  # loading | ready | notfound
    class_id: int = 0
    title: str = ""
    subtitle: str = ""
    description: str = ""
    price: str = ""
    seats_left: int = 0
    capacity: int = 0
    enrolled: int = 0
    waitlist: int = 0
    class_status: str = ""
    my_status: str = ""
    my_text: str = ""
    is_owner: bool = False
    sessions: list[SessionRow] = []
    conflicts: list[str] = []
    message: str = ""
    working: bool = False
    chat_href: str = ""  # the class chat, for its members
    broadcast_error: str = ""
    roster_session: str = ""  # the session whose roster is open (id as text)
    roster_label: str = ""
    roster: list[RosterRow] = []
    reviews: list[ReviewRow] = []
    review_summary: str = ""  # "4.5 / 5 from 2 reviews"
    can_review: bool = False
    review_errors: dict[str, str] = {}
    pay_method: str = "wallet"  # gateway | wallet | credits: the student's choice for a seat
    pay_wallet: str = ""  # "€40.00 available"
    pay_credits: str = ""  # "5 h available · a seat needs 4 h 48 min"
    pay_wallet_ok: bool = True
    pay_credits_ok: bool = True
    _live_key: str = ""
    _live_mark: int = 0

    def _show(self, d: ClassDetail, zone: str, display: str = "", rates: Rates | None = None) -> None:
        self.class_id, self.title, self.description = d.id, d.title, d.description
        self.subtitle = (f"{d.subject.title()} · {d.grade or 'any grade'} · {d.mode} · with {d.tutor_name} · "
                         f"{d.session_count} sessions of {d.duration_min} min")
        self.price = charged(d.price_minor, d.currency, display, rates) + " per seat for the whole course"
        self.seats_left, self.capacity = d.seats_left, d.capacity
        self.enrolled, self.waitlist, self.class_status = d.enrolled_count, d.waitlist_count, d.status
        self.my_status = d.my_status or ""
        text = STATUS_TEXT.get(self.my_status, "")
        if d.my_waitlist_position:
            text += f" Position {d.my_waitlist_position} in line."
        self.my_text = text
        self.is_owner = d.is_owner
        self.sessions = [SessionRow(id=s.id, seq=s.seq, yours=local_when(s.start, zone), tutors=f"{s.tutor_local} {d.timezone}",
                                    status=s.status.lower()) for s in d.sessions[:100]]
        self.status = "ready"

    async def _read(self) -> None:
        cid = self._route_tail()

        def unit(s: Any, actor: Any) -> tuple[ClassDetail, str, int | None, SeatPayOptions | None, str, Rates]:
            detail = queries.get_class(s, viewer=actor, class_id=cid)
            try:
                chat = class_chat.class_chat(s, actor=actor, class_id=cid) if actor is not None else None
            except DomainError:
                chat = None
            try:
                options = seat_credits.pay_options(s, actor=actor, class_id=cid)
            except DomainError:  # not a student: no pay choice
                options = None
            try:
                self._show_reviews(class_reviews.class_reviews(s, viewer=actor, class_id=cid))
            except DomainError:
                self.reviews, self.review_summary, self.can_review = [], "", False
            return detail, self._zone_for(actor), chat, options, self._currency_for(actor), load_rates(s)

        try:
            detail, zone, chat, options, display, rates = await self._db(unit, read_only=True)
        except NotFound:
            self.status = "notfound"
            return
        self._show(detail, zone, display, rates)
        self.chat_href = f"/messages?c={chat}" if chat else ""
        if options is not None:
            self._show_pay(options)

    def _show_reviews(self, out: ClassReviewsOut) -> None:
        self.can_review = out.can_review
        self.review_summary = (f"{out.average:.1f} / 5 from {out.count} review{'s' if out.count != 1 else ''}"
                               if out.average is not None else "")
        self.reviews = [ReviewRow(id=r.id, who=r.student_name, stars="★" * r.rating + "☆" * (5 - r.rating),
                                  comment=r.comment, when=r.created_at.strftime("%d %b %Y")) for r in out.items]

    async def submit_review(self, form: dict[str, Any]):
        """A student who attended rates the class (the service checks attendance and once-only)."""
        rating, comment, cid = form_text(form, "rating", 2), form_text(form, "comment", 2001), self._route_tail()
        try:
            await self._db(lambda s, actor: class_reviews.review_class(
                s, actor=actor, class_id=cid, rating=int(rating) if rating.isdigit() else rating, comment=comment))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.review_errors = dict(exc.fields) or {"rating": exc.message}
            return rx.toast.error(exc.message)
        self.review_errors = {}
        await self._read()
        return rx.toast.success("Thank you: your review is on the class page.")

    def _show_pay(self, o: SeatPayOptions) -> None:
        self.pay_wallet = f"{format_money(o.wallet_available_minor, o.currency)} available"
        self.pay_wallet_ok = o.wallet_available_minor >= o.price_minor
        self.pay_credits = f"{minutes_text(o.credit_minutes)} available · a seat needs {minutes_text(o.seat_minutes)}"
        self.pay_credits_ok = o.credit_minutes >= o.seat_minutes

    def set_pay_method(self, value: Any):
        """The pay choice (any client may send anything: only the payable methods are kept)."""
        if value in seats.PAYABLE:
            self.pay_method = str(value)

    async def load(self):
        self.status, self.message, self.conflicts = "loading", "", []
        self._live_mark = live.mark()
        await self._read()
        return ClassPageState.watch_class if self.status == "ready" else None

    @rx.event(background=True)
    async def watch_class(self):
        """Live seats: re-read the class whenever anyone enrols, leaves, is offered a seat, or the
        tutor publishes or cancels (any app process). Ends when the tab leaves or disconnects."""
        async with self:
            if self.status != "ready" or not self.class_id:
                return
            key, path, since = live.claim(self), self.router.url.path or "", self._live_mark
            channel = class_channel(self.class_id)
        async for _batch in live.watch(self, [channel], lambda: live.is_current(self, key, path), since=since):
            async with self:
                if not live.is_current(self, key, path):
                    break
                await self._read()

    async def refresh(self):
        await self._read()

    async def _act(self, use_case: Any, done: str):
        self.working, self.message, self.conflicts = True, "", []
        cid = self._route_tail()
        try:
            await self._db(lambda s, actor: use_case(s, actor, cid))
        except NotAuthenticated:
            self.working = False
            return self._login_redirect()
        except DomainError as exc:
            self.working = False
            self.message = exc.message
            self.conflicts = [f"Session {c['session_seq']}: {c['kind'].replace('_', ' ')} "
                              f"{c['start'][:16].replace('T', ' ')} UTC" for c in exc.extra.get("conflicts", [])][:20]
            return rx.toast.error(exc.message)
        self.working = False
        await self._read()
        return rx.toast.success(done)

    async def enrol(self):
        method = self.pay_method if self.pay_method in seats.PAYABLE else "wallet"
        started: dict[str, Any] = {}

        def use_case(s: Any, a: Any, cid: Any) -> None:
            started.update(seats.enrol(s, actor=a, class_id=cid, method=method))

        done = await self._act(use_case, "Done — see your seat status below.")
        if started.get("checkout_url"):  # card / UPI: the seat is held while the student pays
            return rx.redirect(str(started["checkout_url"]))
        return done

    async def leave(self):
        return await self._act(lambda s, a, cid: seats.leave(s, actor=a, class_id=cid), "You left the class.")

    async def publish(self):
        return await self._act(lambda s, a, cid: classes.publish_class(s, actor=a, class_id=cid),
                               "Published: students can find and join it.")

    async def cancel_session(self, session_id: str):
        """The tutor calls off one session (the service checks the class is theirs and the session ahead)."""
        sid = str(session_id)[:24]
        return await self._act(lambda s, a, cid: classes.cancel_session(s, actor=a, class_id=cid, session_id=sid),
                               "Session cancelled; its share is refunded to every enrolled student.")

    async def cancel(self):
        return await self._act(lambda s, a, cid: classes.cancel_class(s, actor=a, class_id=cid),
                               "Class cancelled; enrolled students are refunded.")

    async def send_broadcast(self, form: dict[str, Any]):
        """The tutor's update to every enrolled student (chat message + notification)."""
        body, cid = form_text(form, "body", 4000), self._route_tail()
        try:
            out = await self._db(lambda s, actor: class_chat.broadcast(s, actor=actor, class_id=cid, body=body))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.broadcast_error = next(iter(exc.fields.values()), exc.message)
            return rx.toast.error(exc.message)
        self.broadcast_error = ""
        await self._read()
        return rx.toast.success(f"Sent to {out['recipients']} enrolled students.")

    async def _load_roster(self, session_id: str) -> Any:
        cid = self._route_tail()
        try:
            rows = await self._db(lambda s, actor: attendance.session_roster(
                s, actor=actor, class_id=cid, session_id=session_id), read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.roster, self.roster_session = [], ""
            return rx.toast.error(exc.message)
        self.roster, self.roster_session = rows[:60], session_id
        self.roster_label = next((f"Session {r.seq} · {r.yours}" for r in self.sessions if str(r.id) == session_id), "")
        return None

    async def open_roster(self, session_id: str):
        """The tutor's attendance roster for one session (the service checks it is their class)."""
        return await self._load_roster(str(session_id)[:24])

    async def mark(self, student_id: str, status: str):
        """Mark one enrolled student present / late / absent for the open session."""
        cid, sid = self._route_tail(), self.roster_session
        if not sid:
            return rx.toast.error("Open a session's roster first.")
        try:
            await self._db(lambda s, actor: attendance.mark_attendance(
                s, actor=actor, class_id=cid, session_id=sid, student_id=str(student_id)[:24], status=status))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return await self._load_roster(sid)
