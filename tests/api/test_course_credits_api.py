"""`POST /api/v1/courses/{id}/enrol {"method": "credits"}`: 201 and the minutes leave the student's lots,
402 (the wallet's shape: `detail`, plus the minutes needed and held) when short, 422 for a bad method;
`GET /api/v1/courses/{id}` shows the price in minutes; a refund puts the minutes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import db_snapshot
from tests.support.courses import published_course
from tests.support.money import fund_wallet
from tutorhub.models import LotSource, Role
from tutorhub.services.billing import credits

MINUTES = 98  # 49.00 EUR at the tutor's 30.00 EUR an hour, rounded up


@pytest.fixture
def tutor(make_approved_tutor, bearer):
    user, _ = make_approved_tutor(timezone="UTC")
    return user, bearer(user)


def _grant(db, user, minutes: int) -> None:
    credits.grant_lot(db, user_id=user.id, minutes=minutes, source=LotSource.ADMIN, source_ref=f"api:{user.id}",
                      expires_at=datetime.now(UTC) + timedelta(days=30), now=datetime.now(UTC))
    db.commit()


def test_credits_enrol_201_then_refund(client, db, tutor, as_role):
    _, t = tutor
    cid, _preview, paid = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    _grant(db, student, MINUTES + 20)
    page = client.get(f"/api/v1/courses/{cid}", headers=s).json()
    assert (page["price_minor"], page["credit_price_minutes"], page["credits_minutes"]) == (4900, MINUTES, MINUTES + 20)
    assert client.get(f"/api/v1/courses/{cid}").json()["credits_minutes"] is None  # anonymous: no balances
    res = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "credits"}, headers=s)
    assert res.status_code == 201 and res.json()["status"] == "ACTIVE" and res.json()["checkout_url"] is None
    assert client.get("/api/v1/credits", headers=s).json()["credits_minutes"] == 20
    assert client.get(f"/api/v1/courses/{cid}/chapters/{paid}/video", headers=s, follow_redirects=False).status_code == 302
    assert client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "credits"}, headers=s).status_code == 409
    assert client.get("/api/v1/credits", headers=s).json()["credits_minutes"] == 20  # spent once
    res = client.post(f"/api/v1/courses/{cid}/refund", headers=s)
    assert res.status_code == 200 and res.json() == {"status": "REFUNDED", "refunded_minor": 0, "currency": "EUR",
                                                     "refunded_minutes": MINUTES}
    assert client.get("/api/v1/credits", headers=s).json()["credits_minutes"] == MINUTES + 20


def test_credits_short_is_402_like_the_wallet_and_changes_nothing(client, db, tutor, as_role):
    _, t = tutor
    cid, _, _ = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    _grant(db, student, MINUTES - 1)
    wallet = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    before = db_snapshot()
    res = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "credits"}, headers=s)
    assert wallet.status_code == res.status_code == 402
    assert set(wallet.json()) <= set(res.json()) and "credit minutes" in res.json()["detail"]
    assert (res.json()["needed_minutes"], res.json()["available_minutes"]) == (MINUTES, MINUTES - 1)
    assert db_snapshot() == before


def test_bad_methods_are_422_and_a_guardian_needs_a_linked_child(client, db, tutor, as_role):
    _, t = tutor
    cid, _, _ = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    _, g = as_role(Role.GUARDIAN)
    _grant(db, student, 500)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    before = db_snapshot()
    for body in ({"method": "credit"}, {"method": "Credits"}, {"method": ["credits"]}, {"method": None},
                 {"method": "credits", "student_id": "x"}, {"method": "x" * 5000}):
        res = client.post(f"/api/v1/courses/{cid}/enrol", json=body, headers=s)
        assert res.status_code == 422, (body, res.text)
    for who in (student.id, 10**9):  # not their child
        res = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "credits", "student_id": who}, headers=g)
        assert res.status_code == 404, res.text
    assert client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "credits"}).status_code == 401
    assert client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "credits"}, headers=t).status_code == 403
    assert client.post("/api/v1/courses/999999/enrol", json={"method": "credits"}, headers=s).status_code == 404
    assert db_snapshot() == before
