"""Classes JSON API exactly as issue 14 writes it: create → publish (or 409 with conflicts) → search →
enrol (ENROLLED / WAITLISTED, 402 when short, 409 twice) → leave / cancel / attendance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.booking import open_all_week
from tests.support.classes import class_body
from tests.support.money import fund_wallet
from tutorhub.models import Role
from tutorhub.services.booking import bookings


def _first() -> datetime:
    return (datetime.now(UTC) + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)


@pytest.fixture
def tutor(db, make_approved_tutor, bearer):
    user, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, user, now=datetime.now(UTC))
    return user, tutor_id, bearer(user)


def _body(**changes):
    base = {"first_start_local": _first().strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC",
            "rrule": "FREQ=DAILY;INTERVAL=2;COUNT=6", "capacity": 2}
    return class_body(**{**base, **changes})


def test_create_publish_search_enrol_waitlist_leave(client, db, tutor, as_role):
    _, _, t = tutor
    res = client.post("/api/v1/classes", json=_body(), headers=t)
    assert res.status_code == 201, res.text
    created = res.json()
    assert created["status"] == "DRAFT" and len(created["sessions"]) == 6
    assert set(created["sessions"][0]) >= {"id", "start", "end"}
    assert created["sessions"][0]["start"].startswith(_first().strftime("%Y-%m-%dT17:00:00"))
    cid = created["id"]
    assert client.get(f"/api/v1/classes/{cid}").status_code == 404  # drafts are the tutor's only
    assert client.post(f"/api/v1/classes/{cid}/publish", headers=t).json() == {"status": "PUBLISHED"}

    listing = client.get("/api/v1/classes", params={"subject": "mathematics", "grade": "high", "page": 1}).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == cid and listing["items"][0]["seats_left"] == 2
    detail = client.get(f"/api/v1/classes/{cid}").json()
    assert detail["seats_left"] == 2 and len(detail["sessions"]) == 6

    students = []
    for _ in range(3):
        user, headers = as_role(Role.STUDENT)
        fund_wallet(db, user.id, 8000, "EUR", commit=True)
        students.append(headers)
    got = [client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "wallet"}, headers=h) for h in students]
    assert [r.status_code for r in got] == [201, 201, 201]
    assert [r.json()["status"] for r in got] == ["ENROLLED", "ENROLLED", "WAITLISTED"]
    again = client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "wallet"}, headers=students[0])
    assert again.status_code == 409
    assert client.get(f"/api/v1/classes/{cid}").json()["seats_left"] == 0

    left = client.post(f"/api/v1/classes/{cid}/leave", headers=students[0])
    assert left.status_code == 200 and left.json()["refunded_minor"] == 8000 and left.json()["seat_offered_to_next"]
    mine = client.get(f"/api/v1/classes/{cid}", headers=students[2]).json()
    assert mine["my_status"] == "OFFERED"
    assert client.post(f"/api/v1/classes/{cid}/enrol", json={}, headers=students[2]).json()["status"] == "ENROLLED"


def test_short_wallet_is_402_and_bad_rule_422(client, tutor, as_role):
    _, _, t = tutor
    bad = client.post("/api/v1/classes", json=_body(rrule="FREQ=WEEKLY;BYDAY=XX"), headers=t)
    assert bad.status_code == 422 and "rrule" in bad.json()["fields"]
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    _, poor = as_role(Role.STUDENT)
    res = client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "wallet"}, headers=poor)
    assert res.status_code == 402
    assert client.get(f"/api/v1/classes/{cid}").json()["seats_left"] == 2


def test_publish_over_a_lesson_is_409_with_conflicts_and_a_lesson_over_a_session_is_refused(client, db, tutor,
                                                                                            as_role, make_user):
    _, tutor_id, t = tutor
    student = make_user(Role.STUDENT)
    bookings.create_booking(db, actor=student, tutor_id=tutor_id, start=_first(), duration_min=60)
    db.commit()
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    res = client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    assert res.status_code == 409 and res.json()["conflicts"][0]["kind"] == "hold"

    other = client.post("/api/v1/classes", json=_body(first_start_local=(_first() + timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"), rrule="FREQ=DAILY;COUNT=1"), headers=t).json()["id"]
    assert client.post(f"/api/v1/classes/{other}/publish", headers=t).status_code == 200
    _, s = as_role(Role.STUDENT)
    lesson = client.post("/api/v1/bookings", json={"tutor_id": tutor_id, "start": (_first() + timedelta(days=1))
                                                   .isoformat(), "duration_min": 60}, headers=s)
    assert lesson.status_code == 409


def test_strangers_cannot_cancel_or_mark_attendance(client, tutor, as_role, make_approved_tutor, bearer):
    _, _, t = tutor
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    other, _ = make_approved_tutor()
    _, student = as_role(Role.STUDENT)
    assert client.post(f"/api/v1/classes/{cid}/cancel", headers=bearer(other)).status_code == 404
    assert client.post(f"/api/v1/classes/{cid}/cancel", headers=student).status_code == 403
    assert client.post(f"/api/v1/classes/{cid}/sessions/1/attendance", json={"student_id": 1, "status": "present"},
                       headers=bearer(other)).status_code == 404
    assert client.post("/api/v1/classes", json=_body(), headers=student).status_code == 403
    assert client.post(f"/api/v1/classes/{cid}/sessions/1/cancel", headers=bearer(other)).status_code == 404
    assert client.post(f"/api/v1/classes/{cid}/cancel", json={"reason": "ill"}, headers=t).json() == {
        "status": "CANCELLED"}


def test_broadcast_and_chat_are_for_members_only(client, db, tutor, as_role):
    _, _, t = tutor
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    member, m = as_role(Role.STUDENT)
    fund_wallet(db, member.id, 8000, "EUR", commit=True)
    client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "wallet"}, headers=m)
    _, outsider = as_role(Role.STUDENT)
    sent = client.post(f"/api/v1/classes/{cid}/broadcast", json={"body": "Room changed"}, headers=t)
    assert sent.status_code == 200 and sent.json()["recipients"] == 1
    conv = client.get(f"/api/v1/classes/{cid}/chat", headers=m).json()["conversation_id"]
    assert conv == sent.json()["conversation_id"]
    history = client.get(f"/api/v1/conversations/{conv}/messages", headers=m).json()
    assert [x["body"] for x in history["messages"]] == ["Room changed"]
    assert client.get(f"/api/v1/classes/{cid}/chat", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/conversations/{conv}/messages", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/classes/{cid}/broadcast", json={"body": "x"}, headers=m).status_code == 403


def _grant(db, user_id: int, minutes: int) -> None:
    from tutorhub.models import LotSource
    from tutorhub.services.billing import credits

    now = datetime.now(UTC)
    credits.grant_lot(db, user_id=user_id, minutes=minutes, source=LotSource.ADMIN, source_ref=f"api:{user_id}",
                      expires_at=now + timedelta(days=60), now=now)
    db.commit()


def test_a_seat_paid_with_credits_at_the_group_rate_and_402_when_short(client, db, tutor, as_role):
    from tutorhub.services.billing import credits
    from tutorhub.services.money import ledger

    _, _, t = tutor
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    needed = credits.credit_cost(60, group_size=2) * 6  # 36 min × 6 sessions
    rich, r = as_role(Role.STUDENT)
    short, s = as_role(Role.STUDENT)
    _grant(db, rich.id, needed)
    _grant(db, short.id, needed - 1)
    res = client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "credits"}, headers=s)
    assert res.status_code == 402 and res.json()["needed_minutes"] == needed
    ok = client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "credits"}, headers=r)
    assert ok.status_code == 201 and ok.json()["status"] == "ENROLLED"
    assert client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "credits"}, headers=r).status_code == 409
    db.rollback()
    assert ledger.balance(db, credits.credits_account(rich.id), "MIN") == 0
    assert ledger.balance(db, credits.credits_account(short.id), "MIN") == needed - 1
    left = client.post(f"/api/v1/classes/{cid}/leave", headers=r)
    assert left.status_code == 200 and left.json()["refunded_minor"] == needed
    db.rollback()
    assert ledger.balance(db, credits.credits_account(rich.id), "MIN") == needed


@pytest.mark.parametrize("body", [{"method": 5}, {"method": "x" * 5000}, {"method": "cash"}, {"method": None},
                                  {"method": ["credits"]}])
def test_bad_methods_are_422_and_take_nothing(client, db, tutor, as_role, body):
    _, _, t = tutor
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    student, h = as_role(Role.STUDENT)
    _grant(db, student.id, 1000)
    res = client.post(f"/api/v1/classes/{cid}/enrol", json=body, headers=h)
    assert res.status_code == 422
    assert client.get(f"/api/v1/classes/{cid}").json()["seats_left"] == 2


def test_a_seat_through_the_gateway_is_held_then_enrolled_by_the_webhook(client, db, tutor, as_role):
    from tests.support.credits import pay
    from tutorhub.models import Payment

    _, _, t = tutor
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    _, h = as_role(Role.STUDENT)
    res = client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "gateway"}, headers=h)
    assert res.status_code == 201 and res.json()["checkout_url"] and res.json()["status"] == "OFFERED"
    again = client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "gateway"}, headers=h)
    assert again.status_code == 201 and again.json()["checkout_url"] == res.json()["checkout_url"]
    assert client.get(f"/api/v1/classes/{cid}").json()["seats_left"] == 1
    db.rollback()
    [payment] = db.exec(Payment.__table__.select()).all()  # type: ignore[attr-defined]
    pay(db, payment.reference, datetime.now(UTC))
    db.commit()
    assert client.get(f"/api/v1/classes/{cid}", headers=h).json()["my_status"] == "ENROLLED"


def test_reviews_by_attendees_only_and_bad_input_is_422(client, db, tutor, as_role, make_approved_tutor, bearer):
    from tutorhub.models import ClassReview, ClassSession
    from tutorhub.services.classes import attendance

    user_t, _, t = tutor
    cid = client.post("/api/v1/classes", json=_body(), headers=t).json()["id"]
    client.post(f"/api/v1/classes/{cid}/publish", headers=t)
    came, h_came = as_role(Role.STUDENT)
    _, h_enrolled = as_role(Role.STUDENT)
    _, h_outsider = as_role(Role.STUDENT)
    for headers, user in ((h_came, came), (h_enrolled, None)):
        if user is not None:
            fund_wallet(db, user.id, 8000, "EUR", commit=True)
    client.post(f"/api/v1/classes/{cid}/enrol", json={"method": "wallet"}, headers=h_came)
    db.rollback()
    first = db.exec(ClassSession.__table__.select().where(ClassSession.class_id == cid)  # type: ignore[attr-defined]
                    .order_by(ClassSession.seq)).first()
    attendance.mark_attendance(db, actor=user_t, class_id=cid, session_id=first.id, student_id=came.id,
                               status="present", now=first.start_at + timedelta(minutes=1))
    db.commit()
    url = f"/api/v1/classes/{cid}/reviews"
    other_tutor, _ = make_approved_tutor()
    assert client.post(url, json={"rating": 5}).status_code == 401
    assert client.post(url, json={"rating": 5}, headers=bearer(other_tutor)).status_code == 403
    assert client.post(url, json={"rating": 5}, headers=t).status_code == 403
    assert client.post(url, json={"rating": 5}, headers=h_outsider).status_code == 403
    assert client.post(url, json={"rating": 5}, headers=h_enrolled).status_code == 403
    assert client.post("/api/v1/classes/99999/reviews", json={"rating": 5}, headers=h_came).status_code == 404
    for bad in ({}, {"rating": 0}, {"rating": 6}, {"rating": "five"}, {"rating": 5, "comment": "x" * 2001},
                {"rating": "5"}, {"rating": [5]}, {"rating": 5, "comment": 7}):
        assert client.post(url, json=bad, headers=h_came).status_code == 422, bad
    db.rollback()
    assert db.exec(ClassReview.__table__.select()).all() == []  # type: ignore[attr-defined]
    assert client.get(url, headers=h_came).json()["can_review"] is True
    res = client.post(url, json={"rating": 5, "comment": "Great group"}, headers=h_came)
    assert res.status_code == 201 and res.json()["rating"] == 5
    assert client.post(url, json={"rating": 1}, headers=h_came).status_code == 409
    listing = client.get(url).json()
    assert listing["count"] == 1 and listing["average"] == 5.0 and listing["items"][0]["comment"] == "Great group"
    assert client.get("/api/v1/classes/abc/reviews").status_code == 404
