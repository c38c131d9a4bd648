"""/admin/fraud: fraud flags raised by the hourly scan, filtered by status and signal, resolved
with a note (the service checks the admin, validates the note and records the audit entry)."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from tutorhub.models.fraud import FraudKind, FraudStatus
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.ops import fraud_review
from tutorhub.services.paging import page_number
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_text, read_for_page


@dataclasses.dataclass
class FlagUserLink:
    name: str = ""
    href: str = ""
    suspended: bool = False


@dataclasses.dataclass
class FraudRow:
    id: int = 0
    kind_label: str = ""
    reason: str = ""
    status: str = ""
    seen: str = ""
    resolved: bool = False
    resolution: str = ""
    users: list[FlagUserLink] = dataclasses.field(default_factory=list)


def fraud_href(status: str, kind: str, page: int = 1) -> str:
    query = {"status": status or "all"} | ({"kind": kind} if kind else {}) | ({"page": str(page)} if page > 1 else {})
    return f"/admin/fraud?{urlencode(query)}"


class AdminFraudState(AppState):
    status: str = "loading"
    show: str = FraudStatus.OPEN  # OPEN | RESOLVED | "" (all)
    kind: str = ""
    rows: list[FraudRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    working: int = 0  # the flag id being resolved from this tab

    @rx.var
    def prev_href(self) -> str:
        return fraud_href(self.show, self.kind, self.page - 1) if self.page > 1 else ""

    @rx.var
    def next_href(self) -> str:
        return fraud_href(self.show, self.kind, self.page + 1) if self.page < self.pages else ""

    async def _fetch(self, page: int):
        show, kind = self.show, self.kind
        ok, found = await read_for_page(
            self, lambda s, actor: (fraud_review.list_flags(s, actor=actor, status=show, kind=kind, page=page),
                                    self._zone_for(actor)), forget=lambda: setattr(self, "rows", []))
        if not ok:
            return found
        result, zone = found
        self.rows = [FraudRow(id=f.id, kind_label=f.kind_label, reason=f.reason, status=f.status,
                              seen=format_local(f.last_seen_at.isoformat(), zone), resolved=f.status == "RESOLVED",
                              resolution=f.resolution,
                              users=[FlagUserLink(u.full_name + (f" <{u.email}>" if u.email else ""),
                                                  f"/admin/users/{u.id}", u.suspended) for u in f.users])
                     for f in result.items]
        self.page, self.pages, self.total, self.status = result.page, result.pages, result.total, "ready"
        return None

    async def load(self):
        query = self.router.url.query_parameters
        show = str(query.get("status", FraudStatus.OPEN)).upper()
        self.show = "" if show == "ALL" else show if show in FraudStatus.ALL else FraudStatus.OPEN
        kind = str(query.get("kind", ""))
        self.kind = kind if kind in FraudKind.ALL else ""
        self.status, self.working = "loading", 0
        return await self._fetch(page_number(query.get("page"), text_ok=True))

    def filter(self, show: Any, kind: Any = ""):
        """Switch the status / signal filter (by URL, so the view is a shareable link)."""
        show = show if show in (*FraudStatus.ALL, "all") else FraudStatus.OPEN
        kind = kind if kind in FraudKind.ALL else ""
        return rx.redirect(fraud_href("" if show == "all" else show, kind))

    async def resolve(self, form: dict):
        """Resolve one flag with the note typed beside it."""
        flag_id, note = form_text(form, "flag_id", 12), form_text(form, "resolution", 1200)
        self.working = int(flag_id) if flag_id.isdigit() and len(flag_id) < 12 else 0
        yield
        try:
            await self._db(lambda s, actor: fraud_review.resolve_flag(s, actor=actor, flag_id=flag_id,
                                                                      resolution=note))
        except NotAuthenticated:
            self.working = 0
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.working = 0
            yield rx.toast.error(exc.message)
            return
        await self._fetch(self.page)
        self.working = 0
        yield rx.toast.success("Flag resolved.")
