"""The room API exactly as issue 19 writes it: parties get {provider, room, token, expires_at,
ice_servers, url}; strangers and anonymous callers are refused; 409 outside the window with its
times; attendance for parties and admins; presence reports authenticated by the join token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, open_all_week
from tests.support.booking_world import starting_now
from tests.support.classes import funded_students, published_class
from tests.support.janus import janus_server
from tutorhub.db import session_scope
from tutorhub.models import ClassSession, Role, RoomPresence
from tutorhub.services.classes import seats
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




def test_class_session_room_for_its_members_inside_the_window(client, db, make_user, make_approved_tutor, bearer,
                                                              as_role, janus):
    tutor, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=NOW, min_notice_hours=0)
    class_id = published_class(db, tutor, NOW)
    student, outsider = funded_students(db, make_user, 2)
    seats.enrol(db, actor=student, class_id=class_id, now=NOW)
    db.commit()
    first = db.exec(select(ClassSession).where(ClassSession.class_id == class_id).order_by(ClassSession.seq)).first()
    path = f"/api/v1/classes/{class_id}/sessions/{first.id}/room"
    early = client.get(path, headers=bearer(student))
    assert early.status_code == 409, early.text
    assert (early.json()["opens_at"], early.json()["closes_at"]) == (
        (first.start_at - timedelta(minutes=10)).isoformat(), (first.end_at + timedelta(minutes=15)).isoformat())

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)  # the session starts now-ish
    with session_scope() as session:
        row = session.get(ClassSession, first.id)
        shift = start - row.start_at
        row.start_at, row.end_at, row.block_start, row.block_end = (
            row.start_at + shift, row.end_at + shift, row.block_start + shift, row.block_end + shift)
        session.add(row)
    answers = [client.get(path, headers=bearer(who)) for who in (student, tutor)]
    assert [a.status_code for a in answers] == [200, 200], answers[0].text
    body = answers[0].json()
    assert set(body) == {"provider", "room", "token", "expires_at", "ice_servers", "url"}
    assert body["provider"] == "sfu" and body["url"] == janus.client_url and body["room"].startswith("class-")
    assert answers[1].json()["room"] == body["room"] and answers[1].json()["token"] != body["token"]
    for headers in (bearer(outsider), as_role(Role.TUTOR)[1], as_role(Role.ADMIN)[1]):
        assert client.get(path, headers=headers).status_code == 404
    assert client.get(f"/api/v1/classes/{class_id + 1}/sessions/{first.id}/room",
                      headers=bearer(student)).status_code == 404
    assert client.get(path).status_code == 401
