"""Join/leave per participant from the page's token-authenticated reports, the sweep against Janus'
participant list, the lesson's attendance for parties and admins, and class attendance marks."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tests.support.classes import funded_students, published_class
from tutorhub.models import ClassAttendance, ClassSession, Role, RoomPresence
from tutorhub.room_settings import get_room_settings
from tutorhub.services.classes import seats
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.rooms import presence, rooms

START = at(1, 10)


@pytest.fixture
def lesson(env):
    return env.book(START, confirm=True)


def test_join_leave_and_attendance_evidence(env, lesson, sfu):
    now = START + timedelta(minutes=2)
    tutor_room = rooms.booking_room(env.db, actor=env.tutor, booking_id=lesson.id, now=now, sfu=sfu)
    presence.report_presence(env.db, token=tutor_room.token, event="joined", now=now)
    presence.report_presence(env.db, token=tutor_room.token, event="joined", now=now + timedelta(minutes=1))
    presence.report_presence(env.db, token=tutor_room.token, event="left", now=now + timedelta(minutes=40))
    for viewer in (env.student, env.tutor, env.make_user(Role.ADMIN)):
        rows = {a.role: a for a in presence.booking_attendance(env.db, actor=viewer, booking_id=lesson.id)}
        assert [(s.joined_at, s.left_at) for s in rows["tutor"].stays] == [(now, now + timedelta(minutes=40))]
        assert rows["student"].stays == []  # "the student never joined"
    with pytest.raises(NotFound):
        presence.booking_attendance(env.db, actor=env.another_student(), booking_id=lesson.id)


def test_reports_need_a_valid_token_and_event(env, lesson, sfu):
    room = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START, sfu=sfu)
    for token in (room.token[:-1] + "x", "rt1.booking.1.1.9999999999.abc", None, 7):
        with pytest.raises(NotAuthenticated):
            presence.report_presence(env.db, token=token, event="joined", now=START)
    with pytest.raises(NotAuthenticated):  # expired once the window closed
        presence.report_presence(env.db, token=room.token, event="joined", now=room.expires_at)
    with pytest.raises(InvalidInput):
        presence.report_presence(env.db, token=room.token, event="teleported", now=START)
    assert env.db.exec(select(RoomPresence)).all() == []


def test_sweep_closes_stays_of_people_janus_no_longer_lists(env, lesson, sfu):
    room = rooms.booking_room(env.db, actor=env.student, booking_id=lesson.id, now=START, sfu=sfu)
    presence.report_presence(env.db, token=room.token, event="joined", now=START)
    assert presence.sweep_presence(env.db, sfu=sfu, now=START + timedelta(minutes=3)) == 1
    stay = env.db.exec(select(RoomPresence)).one()
    assert stay.left_at == START + timedelta(minutes=3) and stay.left_how == "sweep"


def test_class_session_room_for_members_and_join_marks_present(db, make_user, make_approved_tutor, sfu):
    tutor, _ = make_approved_tutor(timezone="UTC")
    from tests.support.booking import open_all_week

    open_all_week(db, tutor, min_notice_hours=0)
    class_id = published_class(db, tutor, NOW)
    student, outsider = funded_students(db, make_user, 2)
    seats.enrol(db, actor=student, class_id=class_id, now=NOW)
    db.commit()
    first = db.exec(select(ClassSession).where(ClassSession.class_id == class_id).order_by(ClassSession.seq)).first()
    now = first.start_at + timedelta(minutes=7)
    room = rooms.class_session_room(db, actor=student, class_id=class_id, session_id=first.id, now=now, sfu=sfu)
    assert room.provider == "sfu" and room.room.startswith("class-")
    rooms.class_session_room(db, actor=tutor, class_id=class_id, session_id=first.id, now=now, sfu=sfu)
    with pytest.raises(NotFound):
        rooms.class_session_room(db, actor=outsider, class_id=class_id, session_id=first.id, now=now, sfu=sfu)
    with pytest.raises(NotFound):
        rooms.class_session_room(db, actor=student, class_id=class_id + 1, session_id=first.id, now=now, sfu=sfu)
    presence.report_presence(db, token=room.token, event="joined", now=now)
    mark = db.exec(select(ClassAttendance)).one()
    assert (mark.student_id, mark.status) == (student.id, "late")


@pytest.mark.parametrize(("capacity", "cameras"), [(5, 8), (8, 9)])
def test_a_full_online_class_and_its_tutor_can_all_send_video(db, make_user, make_approved_tutor, sfu,
                                                                capacity, cameras):
    """Rooms take 8 cameras; the room of an online class of 8 takes 9, so its tutor is not the one left out."""
    tutor, _ = make_approved_tutor(timezone="UTC")
    class_id = published_class(db, tutor, NOW, capacity=capacity)
    first = db.exec(select(ClassSession).where(ClassSession.class_id == class_id).order_by(ClassSession.seq)).first()
    room = rooms.class_session_room(db, actor=tutor, class_id=class_id, session_id=first.id, now=first.start_at,
                                    sfu=sfu)
    rs = get_room_settings()
    listed = httpx.post(sfu.admin_url, timeout=5, json={
        "janus": "message_plugin", "plugin": "janus.plugin.videoroom", "transaction": "t",
        "admin_secret": rs.admin_secret, "request": {"request": "list", "admin_key": rs.admin_key}}).json()
    assert {r["room"]: r["max_publishers"] for r in listed["response"]["list"]}[room.room] == cameras


def test_admins_read_the_evidence_in_words(env, lesson, sfu):
    room = rooms.booking_room(env.db, actor=env.tutor, booking_id=lesson.id, now=START, sfu=sfu)
    presence.report_presence(env.db, token=room.token, event="joined", now=START + timedelta(minutes=2))
    presence.report_presence(env.db, token=room.token, event="left", now=START + timedelta(minutes=40))
    admin = env.make_user(Role.ADMIN)
    words = presence.room_evidence(env.db, actor=admin, booking_ids=[lesson.id], zone="Europe/Berlin")
    assert words == {lesson.id: "the tutor joined 11:02, left 11:40 · the student never joined"}
    with pytest.raises(Forbidden):
        presence.room_evidence(env.db, actor=env.tutor, booking_ids=[lesson.id], zone="UTC")
