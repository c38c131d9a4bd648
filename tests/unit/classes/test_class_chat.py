"""Class chat and broadcasts: members only (the tutor and enrolled students), a leaver loses access,
a broadcast reaches every enrolled student in the chat and as a notification."""

from __future__ import annotations

import pytest

from tests.support.booking import NOW
from tests.support.classes import funded_students, published_class
from tutorhub.models import Notification
from tutorhub.services.classes import class_chat, seats
from tutorhub.services.errors import Forbidden, NotFound
from tutorhub.services.messaging import messages


@pytest.fixture
def klass(env):
    class_id = published_class(env.db, env.tutor, NOW, capacity=2)
    a, b, c = funded_students(env.db, env.make_user, 3)
    for s in (a, b, c):
        seats.enrol(env.db, actor=s, class_id=class_id, now=NOW)
    env.db.commit()
    return class_id, a, b, c


def test_members_read_the_chat_and_a_waitlisted_student_does_not(env, klass):
    class_id, a, b, waiting = klass
    cid = class_chat.class_chat(env.db, actor=a, class_id=class_id)
    assert class_chat.class_chat(env.db, actor=env.tutor, class_id=class_id) == cid
    messages.send_message(env.db, actor=a, conversation_id=cid, body="Hello all", now=NOW)
    assert [m.body for m in messages.list_messages(env.db, actor=b, conversation_id=cid).messages] == ["Hello all"]
    with pytest.raises(NotFound):
        class_chat.class_chat(env.db, actor=waiting, class_id=class_id)
    with pytest.raises(NotFound):
        messages.list_messages(env.db, actor=waiting, conversation_id=cid)
    with pytest.raises(NotFound):
        messages.list_messages(env.db, actor=env.student, conversation_id=cid)


def test_a_student_who_leaves_no_longer_reads_the_chat(env, klass):
    class_id, a, _, _ = klass
    cid = class_chat.class_chat(env.db, actor=a, class_id=class_id)
    seats.leave(env.db, actor=a, class_id=class_id, now=NOW)
    with pytest.raises(NotFound):
        messages.list_messages(env.db, actor=a, conversation_id=cid)


def test_a_broadcast_reaches_every_enrolled_student(env, klass):
    class_id, a, b, waiting = klass
    out = class_chat.broadcast(env.db, actor=env.tutor, class_id=class_id, body="Bring a calculator", now=NOW)
    assert out["recipients"] == 2
    notes = env.db.exec(Notification.__table__.select().where(Notification.kind == "classes")).all()  # type: ignore[attr-defined]
    assert sorted(n.user_id for n in notes) == sorted([a.id, b.id])
    assert all(n.link == f"/classes/{class_id}" for n in notes)
    page = messages.list_messages(env.db, actor=b, conversation_id=out["conversation_id"])
    assert [m.body for m in page.messages] == ["Bring a calculator"]


def test_only_the_classes_tutor_broadcasts(env, klass):
    class_id, a, _, _ = klass
    with pytest.raises(Forbidden):
        class_chat.broadcast(env.db, actor=a, class_id=class_id, body="spam", now=NOW)
    other, _ = env.make_approved_tutor()
    with pytest.raises(NotFound):
        class_chat.broadcast(env.db, actor=other, class_id=class_id, body="spam", now=NOW)
