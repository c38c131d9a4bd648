"""/leads: a tutor's lead inbox, live — claim a lead for a credit, open the chat, propose a time
from the engine's best starts inside the student's windows.

A new matching enquiry publishes {"type": "lead"} on the tutor's "user:{id}" channel; the
watcher re-reads the first page. No student contact details are ever loaded into this state.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.currency import Rates, UnknownCurrency, convert_minor, format_rate, load_rates
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.leads import claims, inbox, proposals
from tutorhub.services.leads.views import LeadOut
from tutorhub.services.timefmt import format_local
from tutorhub.state import live
from tutorhub.state.base import AppState

LIVE_TYPES = frozenset({"lead", "booking", "resync"})


@dataclasses.dataclass
class TimeOption:
    start: str = ""  # ISO instant with offset (sent back to propose)
    label: str = ""


@dataclasses.dataclass
class LeadRow:
    id: int = 0
    status: str = ""
    title: str = ""
    place: str = ""
    budget: str = ""
    message: str = ""
    windows: str = ""
    fit: list[str] = dataclasses.field(default_factory=list)
    claimed: bool = False
    conversation_id: int = 0
    claims_left: int = 0
    expires: str = ""


def _budget(item: LeadOut, display: str, rates: Rates | None) -> str:
    """'up to ₹900/h (≈ €9.95/h)': the student's own budget first, ≈ the tutor's display currency beside it."""
    if rates is None or not display or display == item.currency or item.budget_max_minor <= 0:
        return item.budget_text
    try:
        shown = convert_minor(item.budget_max_minor, item.currency, display, rates)
    except UnknownCurrency:
        return item.budget_text
    return f"{item.budget_text} (≈ {format_rate(shown, display)})"


def _row(item: LeadOut, zone: str, display: str = "", rates: Rates | None = None) -> LeadRow:
    windows = ", ".join(f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[w.weekday]} {w.start}–{w.end}"
                        for w in item.windows)
    return LeadRow(
        id=item.id, status=item.status, title=f"{item.subject_label} · {item.grade_label} · {item.mode}",
        place=item.place_name, budget=_budget(item, display, rates), message=item.message,
        windows=(windows + f" ({item.timezone})") if windows else "Any time", fit=item.fit, claimed=item.claimed,
        conversation_id=item.conversation_id or 0, claims_left=item.claims_left,
        expires=format_local(item.expires_at.isoformat(), zone),
    )


class LeadInboxState(AppState):
    status: str = "loading"
    rows: list[LeadRow] = []
    credits: int = 0
    has_more: bool = False
    no_credits: bool = False
    times_for: int = 0
    times: list[TimeOption] = []
    _next_before: int = 0
    _viewer_id: int = 0
    _zone: str = "UTC"
    _live_key: str = ""
    _live_mark: int = 0

    async def _refresh(self) -> None:
        def read(s, actor):
            return (inbox.lead_inbox(s, actor=actor), self._zone_for(actor), actor.id if actor else 0,
                    self._currency_for(actor), load_rates(s))

        page, zone, viewer, display, rates = await self._db(read, read_only=True)
        self._zone, self._viewer_id = zone, viewer
        self.rows = [_row(i, zone, display, rates) for i in page.items]
        self.credits, self.has_more, self._next_before = page.lead_credits, page.next_before is not None, \
            page.next_before or 0

    async def load(self):
        self._live_mark = live.mark()
        self.times_for, self.times, self.no_credits = 0, [], False
        try:
            await self._refresh()
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError:
            self.status = "forbidden"
            return None
        self.status = "ready"
        return LeadInboxState.watch

    @rx.event(background=True)
    async def watch(self):
        """New matching enquiries appear without a reload; a lead whose lesson was just paid (a
        "booking" hint of this tutor's) leaves at once (state/live.py)."""
        await live.follow_viewer(self, LIVE_TYPES, self._on_hints)

    async def _on_hints(self, _batch: list[tuple[str, Any]]) -> None:
        await self._refresh()

    async def load_more(self):
        if not self._next_before:
            return None
        before = self._next_before
        try:
            page, display, rates = await self._db(lambda s, actor: (
                inbox.lead_inbox(s, actor=actor, before=before), self._currency_for(actor), load_rates(s)),
                read_only=True)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.rows = self.rows + [_row(i, self._zone, display, rates) for i in page.items]
        self.has_more, self._next_before = page.next_before is not None, page.next_before or 0
        return None

    async def claim(self, enquiry_id: Any):
        """Claim for 1 lead credit; with none, show the "buy lead credits" path."""
        try:
            out = await self._db(lambda s, actor: claims.claim_lead(s, actor=actor, enquiry_id=enquiry_id))
        except NotAuthenticated:
            return self._login_redirect()
        except InsufficientCredits:
            self.no_credits = True
            return rx.toast.error("You have no lead credits left. Buy some to claim this lead.")
        except DomainError as exc:
            await self._refresh()
            return rx.toast.error(exc.message)
        await self._refresh()
        return rx.toast.success("Claimed: " + ("1 lead credit spent." if out.charged else "already yours."))

    async def show_times(self, enquiry_id: Any):
        """The engine's best free starts inside the student's windows, to propose one."""
        try:
            best = await self._db(lambda s, actor: proposals.proposal_times(s, actor=actor, enquiry_id=enquiry_id),
                                  read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.times_for = best.tutor_id and int(enquiry_id) if str(enquiry_id).isdigit() else 0
        self.times = [TimeOption(start=p.start, label=f"{p.tutor_start[:16].replace('T', ' ')} your time · "
                                                     f"{p.start[:16].replace('T', ' ')} theirs")
                      for p in best.proposals]
        if not self.times:
            return rx.toast.info("No free time of yours falls in their windows in the next weeks.")
        return None

    async def propose(self, enquiry_id: Any, start: Any):
        try:
            await self._db(lambda s, actor: proposals.propose_lesson(s, actor=actor, enquiry_id=enquiry_id,
                                                                     start=start))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.times_for, self.times = 0, []
        return rx.toast.success("Proposal sent: the student sees it in the chat and on their enquiry.")
