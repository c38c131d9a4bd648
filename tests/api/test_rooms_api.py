"""The room API exactly as issue 19 writes it: parties get {provider, room, token, expires_at,
ice_servers, url}; strangers and anonymous callers are refused; 409 outside the window with its
times; attendance for parties and admins; presence reports authenticated by the join token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.booking import open_all_week
from tests.support.booking_world import starting_now
from tests.support.janus import janus_server
from tutorhub.models import Role, RoomPresence
from tutorhub.services.rooms import sfu


@pytest.fixture(scope="module")
def janus():
    with janus_server() as running:
        yield running


@pytest.fixture
def lesson(db, make_approved_tutor, make_user, bearer):
    """A confirmed lesson starting two minutes from now (API routes use the real clock)."""
    from tests.support.booking import book

    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=datetime.now(UTC), min_notice_hours=0)
    student = make_user(Role.STUDENT)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    out = book(db, student, tutor_id, start, now=None, confirm=True)
    return out.id, student, tutor, bearer(student), bearer(tutor)


def test_room_for_parties_now_and_409_outside(client, lesson, janus, as_role, db):
    bid, _, _, s, t = lesson
    res = client.get(f"/api/v1/bookings/{bid}/room", headers=s)
    assert res.status_code == 409 and set(res.json()) >= {"detail", "opens_at", "closes_at"}
    starting_now(bid)
    res = client.get(f"/api/v1/bookings/{bid}/room", headers=s)
    assert res.status_code == 200, res.text
    body = res.json()
    assert set(body) == {"provider", "room", "token", "expires_at", "ice_servers", "url"}
    assert body["provider"] == "sfu" and body["url"] == janus.client_url and body["ice_servers"] == []
    assert client.get(f"/api/v1/bookings/{bid}/room", headers=t).json()["room"] == body["room"]
    for role in (Role.STUDENT, Role.TUTOR, Role.ADMIN):
        _, other = as_role(role)
        assert client.get(f"/api/v1/bookings/{bid}/room", headers=other).status_code == 404
    assert client.get(f"/api/v1/bookings/{bid}/room").status_code == 401
    assert client.get("/api/v1/bookings/abc/room", headers=s).status_code == 404

    assert client.post("/api/v1/rooms/presence", json={"token": body["token"], "event": "joined"}).status_code == 200
    assert client.post("/api/v1/rooms/presence", json={"token": "x" * 300, "event": "joined"}).status_code == 422
    assert client.post("/api/v1/rooms/presence", json={"token": body["token"], "event": 1}).status_code == 422
    assert client.post("/api/v1/rooms/presence", json={"token": body["token"][:-1], "event": "left"}).status_code == 401
    assert len(db.exec(select(RoomPresence)).all()) == 1
    reopened = client.post("/api/v1/rooms/reopen", json={"token": body["token"]})
    assert reopened.status_code == 200 and reopened.json()["room"] == body["room"]
    assert client.post("/api/v1/rooms/reopen", json={"token": body["token"] + "0"}).status_code == 401
    assert client.post("/api/v1/rooms/reopen", json={"token": 5}).status_code == 422
    assert client.post("/api/v1/rooms/reopen", json={}).status_code == 422

    _, admin = as_role(Role.ADMIN)
    att = client.get(f"/api/v1/bookings/{bid}/attendance", headers=admin)
    assert att.status_code == 200
    by_role = {a["role"]: a for a in att.json()}
    assert len(by_role["student"]["stays"]) == 1 and by_role["tutor"]["stays"] == []
    _, stranger = as_role(Role.STUDENT)
    assert client.get(f"/api/v1/bookings/{bid}/attendance", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/bookings/{bid}/attendance").status_code == 401


def test_fallback_when_janus_is_stopped(client, lesson, monkeypatch):
    bid, _, _, s, _ = lesson
    starting_now(bid)
    with janus_server() as running:
        assert client.get(f"/api/v1/bookings/{bid}/room", headers=s).json()["provider"] == "sfu"
        assert client.get("/health").json() == {"status": "ok", "sfu": "ok"}
        running.stop()
        sfu._STATE.clear()  # the health ping is cached for a few seconds
        body = client.get(f"/api/v1/bookings/{bid}/room", headers=s).json()
        assert client.get("/health").json() == {"status": "ok", "sfu": "unreachable"}
    assert body["provider"] == "external" and body["url"].startswith("https://meet.jit.si/")


def test_class_session_room_refuses_strangers(client, as_role):
    _, h = as_role(Role.STUDENT)
    assert client.get("/api/v1/classes/1/sessions/1/room", headers=h).status_code == 404
    assert client.get("/api/v1/classes/x/sessions/y/room", headers=h).status_code == 404


