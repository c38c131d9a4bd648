"""Daily reconciliation: sandbox-side records vs. our payments and ledger, differences reported to admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tutorhub.db import session_scope
from tutorhub.jobs.scheduler import JOBS
from tutorhub.models.gateways import ReconciliationItem, ReconciliationReport, SandboxCharge
from tutorhub.models.money import Payment
from tutorhub.services.billing import wallet
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.errors import Forbidden
from tutorhub.services.money import reconciliation

NOW = datetime(2027, 3, 16, 23, 59, 30, tzinfo=UTC)  # late in the day: a report must not depend on the hour


def _paid_topup(db, student, amount: int) -> str:
    out = wallet.start_topup(db, actor=student, amount_minor=amount, currency="USD", now=NOW)
    db.commit()
    with session_scope() as session:
        sandbox_checkout.complete_checkout(session, reference=out.payment_id, outcome="succeed", now=NOW)
    return out.payment_id


def test_clean_day_is_ok_and_job_is_scheduled(db, make_user):
    student = make_user("student")
    _paid_topup(db, student, 1500)
    tomorrow = NOW + timedelta(days=1)
    with session_scope() as session:
        [report] = reconciliation.run_daily_reconciliation(session, now=tomorrow)
    assert (report.gateway, report.status, report.gateway_records, report.ledger_records, report.matched) == (
        "sandbox", "ok", 1, 1, 1)
    assert "reconcile_payments" in {job_id for job_id, _, _ in JOBS}


def test_differences_are_stored_and_admins_notified(db, make_user):
    admin = make_user("admin")
    student = make_user("student")
    ok_ref = _paid_topup(db, student, 1500)
    mismatch_ref = _paid_topup(db, student, 2000)
    now = NOW
    with session_scope() as session:
        # the provider says it captured 2100 for the second payment
        charge = session.exec(select(SandboxCharge).where(SandboxCharge.reference == mismatch_ref)).one()
        charge.amount_minor = 2100
        session.add(charge)
        # money the provider moved that we never recorded
        session.add(SandboxCharge(gateway_ref="sbx_ch_orphan", reference="pay_orphan", idempotency_key="checkout:orphan",
                                  amount_minor=700, currency="USD", status="succeeded", completed_at=now))
        # a payment we think succeeded that the provider does not list
        session.add(Payment(reference="pay_ghost", user_id=student.id, purpose="topup", amount_minor=900, currency="USD",
                            gateway="sandbox", gateway_ref="sbx_ch_ghost", status="succeeded", succeeded_at=now))
    with session_scope() as session:
        [report] = reconciliation.run_daily_reconciliation(session, now=now + timedelta(days=1))
    assert (report.status, report.matched, report.differences) == ("differences", 1, 3)
    with session_scope() as session:
        items = reconciliation.report_items(session, actor=admin, report_id=report.id)
        problems = {(i.problem, i.reference, i.gateway_amount_minor, i.ledger_amount_minor) for i in items}
    assert problems == {("amount_mismatch", mismatch_ref, 2100, 2000), ("missing_in_ledger", "pay_orphan", 700, None),
                        ("missing_at_gateway", "pay_ghost", None, 900)}
    assert ok_ref not in {i.reference for i in items}
    from tutorhub.models.notifications import Notification

    with session_scope(read_only=True) as session:
        notes = session.exec(select(Notification).where(Notification.user_id == admin.id)).all()
    assert [n.link for n in notes] == ["/admin/reconciliation"] and "sandbox" in notes[0].body
    # a re-run replaces the day's report instead of adding another
    with session_scope() as session:
        reconciliation.run_daily_reconciliation(session, now=now + timedelta(days=1))
    with session_scope(read_only=True) as session:
        assert len(session.exec(select(ReconciliationReport)).all()) == 1
        assert len(session.exec(select(ReconciliationItem)).all()) == 3
    with session_scope(read_only=True) as session:
        assert [r.id for r in reconciliation.list_reports(session, actor=admin)] == [report.id]
        with pytest.raises(Forbidden):
            reconciliation.list_reports(session, actor=student)


def test_midnight_edges_are_not_differences():
    start = datetime(2026, 11, 20, tzinfo=UTC)
    end = start + timedelta(days=1)
    from tutorhub.integrations.payments import GatewayRecord

    theirs = [GatewayRecord("g1", "pay_1", "payment", 100, "USD", end - timedelta(seconds=1))]
    ours = [reconciliation.OurRecord("payment", "g1", "pay_1", 100, "USD", end + timedelta(seconds=1), True)]
    assert reconciliation.compare(theirs, ours, start, end) == (1, [])
    matched, items = reconciliation.compare([], ours, start, end)
    assert (matched, items) == (0, [])  # ours is tomorrow's: tomorrow's report decides
