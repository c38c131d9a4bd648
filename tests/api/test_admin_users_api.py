"""Admin users API: search, detail, suspend / unsuspend (the old bearer token is refused at once),
fraud flags and the audit log; strangers and bad input change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import db_snapshot, fresh
from tests.support.booking import book, open_all_week
from tutorhub.models import Booking, FraudFlag, FraudFlagUser, Role, User
from tutorhub.services.money import ledger

BIG = "x" * 10_240


def _start(days: int = 3) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def people(db, make_user, make_approved_tutor, bearer):
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=datetime.now(UTC), min_notice_hours=0)
    student = make_user(Role.STUDENT, name="Priya Patel", email="priya@example.com")
    lesson = book(db, student, tutor_id, _start(), now=None, confirm=True)
    admin = make_user(Role.ADMIN)
    flag = FraudFlag(kind="shared_ip", key="198.51.100.7@2027-03-01", reason="4 accounts from 198.51.100.7")
    db.add(flag)
    db.flush()
    db.add(FraudFlagUser(flag_id=flag.id, user_id=student.id))
    db.commit()
    return {"tutor": tutor, "student": student, "admin": admin, "lesson": lesson.id, "flag": flag.id,
            "admin_h": bearer(admin), "tutor_h": bearer(tutor), "student_h": bearer(student)}


def test_search_filters_and_pages(client, people):
    h = people["admin_h"]
    body = client.get("/api/v1/admin/users", headers=h).json()
    assert body["total"] == 4 and body["page"] == 1 and {i["role"] for i in body["items"]} == {"student", "tutor", "admin"}
    [found] = client.get("/api/v1/admin/users", params={"q": "PRIYA"}, headers=h).json()["items"]
    assert found["email"] == "priya@example.com" and found["status"] == "active" and found["open_flags"] == 1
    assert client.get("/api/v1/admin/users", params={"q": "example.com", "role": "tutor"},
                      headers=h).json()["total"] == 1
    [berlin] = client.get("/api/v1/admin/users", params={"city": "berl"}, headers=h).json()["items"]
    assert berlin["id"] == people["tutor"].id and berlin["city"] == "Berlin"
    assert client.get("/api/v1/admin/users", params={"status": "suspended"}, headers=h).json()["total"] == 0
    assert client.get("/api/v1/admin/users", params={"q": "%"}, headers=h).json()["total"] == 0  # no wildcards
    assert client.get("/api/v1/admin/users", params={"page": 9}, headers=h).json()["page"] == 1


def test_detail_shows_lessons_wallet_logins_and_flags(client, people):
    body = client.get(f"/api/v1/admin/users/{people['student'].id}", headers=people["admin_h"]).json()
    assert body["email"] == "priya@example.com" and body["status"] == "active"
    assert [(x["id"], x["as_role"], x["status"]) for x in body["lessons"]] == [(people["lesson"], "student", "CONFIRMED")]
    assert body["wallet"] == {} and body["flags"][0]["kind"] == "shared_ip"
    assert client.get("/api/v1/admin/users/999999", headers=people["admin_h"]).status_code == 404


def test_suspending_a_tutor_refuses_their_token_at_once_and_refunds_the_lesson(client, db, people):
    h, tutor = people["admin_h"], people["tutor"]
    assert client.get("/api/v1/tutors/me/profile", headers=people["tutor_h"]).status_code == 200
    res = client.post(f"/api/v1/admin/users/{tutor.id}/suspend", json={"reason": "Fake diploma"}, headers=h)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "SUSPENDED" and res.json()["cancelled_bookings"] == 1
    assert client.get("/api/v1/tutors/me/profile", headers=people["tutor_h"]).status_code == 401
    again = client.post(f"/api/v1/admin/users/{tutor.id}/suspend", json={"reason": "twice"}, headers=h)
    assert again.json() == {**again.json(), "status": "SUSPENDED", "cancelled_bookings": 0}
    fresh(db)
    assert db.get(Booking, people["lesson"]).status == "CANCELLED"
    assert ledger.balance(db, f"escrow:booking:{people['lesson']}", "EUR") == 0
    assert ledger.balance(db, f"student:{people['student'].id}:wallet", "EUR") == 3000
    listed = client.get("/api/v1/admin/users", params={"status": "suspended"}, headers=h).json()["items"]
    assert [u["id"] for u in listed] == [tutor.id]
    audit = client.get("/api/v1/admin/audit", params={"action": "user."}, headers=h).json()
    assert [(e["action"], e["target_id"], e["reason"]) for e in audit["items"]] == [
        ("user.suspend", str(tutor.id), "Fake diploma")]
    res = client.post(f"/api/v1/admin/users/{tutor.id}/unsuspend", headers=h)
    assert res.status_code == 200 and res.json()["status"] == "ACTIVE"
    fresh(db)
    assert not db.get(User, tutor.id).is_suspended and db.get(Booking, people["lesson"]).status == "CANCELLED"


def test_admins_cannot_be_suspended(client, people, make_user):
    other = make_user(Role.ADMIN)
    before = db_snapshot()
    for target in (people["admin"], other):
        res = client.post(f"/api/v1/admin/users/{target.id}/suspend", json={"reason": "x"}, headers=people["admin_h"])
        assert res.status_code == 403 and "Admin accounts cannot be suspended" in res.json()["detail"]
    assert db_snapshot() == before


def test_fraud_flags_are_listed_and_resolved_once(client, people):
    h, flag = people["admin_h"], people["flag"]
    [item] = client.get("/api/v1/admin/fraud-flags", headers=h).json()["items"]
    assert item["id"] == flag and item["users"][0]["email"] == "priya@example.com"
    res = client.post(f"/api/v1/admin/fraud-flags/{flag}/resolve", json={"resolution": "Family sharing wifi"}, headers=h)
    assert res.status_code == 200 and res.json()["status"] == "RESOLVED"
    assert client.post(f"/api/v1/admin/fraud-flags/{flag}/resolve", json={"resolution": "again"},
                       headers=h).status_code == 409
    assert client.get("/api/v1/admin/fraud-flags", headers=h).json()["total"] == 0
    assert client.get("/api/v1/admin/fraud-flags", params={"status": "RESOLVED"}, headers=h).json()["total"] == 1
    audit = client.get("/api/v1/admin/audit", params={"target_kind": "fraud_flag", "target_id": str(flag)},
                       headers=h).json()["items"]
    assert [e["action"] for e in audit] == ["fraud_flag.resolve"]


def _calls(people):
    sid, flag = people["student"].id, people["flag"]
    return [("GET", "/api/v1/admin/users", None), ("GET", f"/api/v1/admin/users/{sid}", None),
            ("POST", f"/api/v1/admin/users/{sid}/suspend", {"reason": "x"}),
            ("POST", f"/api/v1/admin/users/{sid}/unsuspend", {}),
            ("GET", "/api/v1/admin/fraud-flags", None),
            ("POST", f"/api/v1/admin/fraud-flags/{flag}/resolve", {"resolution": "me"}),
            ("GET", "/api/v1/admin/audit", None)]


@pytest.mark.parametrize("who", [None, "student_h", "tutor_h"])
def test_only_admins_reach_anything(client, people, who):
    headers = people[who] if who else {}
    before = db_snapshot()
    for method, path, body in _calls(people):
        res = client.request(method, path, headers=headers, json=body)
        assert res.status_code == (401 if who is None else 403), (method, path, res.status_code)
    assert db_snapshot() == before


def test_bad_input_is_422_and_changes_nothing(client, people):
    h, sid = people["admin_h"], people["student"].id
    before = db_snapshot()
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": 5}, {"reason": None}, {"reason": BIG},
                 {"reason": "x" * 501}, {"reason": ["x"]}):
        res = client.post(f"/api/v1/admin/users/{sid}/suspend", json=body, headers=h)
        assert res.status_code == 422, body
    for params in ({"role": "wizard"}, {"status": "banned"}, {"page": 0}, {"page": "x"}, {"q": BIG}, {"city": BIG}):
        assert client.get("/api/v1/admin/users", params=params, headers=h).status_code == 422, params
    for body in ({}, {"resolution": ""}, {"resolution": 3}, {"resolution": BIG}):
        res = client.post(f"/api/v1/admin/fraud-flags/{people['flag']}/resolve", json=body, headers=h)
        assert res.status_code == 422, body
    for params in ({"status": "MAYBE"}, {"kind": "nope"}, {"page": -1}):
        assert client.get("/api/v1/admin/fraud-flags", params=params, headers=h).status_code == 422, params
    assert client.post("/api/v1/admin/users/abc/suspend", json={"reason": "x"}, headers=h).status_code == 404
    assert client.get("/api/v1/admin/audit", params={"action": BIG}, headers=h).status_code == 422
    assert db_snapshot() == before
