"""The video panel's state: a party opens the room and gets only what their own page needs to join
(Janus URL, room, their token); a stranger, an admin or anonymous gets nothing; outside the window
the panel says when the room is open; without Janus it shows the meeting link and says why."""

from __future__ import annotations

import json

import pytest

from tests.support.booking_world import day_ahead, make_world, soon, starting_now
from tests.support.janus import janus_server
from tutorhub.state.rooms.room_panel import RoomState


@pytest.fixture(scope="module")
def janus():
    with janus_server() as running:
        yield running


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=True)


def _open(browser, booking_id: int, email: str | None) -> RoomState:
    if email:
        browser.login(email)
    browser.goto(f"/lessons/{booking_id}", route="/lessons/[booking_id]")
    panel = browser.state(RoomState)
    browser.run(panel.open_room())
    return panel


def test_parties_get_their_own_join_values(new_browser, world, janus):
    b = world.book(soon(30))
    starting_now(b.id)
    student = _open(new_browser(), b.id, world.student.email)
    assert student.room_state == "sfu" and student.room_server == janus.client_url
    assert student.room_id.startswith("lesson-") and student.room_token.startswith("rt1.booking.")
    assert json.loads(student.room_ice) == [] and student.room_display.endswith(":Sam")
    tutor = _open(new_browser(), b.id, world.tutor.email)
    assert tutor.room_id == student.room_id and tutor.room_token != student.room_token


@pytest.mark.parametrize("who", ["other_student", "other_tutor", "admin", None])
def test_strangers_get_nothing(new_browser, world, janus, who):
    b = world.book(soon(30))
    starting_now(b.id)
    panel = _open(new_browser(), b.id, getattr(world, who).email if who else None)
    assert panel.room_state == "none" and panel.room_token == "" and panel.room_id == "" and panel.room_server == ""


def test_outside_the_window_says_when_it_opens(browser, world, janus):
    b = world.book(day_ahead(2))
    panel = _open(browser, b.id, world.student.email)
    assert panel.room_state == "closed" and panel.room_token == ""
    assert "opens 10 minutes before" in panel.room_message and "It is open from" in panel.room_message


def test_without_janus_the_meeting_link(browser, world, monkeypatch):
    monkeypatch.setenv("TUTORHUB_SFU", "off")
    b = world.book(soon(30))
    starting_now(b.id)
    panel = _open(browser, b.id, world.student.email)
    assert panel.room_state == "external" and panel.room_url.startswith("https://meet.jit.si/tutorhub-")
    assert "not available" in panel.room_message and panel.room_server == ""
