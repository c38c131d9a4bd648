"""/admin/audit: the admin audit log (who did what, when, before/after), newest first, narrowed
by action prefix and target from the URL (services/audit.list_audit_entries checks the admin)."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urlencode

import reflex as rx

from tutorhub.services.accounts.audit import list_audit_entries
from tutorhub.services.paging import page_number
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_text, read_for_page

FILTERS = ("action", "target_kind", "target_id")
LINKS = {"user": "/admin/users/{}", "tutor": "/admin/verification/{}", "fraud_flag": "/admin/fraud?status=all"}


@dataclasses.dataclass
class AuditRow:
    id: int = 0
    when: str = ""
    actor: str = ""
    action: str = ""
    target: str = ""
    target_href: str = ""
    reason: str = ""
    change: str = ""


def audit_href(filters: dict[str, str], page: int = 1) -> str:
    query = {k: v for k, v in filters.items() if v} | ({"page": str(page)} if page > 1 else {})
    return "/admin/audit" + (f"?{urlencode(query)}" if query else "")


def _change(before: dict, after: dict) -> str:
    keys = list(dict.fromkeys([*before, *after]))
    return "; ".join(f"{k}: {json.dumps(before.get(k))} → {json.dumps(after.get(k))}" if k in before
                     else f"{k}: {json.dumps(after.get(k))}" for k in keys)[:600]


class AdminAuditState(AppState):
    status: str = "loading"
    action: str = ""
    target_kind: str = ""
    target_id: str = ""
    rows: list[AuditRow] = []
    page: int = 1
    pages: int = 1
    total: int = 0

    def _filters(self) -> dict[str, str]:
        return {"action": self.action, "target_kind": self.target_kind, "target_id": self.target_id}

    @rx.var
    def prev_href(self) -> str:
        return audit_href(self._filters(), self.page - 1) if self.page > 1 else ""

    @rx.var
    def next_href(self) -> str:
        return audit_href(self._filters(), self.page + 1) if self.page < self.pages else ""

    async def load(self):
        query = self.router.url.query_parameters
        self.action, self.target_kind, self.target_id = (str(query.get(k, ""))[:64] for k in FILTERS)
        page = page_number(query.get("page"), text_ok=True)
        self.status = "loading"
        filters = self._filters()
        ok, found = await read_for_page(
            self, lambda s, actor: (list_audit_entries(s, actor=actor, page=page, **filters), self._zone_for(actor)),
            forget=lambda: setattr(self, "rows", []))
        if not ok:
            return found
        result, zone = found
        self.rows = [AuditRow(id=e.id, when=format_local(e.created_at.isoformat(), zone),
                              actor=f"admin #{e.actor_user_id}" if e.actor_user_id else "operator / job",
                              action=e.action, target=f"{e.target_kind} {e.target_id}".strip(),
                              target_href=LINKS[e.target_kind].format(e.target_id) if e.target_kind in LINKS else "",
                              reason=e.reason, change=_change(e.before, e.after)) for e in result.items]
        self.page, self.pages, self.total, self.status = result.page, result.pages, result.total, "ready"
        return None

    def search(self, form: dict):
        """Turn the filter form into the page's URL (the load then reads it)."""
        return rx.redirect(audit_href({k: form_text(form, k, 64) for k in FILTERS}))
