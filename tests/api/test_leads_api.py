"""The leads JSON API exactly as issue #13 writes it: enquiries, inbox, claim (402/409/404),
proposals → booking, privacy between students and non-matching tutors."""

from __future__ import annotations

from datetime import timedelta

from tests.support.booking import open_all_week
from tests.support.leads import give_lead_credits
from tests.support.money import fund_wallet
from tutorhub.models import Role
from tutorhub.models.base import utcnow

BODY = {
    "subject": "Maths", "grade": "10", "mode": "online", "budget_max_minor": 4000, "currency": "EUR",
    "duration_min": 60, "message": "Algebra help, twice a week.",
    "windows": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)], "timezone": "UTC",
}


def _setup(db, make_approved_tutor, as_role, bearer):
    tutor, tid = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=utcnow())
    student, s_headers = as_role(Role.STUDENT)
    return tutor, tid, bearer(tutor), student, s_headers


def test_post_list_get_claim_propose_accept(client, db, make_approved_tutor, as_role, bearer):
    tutor, tid, t_headers, student, s_headers = _setup(db, make_approved_tutor, as_role, bearer)
    r = client.post("/api/v1/students/enquiries", json=BODY, headers=s_headers)
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert r.json()["status"] == "OPEN"
    assert [e["id"] for e in client.get("/api/v1/students/enquiries", headers=s_headers).json()["items"]] == [eid]

    inbox = client.get("/api/v1/tutors/leads/inbox", headers=t_headers)
    assert inbox.status_code == 200
    item = inbox.json()["items"][0]
    assert {k: item[k] for k in ("id", "subject", "grade", "mode", "budget_max_minor", "currency", "claimed")} == {
        "id": eid, "subject": "mathematics", "grade": "high", "mode": "online", "budget_max_minor": 4000,
        "currency": "EUR", "claimed": False}
    assert not {"email", "phone", "student_id", "full_name"} & set(item)

    assert client.post(f"/api/v1/tutors/leads/{eid}/claim", headers=t_headers).status_code == 402
    give_lead_credits(db, tutor.id, 1)
    claim = client.post(f"/api/v1/tutors/leads/{eid}/claim", headers=t_headers)
    assert claim.status_code == 200, claim.text
    assert set(claim.json()) >= {"enquiry_id", "conversation_id", "lead_credits_left"}
    assert claim.json()["lead_credits_left"] == 0
    again = client.post(f"/api/v1/tutors/leads/{eid}/claim", headers=t_headers)
    assert again.status_code == 200 and again.json()["lead_credits_left"] == 0

    detail = client.get(f"/api/v1/students/enquiries/{eid}", headers=s_headers).json()
    assert detail["claims"] == [{"tutor_id": tid, "conversation_id": claim.json()["conversation_id"],
                                 "tutor_name": tutor.full_name, "claimed_at": detail["claims"][0]["claimed_at"]}]
    assert detail["status"] == "MATCHED"

    start = (utcnow() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    prop = client.post(f"/api/v1/tutors/leads/{eid}/proposals", json={"start": start.isoformat(), "duration_min": 60},
                       headers=t_headers)
    assert prop.status_code == 201, prop.text
    pid = prop.json()["id"]
    assert client.get(f"/api/v1/students/enquiries/{eid}", headers=s_headers).json()["proposals"][0]["id"] == pid
    acc = client.post(f"/api/v1/students/enquiries/{eid}/proposals/{pid}/accept", headers=s_headers)
    assert acc.status_code == 201, acc.text
    assert acc.json()["status"] == "PENDING_PAYMENT" and acc.json()["booking_id"]
    assert set(acc.json()) >= {"booking_id", "status"}
    # Held, not paid: still MATCHED (answerable again if the hold lapses); paying closes it.
    assert client.get(f"/api/v1/students/enquiries/{eid}", headers=s_headers).json()["status"] == "MATCHED"
    fund_wallet(db, student.id, 4000, "EUR", commit=True)
    paid = client.post(f"/api/v1/bookings/{acc.json()['booking_id']}/confirm", headers=s_headers)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "CONFIRMED"
    assert client.get(f"/api/v1/students/enquiries/{eid}", headers=s_headers).json()["status"] == "CLOSED"
    assert client.get("/api/v1/students/enquiries", headers=s_headers).json()["items"][0]["status"] == "CLOSED"


def test_privacy_strangers_and_wrong_roles(client, db, make_approved_tutor, make_user, as_role, bearer):
    tutor, _tid, t_headers, student, s_headers = _setup(db, make_approved_tutor, as_role, bearer)
    eid = client.post("/api/v1/students/enquiries", json=BODY, headers=s_headers).json()["id"]
    _other, o_headers = as_role(Role.STUDENT)
    assert client.get(f"/api/v1/students/enquiries/{eid}", headers=o_headers).status_code == 404
    assert client.post(f"/api/v1/students/enquiries/{eid}/close", headers=o_headers).status_code == 404
    assert client.get("/api/v1/students/enquiries", headers=o_headers).json() == {"items": []}
    # A tutor teaching something else: not in the inbox, not by id, not claimable.
    other_tutor, _ = make_approved_tutor(timezone="UTC", subjects=[{"subject": "history", "grades": ["high"]}])
    ot_headers = bearer(other_tutor)
    give_lead_credits(db, other_tutor.id, 1)
    assert client.get("/api/v1/tutors/leads/inbox", headers=ot_headers).json()["items"] == []
    assert client.get(f"/api/v1/tutors/leads/{eid}", headers=ot_headers).status_code == 404
    assert client.post(f"/api/v1/tutors/leads/{eid}/claim", headers=ot_headers).status_code == 404
    # Roles and anonymous callers.
    assert client.post("/api/v1/students/enquiries", json=BODY, headers=t_headers).status_code == 403
    assert client.get("/api/v1/tutors/leads/inbox", headers=s_headers).status_code == 403
    assert client.get("/api/v1/tutors/leads/inbox").status_code == 401
    assert client.post(f"/api/v1/tutors/leads/{eid}/proposals", json={"start": "2030-01-01T10:00:00+00:00"},
                       headers=t_headers).status_code == 409  # not claimed
    # Closing: 200 then 409; claims on it are 409.
    assert client.post(f"/api/v1/students/enquiries/{eid}/close", headers=s_headers).status_code == 200
    assert client.post(f"/api/v1/students/enquiries/{eid}/close", headers=s_headers).status_code == 409
    give_lead_credits(db, tutor.id, 1)
    assert client.post(f"/api/v1/tutors/leads/{eid}/claim", headers=t_headers).status_code == 409


def test_bad_input_is_422(client, db, make_approved_tutor, as_role, bearer):
    _setup(db, make_approved_tutor, as_role, bearer)
    _s, headers = as_role(Role.STUDENT)
    for bad in ({**BODY, "mode": "carrier pigeon"}, {**BODY, "budget_max_minor": 0}, {**BODY, "duration_min": 7},
                {**BODY, "mode": "home"}, {**BODY, "mode": "home", "city": "Qwxzyville"},
                {k: v for k, v in BODY.items() if k != "subject"}, {**BODY, "windows": [{"weekday": 9}]}):
        r = client.post("/api/v1/students/enquiries", json=bad, headers=headers)
        assert r.status_code == 422, (bad, r.text)
    r = client.post("/api/v1/students/enquiries", json={**BODY, "mode": "home", "city": "Berln"}, headers=headers)
    assert r.status_code == 422 and "Berlin, Germany" in r.json()["suggestions"]


