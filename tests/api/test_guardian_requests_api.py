"""`POST /guardians/requests`, `GET /guardians/me/requests`, `POST /guardians/links/{id}/answer`:
the guardian asks, the child answers; strangers, wrong roles, anonymous callers and bad input are
refused and link nobody."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tutorhub.models import Role
from tutorhub.models.learning import GuardianLink


def _links(db):
    db.rollback()
    return [(link.status, link.initiated_by) for link in db.exec(select(GuardianLink)).all()]


def test_request_accept_contract(client, db, bearer, make_user):
    child = make_user(Role.STUDENT, email="kid@example.com")
    parent = make_user(Role.GUARDIAN, email="mum@example.com")
    g, c = bearer(parent), bearer(child)
    res = client.post("/api/v1/guardians/requests", json={"student_email": "kid@example.com"}, headers=g)
    assert res.status_code == 202 and res.json() == {"status": "sent"}
    assert client.post("/api/v1/guardians/requests", json={"student_email": "ghost@example.com"},
                       headers=g).json() == {"status": "sent"}
    [req] = client.get("/api/v1/guardians/me/requests", headers=g).json()
    assert req["initiated_by"] == "guardian" and req["status"] == "pending"
    assert client.get(f"/api/v1/guardians/me/students/{child.id}/lessons", headers=g).status_code == 404
    res = client.post(f"/api/v1/guardians/links/{req['id']}/answer", json={"accept": True}, headers=c)
    assert res.status_code == 200 and res.json()["status"] == "active"
    assert client.get(f"/api/v1/guardians/me/students/{child.id}/lessons", headers=g).status_code == 200


def test_strangers_and_bad_input(client, db, bearer, make_user):
    child = make_user(Role.STUDENT, email="kid2@example.com")
    parent = make_user(Role.GUARDIAN, email="dad@example.com")
    g, c, stranger = bearer(parent), bearer(child), bearer(make_user(Role.STUDENT))
    assert client.post("/api/v1/guardians/requests", json={"student_email": "kid2@example.com"}, headers=c).status_code == 403
    assert client.post("/api/v1/guardians/requests", json={"student_email": "kid2@example.com"}).status_code == 401
    assert client.get("/api/v1/guardians/me/requests", headers=c).status_code == 403
    for body in ({}, {"student_email": 5}, {"student_email": "nope"}, {"student_email": "a" * 300 + "@x.com"}):
        assert client.post("/api/v1/guardians/requests", json=body, headers=g).status_code == 422
    assert _links(db) == []
    client.post("/api/v1/guardians/requests", json={"student_email": "kid2@example.com"}, headers=g)
    link_id = client.get("/api/v1/guardians/me/requests", headers=g).json()[0]["id"]
    url = f"/api/v1/guardians/links/{link_id}/answer"
    assert client.post(url, json={"accept": True}, headers=g).status_code == 403
    assert client.post(url, json={"accept": True}, headers=stranger).status_code == 404
    assert client.post(url, json={"accept": True}).status_code == 401
    for body in ({}, {"accept": "yes"}, {"accept": 1}, {"accept": None}):
        assert client.post(url, json=body, headers=c).status_code == 422
    assert client.post("/api/v1/guardians/links/abc/answer", json={"accept": True}, headers=c).status_code == 404
    assert _links(db) == [("pending", "guardian")]


@pytest.mark.parametrize("n", [5])
def test_requests_are_rate_limited(client, bearer, make_user, n):
    g = bearer(make_user(Role.GUARDIAN, email="busy@example.com"))
    for i in range(n):
        assert client.post("/api/v1/guardians/requests", json={"student_email": f"k{i}@example.com"},
                           headers=g).status_code == 202
    res = client.post("/api/v1/guardians/requests", json={"student_email": "k9@example.com"}, headers=g)
    assert res.status_code == 429 and res.headers.get("retry-after")
