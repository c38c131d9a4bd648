"""Admin users, fraud and audit pages driven as a browser tab would: search, open an account,
suspend (the tutor's lesson is cancelled and refunded) and unsuspend, resolve a fraud flag, read
the audit log; students, tutors and anonymous visitors get nothing and change nothing."""

from __future__ import annotations

import pytest

from tests.state.conftest import fetch, redirects, toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.models import AuditEntry, Booking, FraudFlag, FraudFlagUser, User
from tutorhub.state.ops.audit import AdminAuditState
from tutorhub.state.ops.fraud import AdminFraudState
from tutorhub.state.ops.users import AdminUsersState, AdminUserState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    w = make_world(db, make_user, make_approved_tutor, instant=True)
    w.lesson = w.book(day_ahead(3))
    flag = FraudFlag(kind="new_account_topup", key="payment:x", reason="Sam topped up 900.00 EUR 2 h after signing up")
    db.add(flag)
    db.flush()
    db.add(FraudFlagUser(flag_id=flag.id, user_id=w.student.id))
    db.commit()
    w.flag = flag.id
    return w


def test_admin_searches_by_url_and_form(browser, world):
    page, _ = browser.open(AdminUsersState, "/admin/users?role=student", world.admin.email)
    assert page.status == "ready" and page.total == 2 and {r.role for r in page.rows} == {"student"}
    sam = next(r for r in page.rows if r.name == "Sam Student")
    assert sam.open_flags == 1 and sam.href == f"/admin/users/{world.student.id}"
    assert page.export_href == "/api/v1/admin/exports/users.csv?role=student"  # the list's filters, as a file
    events = browser.run(page.search({"q": "sam", "role": "student", "status": "active", "city": ""}))
    assert redirects(events) == ["/admin/users?q=sam&role=student&status=active"]
    page, _ = browser.open(AdminUsersState, "/admin/users?role=wizard")
    assert page.rows == [] and "role" in page.error


def test_admin_suspends_a_tutor_from_the_account_page_and_unsuspends(browser, world):
    page, _ = browser.open(AdminUserState, f"/admin/users/{world.tutor.id}", world.admin.email)
    assert page.status == "ready" and page.account_status == "active" and page.role == "tutor"
    assert [line.badge for line in page.lessons] == ["CONFIRMED"]
    events = browser.run(page.suspend({"reason": ""}))
    assert toasts(events, "error") and "reason" in page.errors
    events = browser.run(page.suspend({"reason": "Forged diploma"}))
    assert toasts(events, "success") and page.account_status == "suspended"
    assert [line.badge for line in page.lessons] == ["CANCELLED"]
    assert fetch(Booking)[0].status == "CANCELLED" and fetch(User, User.id == world.tutor.id)[0].is_suspended
    assert page.actions[0].title == "user.suspend" and "Forged diploma" in page.actions[0].detail
    events = browser.run(page.unsuspend())
    assert toasts(events, "success") and page.account_status == "active"
    admin_page, _ = browser.open(AdminUserState, f"/admin/users/{world.admin.id}")
    assert admin_page.is_admin_account
    events = browser.run(admin_page.suspend({"reason": "no"}))
    assert toasts(events, "error") and not fetch(User, User.id == world.admin.id)[0].is_suspended
    missing, _ = browser.open(AdminUserState, "/admin/users/999999")
    assert missing.status == "notfound"


def test_admin_resolves_a_fraud_flag_and_reads_the_audit_log(browser, world):
    page, _ = browser.open(AdminFraudState, "/admin/fraud", world.admin.email)
    [row] = page.rows
    assert row.kind_label == "New account, large top-up" and row.users[0].href == f"/admin/users/{world.student.id}"
    events = browser.run(page.resolve({"flag_id": str(world.flag), "resolution": "Parent paying a term ahead"}))
    assert toasts(events, "success") and page.rows == []
    assert redirects(browser.run(page.filter("RESOLVED"))) == ["/admin/fraud?status=RESOLVED"]
    page, _ = browser.open(AdminFraudState, "/admin/fraud?status=RESOLVED")
    assert page.rows[0].resolution == "Parent paying a term ahead"
    audit, _ = browser.open(AdminAuditState, "/admin/audit?action=fraud_flag.")
    [entry] = audit.rows
    assert entry.action == "fraud_flag.resolve" and entry.reason == "Parent paying a term ahead"
    assert "status" in entry.change


@pytest.mark.parametrize("who", [None, "student", "tutor"])
def test_strangers_get_nothing_and_change_nothing(new_browser, world, who):
    b = new_browser()
    email = getattr(world, who).email if who else None
    target = world.tutor if who != "tutor" else world.student
    for cls, url in ((AdminUsersState, "/admin/users"), (AdminUserState, f"/admin/users/{target.id}"),
                     (AdminFraudState, "/admin/fraud"), (AdminAuditState, "/admin/audit")):
        page, events = b.open(cls, url, email)
        assert page.rows == [] if hasattr(page, "rows") else page.name == ""
        assert page.status == "forbidden" or redirects(events), (cls, who)
        email = None  # signed in once per browser
    b.goto(f"/admin/users/{target.id}", route="/admin/users/[user_id]")
    detail = b.state(AdminUserState)
    events = b.run(detail.suspend({"reason": "mine now"}))
    assert toasts(events, "error") or redirects(events)
    events = b.run(detail.unsuspend())
    assert toasts(events, "error") or redirects(events)
    fraud = b.state(AdminFraudState)
    events = b.run(fraud.resolve({"flag_id": str(world.flag), "resolution": "nothing to see"}))
    assert toasts(events, "error") or redirects(events)
    assert not any(u.is_suspended for u in fetch(User))
    assert fetch(FraudFlag)[0].status == "OPEN"
    assert {e.action for e in fetch(AuditEntry)} <= {"tutor.approve"}  # the fixtures' approvals only
    assert fetch(Booking)[0].status == "CONFIRMED"
