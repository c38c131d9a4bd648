"""Admin verification queue/review, outbox and login log states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.state.conftest import count, fetch, redirects, toasts
from tutorhub.models import OutboxMessage, TutorProfile, VerificationDecision
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import one_time_codes, passwords
from tutorhub.services.errors import NotAuthenticated
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.state.ops.admin_tools import AdminLoginsState, AdminOutboxState
from tutorhub.state.tutors.verification import AdminQueueState, AdminReviewState

PDF = b"%PDF-1.4\n%%EOF\n"


def _pending_tutor(db, make_user, email="p@example.com"):
    tutor = make_user("tutor", email=email, name="Pending Pat")
    tutor_profiles.update_own_profile(
        db,
        actor=tutor,
        data={
            "headline": "Chemistry, clearly",
            "subjects": ["chemistry"],
            "hourly_rate": 2500,
            "currency": "USD",
            "modes": ["online"],
        },
    )
    tutor_profiles.upload_credential(db, actor=tutor, filename="cert.png", data=b"\x89PNG\r\n\x1a\n0000")
    profile = tutor_profiles.submit_for_review(db, actor=tutor)
    db.commit()
    return tutor, profile.id


def _status(tutor_id: int) -> str:
    [row] = fetch(TutorProfile, TutorProfile.id == tutor_id)
    return row.status


def test_queue_lists_pending_with_counts(browser, make_user, db):
    _pending_tutor(db, make_user)
    make_user("admin", email="admin@example.com")
    browser.login("admin@example.com")
    browser.goto("/admin/verification")
    page = browser.state(AdminQueueState)
    browser.run(page.load())
    assert page.status == "ready" and page.current == "PENDING"
    [row] = page.rows
    assert (row.name, row.documents, row.subjects) == ("Pending Pat", 1, "Chemistry") and row.submitted
    assert {t.status: t.count for t in page.tabs}["PENDING"] == 1
    browser.goto("/admin/verification?status=bogus")
    browser.run(page.load())
    assert page.current == "PENDING"


def test_review_approve_and_reject(browser, make_user, db):
    _, tutor_id = _pending_tutor(db, make_user)
    _, other_id = _pending_tutor(db, make_user, email="q@example.com")
    make_user("admin", email="admin@example.com")
    browser.login("admin@example.com")
    page = browser.state(AdminReviewState)
    browser.goto(f"/admin/verification/{tutor_id}", route="/admin/verification/[tutor_id]")
    browser.run(page.load())
    assert page.status == "ready" and page.email == "p@example.com"
    [doc] = page.documents
    assert doc.is_image and doc.url.startswith("/api/v1/files/credentials/")
    page.set_dialog_open(True, "bogus")  # what the dialog's trigger sends, with any argument a client picks
    assert page.dialog == ""
    page.set_dialog_open(True, "approve")
    assert page.dialog == "approve"
    page.set_dialog_open(False)
    assert page.dialog == ""
    page.open_dialog("approve")
    events = browser.run(page.approve({"notes": "Looks good"}))
    assert toasts(events, "success") and page.dialog == "" and _status(tutor_id) == "APPROVED"
    browser.goto(f"/admin/verification/{other_id}", route="/admin/verification/[tutor_id]")
    browser.run(page.load())
    page.open_dialog("reject")
    browser.run(page.reject({"notes": ""}))
    assert page.errors == {"notes": "tell the tutor why the profile was rejected"} and page.dialog == "reject"
    browser.run(page.reject({"notes": "Please add a degree"}))
    assert _status(other_id) == "REJECTED" and page.review_notes == "Please add a degree"
    browser.run(page.approve({"notes": ""}))
    assert "Only profiles waiting for review" in page.decision_error


def test_review_unknown_tutor_is_not_found(browser, make_user):
    make_user("admin", email="admin@example.com")
    browser.login("admin@example.com")
    page = browser.state(AdminReviewState)
    browser.goto("/admin/verification/424242", route="/admin/verification/[tutor_id]")
    browser.run(page.load())
    assert page.status == "notfound"


def test_stranger_cannot_decide_or_read_the_queue(browser, make_user, db):
    tutor, tutor_id = _pending_tutor(db, make_user)
    review = browser.state(AdminReviewState)
    queue = browser.state(AdminQueueState)
    browser.goto(f"/admin/verification/{tutor_id}", route="/admin/verification/[tutor_id]")
    # No cookie.
    for call in (review.approve({"notes": "x"}), review.reject({"notes": "x"}), review.load()):
        assert redirects(browser.run(call))
    assert review.email == "" and review.documents == []
    # The tutor themself, and a student: forbidden, nothing decided, nothing private loaded.
    for email, role in (("p@example.com", None), ("s@example.com", "student")):
        if role:
            make_user(role, email=email)
        browser.login(email)
        browser.run(review.load())
        assert review.status == "forbidden" and review.email == ""
        browser.run(review.approve({"notes": "self-approved"}))
        assert review.decision_error == "You do not have access to this."
        browser.run(review.reject({"notes": "no"}))
        browser.goto("/admin/verification")
        browser.run(queue.load())
        assert queue.status == "forbidden" and queue.rows == []
        browser.goto(f"/admin/verification/{tutor_id}", route="/admin/verification/[tutor_id]")
    assert _status(tutor_id) == "PENDING"
    assert count(VerificationDecision, VerificationDecision.action.in_(["APPROVED", "REJECTED"])) == 0


def test_outbox_is_admin_only_and_newest_first(browser, make_user, db):
    one_time_codes.request_otp(db, email="first@example.com")
    one_time_codes.request_otp(db, email="second@example.com")
    db.commit()
    page = browser.state(AdminOutboxState)
    browser.goto("/admin/outbox")
    assert redirects(browser.run(page.load()))
    make_user("tutor", email="t@example.com")
    browser.login("t@example.com")
    browser.run(page.load())
    assert page.status == "forbidden" and page.rows == []
    make_user("admin", email="admin@example.com")
    browser.login("admin@example.com")
    browser.run(page.load())
    assert [r.recipient for r in page.rows] == ["second@example.com", "first@example.com"]


def test_outbox_in_production_shows_delivery_but_no_bodies(browser, make_user, monkeypatch, db):
    one_time_codes.request_otp(db, email="code@example.com")
    row = db.exec(select(OutboxMessage)).one()
    row.status, row.provider, row.provider_message_id = "sent", "twilio", "SM" + "1" * 32
    row.delivery_status, row.delivery_error = "undelivered", "error 30003"
    db.add(row)
    db.commit()
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "x" * 40)
    from tutorhub.settings import reset_settings

    reset_settings()
    try:
        make_user("admin", email="admin@example.com")
        browser.login("admin@example.com")
        page = browser.state(AdminOutboxState)
        browser.goto("/admin/outbox")
        browser.run(page.load())
        assert page.status == "ready" and page.bodies_hidden
        [shown] = page.rows
        assert shown.recipient == "code@example.com" and shown.body == ""  # the login code stays hidden
        assert (shown.delivery, shown.delivery_error, shown.provider, shown.problem) == (
            "undelivered", "error 30003", "twilio", True)
        browser.goto("/admin/outbox?problems=1")
        browser.run(page.load())
        assert page.problems and [r.id for r in page.rows] == [shown.id]
    finally:
        monkeypatch.undo()
        reset_settings()


def test_login_log_paged_for_admins_only(browser, make_user, db):
    make_user("student", email="s@example.com")
    for i in range(30):
        # Unknown emails lock like real ones (every 10th failure, doubling): step the clock past each lock.
        now = utcnow() + timedelta(minutes=(0, 16, 47)[i // 10])
        with pytest.raises(NotAuthenticated):
            passwords.authenticate_password(db, email="ghost@example.com", password="wrong-password", ip="198.51.100.1",
                                            now=now)
    db.commit()
    page = browser.state(AdminLoginsState)
    browser.goto("/admin/logins")
    assert redirects(browser.run(page.load()))
    browser.login("s@example.com")
    browser.run(page.load())
    assert page.status == "forbidden" and page.rows == []
    make_user("admin", email="admin@example.com")
    browser.login("admin@example.com")
    browser.goto("/admin/logins?page=2")
    browser.run(page.load())
    assert page.status == "ready" and page.page == 2 and page.pages == 2 and len(page.rows) == page.total - 25
    assert page.prev_href == "/admin/logins?page=1" and page.next_href == ""
    assert {(r.identifier, r.success, r.reason, r.ip) for r in page.rows} == {
        ("ghost@example.com", False, "bad credentials", "198.51.100.1")
    }
