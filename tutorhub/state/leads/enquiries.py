"""/enquiries: a student posts an enquiry and follows their enquiries live (the tutors who
answered, their proposals in the student's zone, accept / close).

Live: a background watcher on "user:{id}" (live.follow_viewer) re-reads on {"type": "enquiry"}
hints (claims, proposals, closes, the jobs), on {"type": "booking"} hints of a lesson held from an
accepted proposal (paid: CLOSED at once) and, on a quiet tick, once an open enquiry's 7 days are up
(shown EXPIRED at once; the job writes it within a minute). Every handler calls one service with the cookie's
actor, which authorizes it; the page keeps only the viewer's own enquiries.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.currency import MoneyInputError, parse_major_units
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.leads import enquiries, proposals
from tutorhub.services.leads.enquiry_times import WEEKDAY_NAMES
from tutorhub.services.leads.views import EnquiryDetail
from tutorhub.services.scheduling import student_windows
from tutorhub.services.timefmt import format_local
from tutorhub.state import live
from tutorhub.state.base import AppState, form_failure, form_text
from tutorhub.state.leads.time_ranges import TimeRangesMixin

ENQUIRY_TYPES = frozenset({"enquiry", "resync"})
LIVE_TYPES = ENQUIRY_TYPES | {"booking"}
EXPIRY_TICK = 10.0  # seconds: how late an enquiry may turn EXPIRED on an open page


@dataclasses.dataclass
class ProposalRow:
    id: int = 0
    tutor_name: str = ""
    when: str = ""
    duration: int = 0
    price: str = ""
    status: str = ""
    booking_id: int = 0


@dataclasses.dataclass
class ClaimRow:
    tutor_id: int = 0
    tutor_name: str = ""
    conversation_id: int = 0


@dataclasses.dataclass
class EnquiryRow:
    id: int = 0
    status: str = ""
    title: str = ""
    place: str = ""
    budget: str = ""
    message: str = ""
    windows: str = ""
    created: str = ""
    expires: str = ""
    live: bool = False
    reached: int = 0
    claims: list[ClaimRow] = dataclasses.field(default_factory=list)
    proposals: list[ProposalRow] = dataclasses.field(default_factory=list)


def _row(e: EnquiryDetail, zone: str) -> EnquiryRow:
    windows = ", ".join(f"{WEEKDAY_NAMES[w.weekday][:3]} {w.start}–{w.end}" for w in e.windows)
    return EnquiryRow(
        id=e.id, status=e.status, title=f"{e.subject_label} · {e.grade_label} · {e.mode}",
        place=e.place_name, budget=e.budget_text, message=e.message,
        windows=(windows + f" ({e.timezone})") if windows else "Any time",
        created=format_local(e.created_at.isoformat(), zone), expires=format_local(e.expires_at.isoformat(), zone),
        live=e.status in ("OPEN", "MATCHED"), reached=e.match_count,
        claims=[ClaimRow(tutor_id=c.tutor_id, tutor_name=c.tutor_name, conversation_id=c.conversation_id)
                for c in e.claims],
        proposals=[ProposalRow(id=p.id, tutor_name=p.tutor_name, when=format_local(p.start.isoformat(), zone),
                               duration=p.duration_min, price=p.price_text, status=p.status,
                               booking_id=p.booking_id or 0) for p in e.proposals],
    )


class StudentEnquiriesState(TimeRangesMixin, AppState):
    status: str = "loading"
    times_zone: str = ""
    rows: list[EnquiryRow] = []
    errors: dict[str, str] = {}
    form_error: str = ""
    suggestions: list[str] = []
    posting: bool = False
    _viewer_id: int = 0
    _live_key: str = ""
    _live_mark: int = 0
    _held_bookings: list[int] = []
    _next_expiry: str = ""

    async def _refresh(self) -> None:
        def read(s, actor):
            items = enquiries.list_my_enquiries(s, actor=actor).items
            details = [enquiries.get_my_enquiry(s, actor=actor, enquiry_id=e.id) for e in items]
            return details, self._zone_for(actor), actor.id if actor else 0

        details, zone, viewer = await self._db(read, read_only=True)
        self.rows, self._viewer_id = [_row(d, zone) for d in details], viewer
        live_now = [d for d in details if d.status in ("OPEN", "MATCHED")]
        # Lessons held from accepted proposals: their payment closes the enquiry (a "booking" hint).
        self._held_bookings = [p.booking_id for d in live_now for p in d.proposals
                               if p.status == "ACCEPTED" and p.booking_id]
        # The next enquiry to expire by itself (one with a held lesson waits for that lesson).
        due = [d.expires_at for d in live_now if not any(p.status == "ACCEPTED" for p in d.proposals)]
        self._next_expiry = min(due).isoformat() if due else ""

    async def load(self):
        self._live_mark = live.mark()
        try:
            await self._refresh()
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError:
            self.status = "forbidden"
            return None
        await self._prefill_times()
        self.status = "ready"
        return StudentEnquiriesState.watch

    async def _prefill_times(self) -> None:
        """The form's times start as the student's saved weekly windows (in their own zone)."""
        saved = await self._db(lambda s, actor: student_windows.get_student_windows(s, actor=actor), read_only=True)
        self.times_zone = saved.timezone
        self._fill_times((w.weekday, w.start, w.end) for w in saved.windows)

    async def use_saved_times(self):
        """Put the saved weekly windows back in the form (undo this enquiry's edits)."""
        try:
            await self._prefill_times()
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return None

    @rx.event(background=True)
    async def watch(self):
        """Keep the list live while the tab stays here (state/live.py)."""
        await live.follow_viewer(self, LIVE_TYPES, self._on_hints, tick=EXPIRY_TICK)

    async def _on_hints(self, batch: list[tuple[str, Any]]) -> None:
        """Re-read on the enquiry's own news, on a change of a lesson held from it (paid: CLOSED at
        once) and, on a quiet tick, once an open enquiry's time is up (EXPIRED before the job)."""
        if live.has_type(batch, ENQUIRY_TYPES) or any(
                isinstance(p, dict) and p.get("type") == "booking" and p.get("id") in self._held_bookings
                for _c, p in batch) or (
                live.has_type(batch, {"tick"}) and self._next_expiry
                and datetime.fromisoformat(self._next_expiry) <= utcnow()):
            await self._refresh()

    async def post(self, form: dict[str, Any]):
        """Post the enquiry form; field errors shown inline, unknown places with suggestions."""
        self.posting, self.errors, self.form_error, self.suggestions = True, {}, "", []
        currency = form_text(form, "currency", 3).upper() or "USD"
        data: dict[str, Any] = {k: form_text(form, k, 2000) for k in ("subject", "grade", "mode", "city", "message")}
        data["currency"], data["duration_min"] = currency, form_text(form, "duration_min", 4)
        try:
            data["budget_max_minor"] = parse_major_units(form_text(form, "budget", 20), currency, required=True)
        except MoneyInputError as exc:
            self.errors, self.posting = {"budget": str(exc)}, False
            return None
        if not data["city"]:
            data.pop("city")
        data["windows"] = self._times_payload()  # in the student's own zone (the service's default)
        self._show_time_errors({})
        try:
            await self._db(lambda s, actor: enquiries.post_enquiry(s, actor=actor, data=data, whole_lessons=True))
        except NotAuthenticated:
            self.posting = False
            return self._login_redirect()
        except DomainError as exc:
            errors, self.form_error = form_failure(exc)
            errors = self._show_time_errors(errors)
            if "budget_max_minor" in errors:
                errors["budget"] = errors.pop("budget_max_minor")
            self.errors = errors
            self.suggestions = [str(x) for x in (exc.extra.get("suggestions") or [])][:5]
            self.posting = False
            return None
        await self._refresh()
        self.posting = False
        return rx.toast.success("Enquiry posted: matching tutors see it now.")

    async def close(self, enquiry_id: Any):
        try:
            await self._db(lambda s, actor: enquiries.close_enquiry(s, actor=actor, enquiry_id=enquiry_id))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.toast.success("Enquiry closed.")

    async def accept(self, enquiry_id: Any, proposal_id: Any):
        """Accept a proposal: the lesson is held; go and pay for it."""
        try:
            out = await self._db(lambda s, actor: proposals.accept_proposal(
                s, actor=actor, enquiry_id=enquiry_id, proposal_id=proposal_id))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.redirect(f"/lessons/{out.booking_id}")
