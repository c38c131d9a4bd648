"""Admin: daily payment reconciliation reports (/admin/reconciliation) and one report's differences."""

from __future__ import annotations

import dataclasses
from typing import Any

from tutorhub.services.currency import format_money
from tutorhub.services.errors import Forbidden, NotAuthenticated, NotFound
from tutorhub.services.money import reconciliation
from tutorhub.state.admin_lists import read_admin_list
from tutorhub.state.base import AppState

STATUS_COLORS = {"ok": "green", "differences": "amber", "error": "red"}
PROBLEM_TEXT = {
    "missing_in_ledger": "At the gateway, not in our books",
    "missing_at_gateway": "In our books, not at the gateway",
    "amount_mismatch": "Amounts differ",
}


@dataclasses.dataclass
class ReportRow:
    id: int = 0
    day: str = ""
    gateway: str = ""
    status: str = ""
    color: str = "gray"
    gateway_records: int = 0
    ledger_records: int = 0
    matched: int = 0
    differences: int = 0
    error: str = ""


@dataclasses.dataclass
class ItemRow:
    problem: str = ""
    kind: str = ""
    gateway_ref: str = ""
    reference: str = ""
    gateway_amount: str = "—"
    ledger_amount: str = "—"


class AdminReconciliationState(AppState):
    status: str = "loading"
    rows: list[ReportRow] = []
    selected: int = 0
    items: list[ItemRow] = []
    refreshing: bool = False

    async def load(self):
        ok, reports = await read_admin_list(self, lambda s, actor: reconciliation.list_reports(s, actor=actor))
        if not ok:
            return reports
        self.rows = [
            ReportRow(id=r.id, day=r.day.isoformat(), gateway=r.gateway, status=r.status,
                      color=STATUS_COLORS.get(r.status, "gray"), gateway_records=r.gateway_records,
                      ledger_records=r.ledger_records, matched=r.matched, differences=r.differences, error=r.error)
            for r in reports
        ]
        self.status, self.refreshing, self.selected, self.items = "ready", False, 0, []
        return None

    async def show(self, report_id: Any):
        """Any client may call this with anything: the id is parsed here and the service checks the admin."""
        rid = report_id if isinstance(report_id, int) and not isinstance(report_id, bool) else 0
        if not 0 < rid < 2**31 or rid == self.selected:
            self.selected, self.items = 0, []
            return None
        try:
            found = await self._db(lambda s, actor: reconciliation.report_items(s, actor=actor, report_id=rid), read_only=True)
        except (NotAuthenticated, Forbidden, NotFound):
            self.selected, self.items = 0, []
            return None

        def money(value: int | None, currency: str) -> str:
            return "—" if value is None else format_money(value, currency)

        self.selected = rid
        self.items = [
            ItemRow(problem=PROBLEM_TEXT.get(i.problem, i.problem), kind=i.kind, gateway_ref=i.gateway_ref,
                    reference=i.reference or "", gateway_amount=money(i.gateway_amount_minor, i.currency),
                    ledger_amount=money(i.ledger_amount_minor, i.currency))
            for i in found
        ]
        return None
