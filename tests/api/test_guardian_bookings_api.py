"""`POST /guardians/me/students/{id}/bookings`, `POST /guardians/me/bookings/{id}/pay` and
`GET /guardians/me/bookings`: a linked guardian books and pays for a child, and buys minutes for the
child (`POST /guardians/me/students/{id}/packs/{code}/buy`, `GET .../credits`); strangers, the child,
anonymous callers and bad input are refused and nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.booking import open_all_week
from tests.support.credits import catalogue
from tests.support.guardians import link_guardian
from tests.support.money import fund_wallet
from tutorhub.models import Booking, Role
from tutorhub.models.learning import GuardianBooking

PRICE = 3000


@pytest.fixture
def family(db, make_user, make_approved_tutor):
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    now = datetime.now(UTC)
    open_all_week(db, tutor, now=now, min_notice_hours=0)
    child = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="parent@example.com")
    link_guardian(db, child, parent)
    start = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {"tutor_id": tutor_id, "child": child, "parent": parent, "start": start.isoformat()}


def _body(f, **kw):
    return {"tutor_id": f["tutor_id"], "start": f["start"], "duration_min": 60, **kw}


def _count(db):
    db.rollback()  # a fresh read of what the API committed
    return len(db.exec(select(GuardianBooking)).all()), len(db.exec(select(Booking)).all())


def test_book_pay_and_both_see_it(client, db, bearer, family):
    fund_wallet(db, family["parent"].id, PRICE, commit=True)
    g, c = bearer(family["parent"]), bearer(family["child"])
    res = client.post(f"/api/v1/guardians/me/students/{family['child'].id}/bookings", json=_body(family), headers=g)
    assert res.status_code == 201, res.text
    held = res.json()
    assert held["student_id"] == family["child"].id and held["guardian_id"] == family["parent"].id
    booking_id = held["booking"]["id"]
    res = client.post(f"/api/v1/guardians/me/bookings/{booking_id}/pay", json={"method": "wallet"}, headers=g)
    assert res.status_code == 200 and res.json()["status"] == "CONFIRMED"
    assert client.post(f"/api/v1/guardians/me/bookings/{booking_id}/pay", json={"method": "wallet"},
                       headers=g).status_code == 409
    assert [b["booking"]["id"] for b in client.get("/api/v1/guardians/me/bookings", headers=g).json()] == [booking_id]
    lessons = client.get(f"/api/v1/guardians/me/students/{family['child'].id}/lessons", headers=g).json()
    assert [b["id"] for b in lessons] == [booking_id]
    mine = client.get("/api/v1/bookings", headers=c).json()
    assert booking_id in [b["id"] for b in mine["items"]]


def test_card_checkout_for_a_child(client, db, bearer, family):
    g = bearer(family["parent"])
    held = client.post(f"/api/v1/guardians/me/students/{family['child'].id}/bookings", json=_body(family), headers=g)
    res = client.post(f"/api/v1/guardians/me/bookings/{held.json()['booking']['id']}/pay", json={"method": "gateway"},
                      headers=g)
    assert res.status_code == 200 and res.json()["checkout_url"] and res.json()["status"] == "PENDING_PAYMENT"


def test_strangers_are_refused_and_nothing_changes(client, db, bearer, make_user, family):
    child_id = family["child"].id
    stranger = bearer(make_user(Role.GUARDIAN, email="stranger@example.com"))
    other_child = make_user(Role.STUDENT)
    g, c = bearer(family["parent"]), bearer(family["child"])
    before = _count(db)
    url = f"/api/v1/guardians/me/students/{child_id}/bookings"
    assert client.post(url, json=_body(family), headers=stranger).status_code == 404
    assert client.post(f"/api/v1/guardians/me/students/{other_child.id}/bookings", json=_body(family),
                       headers=g).status_code == 404
    assert client.post(url, json=_body(family), headers=c).status_code == 403
    assert client.post(url, json=_body(family)).status_code == 401
    assert client.get("/api/v1/guardians/me/bookings", headers=c).status_code == 403
    assert client.get("/api/v1/guardians/me/bookings").status_code == 401
    assert _count(db) == before
    held = client.post(url, json=_body(family), headers=g).json()["booking"]["id"]
    pay = f"/api/v1/guardians/me/bookings/{held}/pay"
    assert client.post(pay, json={"method": "wallet"}, headers=stranger).status_code == 404
    assert client.post(pay, json={"method": "wallet"}, headers=c).status_code == 403
    assert client.post(pay, json={"method": "wallet"}).status_code == 401
    assert client.post(pay, json={"method": "wallet"}, headers=g).status_code == 402  # an empty wallet
    assert client.get("/api/v1/guardians/me/bookings", headers=stranger).json() == []
    db.rollback()
    assert db.get(Booking, held).status == "PENDING_PAYMENT"


@pytest.mark.parametrize("body", [
    {},
    {"tutor_id": "x", "start": "2030-01-01T10:00:00Z", "duration_min": 60},
    {"tutor_id": 1, "start": "tomorrow", "duration_min": 60},
    {"tutor_id": 1, "start": "2030-01-01T10:00:00Z", "duration_min": -1},
    {"tutor_id": 1, "start": "2030-01-01T10:00:00Z", "duration_min": 60, "subject": "x" * 5000},
    {"tutor_id": 1, "start": "2030-01-01T10:00:00Z", "duration_min": 60, "mode": "moon"},
])
def test_bad_booking_input_is_422(client, db, bearer, family, body):
    before = _count(db)
    res = client.post(f"/api/v1/guardians/me/students/{family['child'].id}/bookings", json=body,
                      headers=bearer(family["parent"]))
    assert res.status_code == 422
    assert _count(db) == before


@pytest.mark.parametrize("body", [{}, {"method": "cash"}, {"method": 5}, {"method": ["wallet"]}, {"method": "w" * 5000}])
def test_bad_pay_input_is_422(client, db, bearer, family, body):
    g = bearer(family["parent"])
    held = client.post(f"/api/v1/guardians/me/students/{family['child'].id}/bookings", json=_body(family), headers=g)
    booking_id = held.json()["booking"]["id"]
    assert client.post(f"/api/v1/guardians/me/bookings/{booking_id}/pay", json=body, headers=g).status_code == 422
    assert client.post("/api/v1/guardians/me/bookings/abc/pay", json={"method": "wallet"}, headers=g).status_code == 404
    db.rollback()
    assert db.get(Booking, booking_id).status == "PENDING_PAYMENT"


def _pack_url(child_id, code="hour5"):
    return f"/api/v1/guardians/me/students/{child_id}/packs/{code}/buy"


def test_a_guardian_buys_minutes_for_a_child(client, db, bearer, make_user, family):
    catalogue(db, make_user)
    child_id = family["child"].id
    g = bearer(family["parent"])
    fund_wallet(db, family["parent"].id, 6000, "USD", commit=True)
    assert client.get(f"/api/v1/guardians/me/students/{child_id}/credits", headers=g).json()["minutes"] == 0
    res = client.post(_pack_url(child_id), json={"method": "wallet"}, headers=g)
    assert res.status_code == 200, res.text
    assert client.get(f"/api/v1/guardians/me/students/{child_id}/credits", headers=g).json() == {
        "student_id": child_id, "minutes": 300}
    assert client.get("/api/v1/credits", headers=bearer(family["child"])).json()["credits_minutes"] == 300
    short = client.post(_pack_url(child_id), json={"method": "wallet"}, headers=g)  # the wallet is empty now
    assert short.status_code == 402
    card = client.post(_pack_url(child_id), json={"method": "gateway"}, headers=g)
    assert card.status_code == 200 and card.json()["checkout_url"]
    assert client.get(f"/api/v1/guardians/me/students/{child_id}/credits", headers=g).json()["minutes"] == 300


def test_strangers_cannot_buy_or_read_a_childs_minutes(client, db, bearer, make_user, family):
    catalogue(db, make_user)
    child_id = family["child"].id
    other_parent = make_user(Role.GUARDIAN)
    fund_wallet(db, other_parent.id, 6000, "USD", commit=True)
    fund_wallet(db, family["parent"].id, 6000, "USD", commit=True)
    g = bearer(family["parent"])
    for headers, code in ((bearer(other_parent), 404), (bearer(family["child"]), 403), ({}, 401)):
        assert client.post(_pack_url(child_id), json={"method": "wallet"}, headers=headers).status_code == code
        assert client.get(f"/api/v1/guardians/me/students/{child_id}/credits", headers=headers).status_code == code
    assert client.post(_pack_url(child_id, "nope"), json={"method": "wallet"}, headers=g).status_code == 404
    assert client.post(_pack_url(999_999), json={"method": "wallet"}, headers=g).status_code == 404
    assert client.post(_pack_url(child_id), json={"method": "cash"}, headers=g).status_code == 422
    assert client.post(_pack_url(child_id), json={"method": 5}, headers=g).status_code == 422
    assert client.post(_pack_url(child_id), json={"method": "wallet", "promo_code": "X" * 5000},
                       headers=g).status_code == 422
    assert client.get(f"/api/v1/guardians/me/students/{child_id}/credits", headers=g).json()["minutes"] == 0
