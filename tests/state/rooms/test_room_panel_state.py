"""The video panel's state: a party opens the room and gets only what their own page needs to join
(Janus URL, room, their token); a stranger, an admin or anonymous gets nothing; outside the window
the panel says when the room is open; without Janus it shows the meeting link and says why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.state.conftest import chained, fetch
from tests.support.booking import NOW, open_all_week
from tests.support.booking_world import day_ahead, make_world, soon, starting_now
from tests.support.classes import funded_students, published_class
from tests.support.janus import janus_server
from tutorhub.db import session_scope
from tutorhub.models import ChatMessage, ClassSession, RoomPresence
from tutorhub.services.classes import seats
from tutorhub.state.classes.room_chat import ClassRoomChatState
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


CLASS_ROUTE = "/classes/[class_id]/sessions/[session_id]/room"


@pytest.fixture
def class_now(db, make_user, make_approved_tutor):
    """A published class whose first session starts two minutes from now; one enrolled student and
    one who is not."""
    tutor, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=NOW, min_notice_hours=0)
    class_id = published_class(db, tutor, NOW)
    student, outsider = funded_students(db, make_user, 2)
    seats.enrol(db, actor=student, class_id=class_id, now=NOW)
    db.commit()
    first = db.exec(select(ClassSession).where(ClassSession.class_id == class_id).order_by(ClassSession.seq)).first()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
    with session_scope() as session:
        row = session.get(ClassSession, first.id)
        shift = start - row.start_at
        row.start_at, row.end_at, row.block_start, row.block_end = (
            row.start_at + shift, row.end_at + shift, row.block_start + shift, row.block_end + shift)
        session.add(row)
    return class_id, first.id, tutor, student, outsider


def _open_class(browser, class_id: int, session_id: int, email: str | None) -> RoomState:
    if email:
        browser.login(email)
    browser.goto(f"/classes/{class_id}/sessions/{session_id}/room", route=CLASS_ROUTE)
    panel = browser.state(RoomState)
    browser.run(panel.open_room())
    return panel


def test_class_session_room_for_its_tutor_and_enrolled_students(new_browser, class_now, janus):
    class_id, session_id, tutor, student, _ = class_now
    pupil = _open_class(new_browser(), class_id, session_id, student.email)
    assert pupil.room_state == "sfu" and pupil.room_server == janus.client_url
    assert pupil.room_id.startswith("class-") and pupil.room_token.startswith("rt1.class.")
    teacher = _open_class(new_browser(), class_id, session_id, tutor.email)
    assert teacher.room_state == "sfu" and teacher.room_id == pupil.room_id and teacher.room_token != pupil.room_token


@pytest.mark.parametrize("who,ids", [("outsider", (0, 0)), (None, (0, 0)), ("student", (1, 0)),
                                     ("student", (0, 999)), ("student", ("x", "y"))])
def test_class_session_room_strangers_and_wrong_ids_get_nothing(new_browser, class_now, janus, who, ids):
    class_id, session_id, tutor, student, outsider = class_now
    email = {"outsider": outsider.email, "student": student.email}.get(who or "")
    cid = class_id + ids[0] if isinstance(ids[0], int) else ids[0]
    sid = session_id + ids[1] if isinstance(ids[1], int) else ids[1]
    panel = _open_class(new_browser(), cid, sid, email)
    assert panel.room_state == "none" and panel.room_token == "" and panel.room_id == "" and panel.room_server == ""
    assert fetch(RoomPresence) == []


@pytest.mark.parametrize("path,back", [("/classes/{cid}/sessions/{sid}/room", "/classes/{cid}"),
                                       ("/classes/abc/sessions/1/room", "/classes"),
                                       ("/lessons/{sid}", "/classes")])
def test_a_class_rooms_page_links_back_to_its_class(browser, class_now, path, back):
    class_id, session_id, _, student, _ = class_now
    browser.login(student.email)
    route = CLASS_ROUTE if path.startswith("/classes") else "/lessons/[booking_id]"
    browser.goto(path.format(cid=class_id, sid=session_id), route=route)
    panel = browser.state(RoomState)
    assert browser.run(panel.close_room()) == [] and panel.room_state == ""
    assert panel.room_back == back.format(cid=class_id)


def _class_chat(browser, class_id, session_id, email: str | None) -> tuple[ClassRoomChatState, list]:
    if email:
        browser.login(email)
    browser.goto(f"/classes/{class_id}/sessions/{session_id}/room", route=CLASS_ROUTE)
    chat = browser.state(ClassRoomChatState)
    return chat, browser.run(chat.load())


def test_the_class_chat_sits_beside_the_video_for_the_class_only(new_browser, class_now):
    """The tutor and enrolled students talk in the class conversation from the room; an outsider, a
    visitor or a guessed class id gets no chat and nothing is sent."""
    class_id, session_id, tutor, student, outsider = class_now
    pupil, events = _class_chat(new_browser(), class_id, session_id, student.email)
    assert pupil.thread_status == "ready" and "watch_chat" in chained(events)
    tab_t = new_browser()
    teacher, _ = _class_chat(tab_t, class_id, session_id, tutor.email)
    assert teacher.thread_id == pupil.thread_id
    tab_t.run(teacher.send_message({"body": "Cameras on, please"}))
    again, _ = _class_chat(new_browser(), class_id, session_id, student.email)
    assert [m.body for m in again.messages][-1] == "Cameras on, please"
    sent = len(fetch(ChatMessage))
    for email, cid in ((outsider.email, class_id), (None, class_id), (student.email, class_id + 1),
                       (student.email, "x" * 500)):
        tab = new_browser()
        stranger, events = _class_chat(tab, cid, session_id, email)
        assert stranger.thread_status == "none" and stranger.thread_id == 0 and stranger.messages == []
        assert chained(events) == []
        tab.run(stranger.send_message({"body": "let me in"}))
    assert len(fetch(ChatMessage)) == sent
