"""/admin/reconciliation: admins see reports and a report's differences; nobody else does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.state.conftest import Browser
from tutorhub.db import session_scope
from tutorhub.models.gateways import SandboxCharge
from tutorhub.services.money import reconciliation
from tutorhub.state.money.reconciliation import AdminReconciliationState


def _report_with_orphan() -> int:
    now = datetime.now(UTC)
    with session_scope() as session:
        session.add(SandboxCharge(gateway_ref="sbx_ch_orphan", reference="pay_orphan", idempotency_key="checkout:o",
                                  amount_minor=700, currency="USD", status="succeeded", completed_at=now))
    with session_scope() as session:
        [report] = reconciliation.run_daily_reconciliation(session, now=now + timedelta(days=1))
    return report.id


def _open(email: str | None) -> tuple[Browser, AdminReconciliationState]:
    browser = Browser()
    if email:
        browser.login(email)
    browser.goto("/admin/reconciliation")
    state = browser.state(AdminReconciliationState)
    browser.run(state.load())
    return browser, state


def test_admin_sees_reports_and_differences(make_user):
    admin = make_user("admin")
    report_id = _report_with_orphan()
    browser, state = _open(admin.email)
    assert state.status == "ready" and [(r.id, r.status, r.differences) for r in state.rows] == [
        (report_id, "differences", 1)]
    browser.run(state.show(report_id))
    assert [(i.problem, i.reference, i.gateway_amount, i.ledger_amount) for i in state.items] == [
        ("At the gateway, not in our books", "pay_orphan", "$7", "—")]
    browser.run(state.show(report_id))  # toggles closed
    assert state.items == [] and state.selected == 0
    for junk in ("1", -5, True, None, 10**12):
        browser.run(state.show(junk))
        assert state.items == []


def test_students_are_refused(make_user):
    student = make_user("student")
    report_id = _report_with_orphan()
    browser, state = _open(student.email)
    assert state.status == "forbidden" and state.rows == []
    browser.run(state.show(report_id))
    assert state.items == []
