"""Admin tools: the outbox (with each message's delivery status) and the login log."""

from __future__ import annotations

import dataclasses

import reflex as rx

from tutorhub.services import outbox
from tutorhub.services.accounts import logins
from tutorhub.services.errors import NotFound
from tutorhub.services.paging import page_count, page_number
from tutorhub.services.timefmt import format_local
from tutorhub.settings import get_settings
from tutorhub.state.admin_lists import read_admin_list
from tutorhub.state.base import AppState, read_for_page

LOGINS_PER_PAGE = 25


@dataclasses.dataclass
class OutboxRow:
    id: int = 0
    channel: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    when: str = ""
    status: str = ""
    error: str = ""  # the last sending error
    provider: str = ""
    delivery: str = ""  # the provider's report: queued, sent, delivered, read, failed, undelivered
    delivery_error: str = ""
    delivery_when: str = ""
    problem: bool = False
    note: str = ""  # e.g. "e-mail copy of #12 (failed)"


@dataclasses.dataclass
class LoginRow:
    id: int = 0
    when: str = ""
    identifier: str = ""
    method: str = ""
    success: bool = False
    reason: str = ""
    ip: str = ""
    user_agent: str = ""


class AdminOutboxState(AppState):
    status: str = "loading"
    rows: list[OutboxRow] = []
    refreshing: bool = False
    problems: bool = False  # /admin/outbox?problems=1: failed sends and failed / undelivered reports only
    bodies_hidden: bool = False

    async def load(self):
        self.problems = self.router.url.query_parameters.get("problems") in ("1", "true")
        problems = self.problems
        ok, found = await read_admin_list(
            self,
            lambda s, actor: (outbox.list_outbox(s, actor=actor, limit=50, problems=problems), self._zone_for(actor)),
            unavailable=(NotFound,),
        )
        if not ok:
            return found
        items, zone = found
        self.rows = [
            OutboxRow(
                id=i.id,
                channel=i.channel,
                recipient=i.recipient,
                subject=i.subject,
                body=i.body,
                when=format_local(i.created_at, zone),
                status=i.status,
                error=i.last_error,
                provider=i.provider,
                delivery=i.delivery_status,
                delivery_error=i.delivery_error,
                delivery_when=format_local(i.delivery_at, zone),
                problem=i.problem,
                note=f"E-mail copy of #{i.fallback_of}, which was not delivered" if i.fallback_of else "",
            )
            for i in items
        ]
        self.bodies_hidden = get_settings().is_production
        self.status, self.refreshing = "ready", False
        return None


class AdminLoginsState(AppState):
    status: str = "loading"
    rows: list[LoginRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0

    @rx.var
    def prev_href(self) -> str:
        return f"/admin/logins?page={self.page - 1}" if self.page > 1 else ""

    @rx.var
    def next_href(self) -> str:
        return f"/admin/logins?page={self.page + 1}" if self.page < self.pages else ""

    async def load(self):
        page = page_number(self.router.url.query_parameters.get("page"), text_ok=True)
        self.status = "loading"
        ok, found = await read_for_page(
            self,
            lambda s, actor: (
                logins.list_login_events(s, actor=actor, page=page, per_page=LOGINS_PER_PAGE),
                self._zone_for(actor),
            ),
            forget=lambda: setattr(self, "rows", []),
        )
        if not ok:
            return found
        (events, total), zone = found
        self.rows = [
            LoginRow(
                id=e.id,
                when=format_local(e.created_at, zone),
                identifier=e.identifier,
                method=e.method,
                success=e.success,
                reason=e.reason.replace("_", " "),
                ip=e.ip,
                user_agent=e.user_agent[:120],
            )
            for e in events
        ]
        self.total, self.page = total, page
        self.pages = page_count(total, LOGINS_PER_PAGE)
        self.status = "ready"
        return None
