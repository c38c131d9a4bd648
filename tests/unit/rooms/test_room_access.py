"""Who gets a lesson's room and when: parties inside the join window get a token Janus accepts;
strangers and admins get 404, everyone outside the window 409 with the window's times; without the
SFU the room falls back to the meeting link."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from tests.support.booking import NOW, at
from tests.support.janus import free_port
from tutorhub.integrations.janus import JanusRooms
from tutorhub.models import Booking, Role
from tutorhub.room_settings import get_room_settings
from tutorhub.services.errors import Conflict, NotAuthenticated, NotFound
from tutorhub.services.rooms import rooms
from tutorhub.services.rooms.tokens import issue_token, read_token, room_secret

START = at(1, 10)


@pytest.fixture
def lesson(env):
    return env.book(START, confirm=True)


def _janus_session(url: str, token: str | None) -> dict:
    body = {"janus": "create", "transaction": "t1", **({"token": token} if token else {})}
    return httpx.post(url, json=body, timeout=5).json()


def test_party_gets_a_token_janus_accepts_and_nobody_else_does(env, lesson, janus, sfu):
    now = START - timedelta(minutes=5)
    room = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=now, sfu=sfu)
    assert room.provider == "sfu" and room.url == janus.client_url and room.room.startswith("lesson-")
    assert room.expires_at == START + timedelta(minutes=60 + get_room_settings().grace_minutes)
    assert _janus_session(janus.client_url, room.token)["janus"] == "success"
    assert _janus_session(janus.client_url, None)["error"]["code"] == 403
    assert _janus_session(janus.client_url, room.token[:-2] + "00")["error"]["code"] == 403
    tutor_room = rooms.booking_room(env.db, actor=env.tutor, booking_id=lesson.id, now=now, sfu=sfu)
    assert tutor_room.room == room.room and tutor_room.token != room.token
    assert sfu.room_exists(room.room)


def test_strangers_admins_and_junk_ids_get_not_found(env, lesson, sfu):
    now = START
    for actor in (env.another_student(), env.make_user(Role.ADMIN), env.make_approved_tutor()[0]):
        with pytest.raises(NotFound):
            rooms.booking_room(env.db, actor=actor, booking_id=lesson.id, now=now, sfu=sfu)
    for junk in ("x", -1, 10**30, None, lesson.id + 999):
        with pytest.raises(NotFound):
            rooms.booking_room(env.db, actor=env.student, booking_id=junk, now=now, sfu=sfu)


@pytest.mark.parametrize("offset", [timedelta(minutes=-11), timedelta(minutes=60 + 15), timedelta(days=1)])
def test_outside_the_window_is_a_conflict_with_the_window(env, lesson, sfu, offset):
    with pytest.raises(Conflict) as caught:
        rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START + offset, sfu=sfu)
    assert caught.value.extra == {"opens_at": (START - timedelta(minutes=10)).isoformat(),
                                  "closes_at": (START + timedelta(minutes=75)).isoformat()}


def test_an_unconfirmed_lesson_has_no_room(env, sfu):
    held = env.book(at(2, 10))
    with pytest.raises(Conflict):
        rooms.booking_room(env.db, actor=env.student, booking_id=held.id, now=at(2, 10), sfu=sfu)


def test_without_the_sfu_the_room_is_the_meeting_link(env, lesson):
    down = JanusRooms(f"http://127.0.0.1:{free_port()}/admin", "x" * 40, "y" * 40, timeout=0.5)
    room = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START, sfu=down)
    key = env.db.get(Booking, lesson.id).room_key
    assert room.provider == "external" and room.url == f"https://meet.jit.si/{key}"
    off = rooms.booking_room(env.db, actor=env.tutor, booking_id=lesson.id, now=START, sfu=None)
    assert off.provider == "external" and off.url == room.url and off.ice_servers == []


def test_tokens_are_bound_signed_and_expire():
    key = b"k" * 32
    token = issue_token(key, kind="booking", ref_id=7, user_id=3, expires_at=NOW + timedelta(minutes=5))
    claim = read_token(key, token, now=NOW)
    assert claim is not None and (claim.kind, claim.ref_id, claim.user_id) == ("booking", 7, 3)
    assert read_token(key, token, now=NOW + timedelta(minutes=5)) is None
    assert read_token(b"o" * 32, token, now=NOW) is None
    forged = token.replace(".3.", ".4.", 1)
    assert read_token(key, forged, now=NOW) is None
    for junk in (None, 5, "", "rt1", "x" * 500, ["a"]):
        assert read_token(key, junk, now=NOW) is None


def test_reopen_reprovisions_a_room_janus_forgot(env, lesson, janus, sfu):
    room = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START, sfu=sfu)
    sfu.destroy_room(room.room, secret=room_secret(get_room_settings().signing_key, room.room))
    sfu.remove_token(room.token)
    assert not sfu.room_exists(room.room)
    again = rooms.reopen_room(env.db, token=room.token, now=START + timedelta(minutes=3), sfu=sfu)
    assert again.room == room.room and sfu.room_exists(room.room)
    assert _janus_session(janus.client_url, room.token)["janus"] == "success"
    with pytest.raises(NotAuthenticated):
        rooms.reopen_room(env.db, token=room.token + "x", now=START, sfu=sfu)
    with pytest.raises(Conflict):
        rooms.reopen_room(env.db, token=room.token, now=START + timedelta(minutes=74, seconds=59), sfu=None)


def _join_room(url: str, token: str, room: str) -> dict:
    """A browser's steps on Janus' client API: session, VideoRoom handle, join as publisher; the
    plugin's answer to the join (an event from the long poll)."""
    def post(path: str, body: dict) -> dict:
        return httpx.post(url + path, json={**body, "transaction": "t", "token": token}, timeout=5).json()

    session_id = post("", {"janus": "create"})["data"]["id"]
    handle_id = post(f"/{session_id}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})["data"]["id"]
    sent = post(f"/{session_id}/{handle_id}", {"janus": "message", "body": {
        "request": "join", "ptype": "publisher", "room": room, "display": "u0:Probe", "token": token}})
    assert sent["janus"] == "ack", sent
    event = httpx.get(f"{url}/{session_id}", params={"token": token, "maxev": 1}, timeout=35).json()
    post(f"/{session_id}", {"janus": "destroy"})
    return event["plugindata"]["data"]


def test_a_token_opens_only_its_own_room_and_rooms_hold_at_most_8_publishers(env, lesson, janus, sfu):
    """Nobody joins by guessing a room id: a valid join token for one lesson is refused by Janus in
    another lesson's room (the room's `allowed` list), and accepted in its own."""
    other = env.book(START + timedelta(hours=2), student=env.another_student(), confirm=True)
    mine = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START, sfu=sfu)
    theirs = rooms.booking_room(env.db, actor=env.tutor, booking_id=other.id, now=START + timedelta(hours=2), sfu=sfu)
    assert _join_room(janus.client_url, mine.token, mine.room)["videoroom"] == "joined"
    refused = _join_room(janus.client_url, mine.token, theirs.room)
    assert refused["videoroom"] == "event" and refused["error_code"] == 433, refused  # not in the allowed list
    rs = get_room_settings()
    listed = httpx.post(sfu.admin_url, timeout=5, json={
        "janus": "message_plugin", "plugin": "janus.plugin.videoroom", "transaction": "t",
        "admin_secret": rs.admin_secret, "request": {"request": "list", "admin_key": rs.admin_key}}).json()
    by_room = {r["room"]: r for r in listed["response"]["list"]}
    assert by_room[mine.room]["max_publishers"] == 8 and by_room[theirs.room]["max_publishers"] == 8


def test_ice_servers_from_the_setting_reach_the_parties(env, lesson, sfu, monkeypatch):
    servers = [{"urls": "stun:turn.example.org:3478"},
               {"urls": ["turn:turn.example.org:3478?transport=udp"], "username": "u", "credential": "p"}]
    monkeypatch.setenv("TUTORHUB_ICE_SERVERS", json.dumps(servers))
    room = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START, sfu=sfu)
    assert room.provider == "sfu" and room.ice_servers == servers
