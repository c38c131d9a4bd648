"""Chat services: pairing, messages, limits, paging, unread counts, support threads, hints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tests.support.chat import make_pair, send
from tutorhub.models import Conversation, ConversationParticipant, Role
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound, RateLimited
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.services.messaging import messages as chat_messages

# Pairing


def test_the_first_booking_creates_the_pairs_conversation_and_later_ones_reuse_it(env):
    env.book(at(2, 10))
    env.book(at(3, 10))
    convs = env.db.exec(select(Conversation)).all()
    assert len(convs) == 1 and convs[0].kind == "pair"
    assert (convs[0].student_id, convs[0].tutor_user_id) == (env.student.id, env.tutor.id)
    parts = env.db.exec(select(ConversationParticipant)).all()
    assert sorted((p.user_id, p.role) for p in parts) == sorted([(env.student.id, "student"), (env.tutor.id, "tutor")])
    other = env.another_student()
    env.book(at(4, 10), student=other)
    assert len(env.db.exec(select(Conversation)).all()) == 2
    titles = [c.title for c in chat_conversations.list_conversations(env.db, actor=env.tutor)]
    assert sorted(titles) == sorted([env.student.full_name, other.full_name])


def test_ensure_pair_conversation_is_idempotent(db, make_user):
    p = make_pair(db, make_user)
    again = chat_conversations.ensure_pair_conversation(db, student_id=p.student.id, tutor_user_id=p.tutor.id)
    db.commit()
    assert again == p.conversation_id
    assert len(db.exec(select(ConversationParticipant)).all()) == 2


# Messages


def test_messages_are_trimmed_and_listed_with_sender_and_mine(db, pair):
    send(db, pair.student, pair.conversation_id, "  Hello there \r\n second line  ")
    send(db, pair.tutor, pair.conversation_id, "Hi!")
    page = chat_messages.list_messages(db, actor=pair.student, conversation_id=pair.conversation_id)
    assert [(m.body, m.mine, m.sender_name) for m in page.messages] == [
        ("Hello there \n second line", True, pair.student.full_name),
        ("Hi!", False, pair.tutor.full_name),
    ]
    assert page.next_before is None


@pytest.mark.parametrize("body", ["", "   ", None, 42, ["x"], "x" * 4001, "bad\x00byte"])
def test_bad_bodies_are_refused_with_a_field_error_and_nothing_stored(db, pair, body):
    with pytest.raises(InvalidInput) as err:
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body=body)
    assert "body" in err.value.fields
    db.rollback()
    assert chat_messages.list_messages(db, actor=pair.student, conversation_id=pair.conversation_id).messages == []


def test_the_length_limit_message_is_clear_and_4000_characters_fit(db, pair):
    with pytest.raises(InvalidInput) as err:
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="é" * 4001)
    assert err.value.fields["body"] == "must be at most 4000 characters"
    db.rollback()
    assert len(send(db, pair.student, pair.conversation_id, "é" * 4000).body) == 4000


def test_history_pages_backwards_30_at_a_time_oldest_first(db, pair):
    for i in range(65):
        send(db, pair.student if i % 2 else pair.tutor, pair.conversation_id, f"m{i}", now=NOW + timedelta(seconds=i))
    first = chat_messages.list_messages(db, actor=pair.student, conversation_id=pair.conversation_id)
    assert [m.body for m in first.messages] == [f"m{i}" for i in range(35, 65)]
    second = chat_messages.list_messages(db, actor=pair.student, conversation_id=pair.conversation_id,
                                before=first.next_before)
    assert [m.body for m in second.messages] == [f"m{i}" for i in range(5, 35)]
    third = chat_messages.list_messages(db, actor=pair.tutor, conversation_id=pair.conversation_id, before=second.next_before)
    assert [m.body for m in third.messages] == [f"m{i}" for i in range(5)] and third.next_before is None
    with pytest.raises(InvalidInput):
        chat_messages.list_messages(db, actor=pair.tutor, conversation_id=pair.conversation_id, before="abc")


# Who may see what


def test_strangers_get_not_found_for_every_operation(db, make_user, pair):
    send(db, pair.student, pair.conversation_id, "private")
    strangers = [make_user(Role.STUDENT), make_user(Role.TUTOR), make_user(Role.ADMIN)]
    operations = [
        lambda a: chat_messages.list_messages(db, actor=a, conversation_id=pair.conversation_id),
        lambda a: chat_conversations.get_conversation(db, actor=a, conversation_id=pair.conversation_id),
        lambda a: chat_messages.send_message(db, actor=a, conversation_id=pair.conversation_id, body="hi"),
        lambda a: chat_messages.mark_read(db, actor=a, conversation_id=pair.conversation_id),
    ]
    for stranger in strangers:
        for op in operations:
            with pytest.raises(NotFound):
                op(stranger)
        assert chat_conversations.list_conversations(db, actor=stranger) == []
        assert chat_conversations.unread_total(db, actor=stranger) == 0
    for op in operations:
        with pytest.raises(NotAuthenticated):
            op(None)
    for bad in ("abc", -1, 0, 10**30, None, 999999):
        with pytest.raises(NotFound):
            chat_messages.list_messages(db, actor=pair.student, conversation_id=bad)
    db.rollback()
    assert len(chat_messages.list_messages(db, actor=pair.student, conversation_id=pair.conversation_id).messages) == 1


# Unread counts


def test_unread_counts_follow_the_read_marker_and_ignore_own_messages(db, make_user, pair):
    for i in range(3):
        send(db, pair.tutor, pair.conversation_id, f"t{i}", now=NOW + timedelta(seconds=i))
    send(db, pair.student, pair.conversation_id, "mine")
    # The student's own reply moves their marker past everything before it.
    assert chat_conversations.unread_total(db, actor=pair.student) == 0
    assert chat_conversations.unread_total(db, actor=pair.tutor) == 1
    first = send(db, pair.tutor, pair.conversation_id, "a")
    send(db, pair.tutor, pair.conversation_id, "b")
    [row] = chat_conversations.list_conversations(db, actor=pair.student)
    assert (row.unread, row.last_message, row.title, row.other_role) == (2, "b", pair.tutor.full_name, "tutor")
    assert chat_messages.mark_read(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=first.id) == 1
    db.commit()
    # Marking an older message never moves the marker back.
    assert chat_messages.mark_read(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=1) == 1
    assert chat_messages.mark_read(db, actor=pair.student, conversation_id=pair.conversation_id) == 0
    db.commit()
    assert chat_conversations.unread_total(db, actor=pair.student) == 0
    other = make_pair(db, make_user, student=pair.student)
    send(db, other.tutor, other.conversation_id, "from another tutor")
    assert chat_conversations.unread_total(db, actor=pair.student) == 1
    assert [c.id for c in chat_conversations.list_conversations(db, actor=pair.student)] == [other.conversation_id,
                                                                               pair.conversation_id]


# Flood limit


def test_more_than_20_messages_in_10_seconds_are_refused_per_sender(db, pair):
    for i in range(20):
        send(db, pair.student, pair.conversation_id, f"m{i}", now=NOW + timedelta(milliseconds=i))
    with pytest.raises(RateLimited) as err:
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="one more",
                          now=NOW + timedelta(seconds=5))
    assert "too fast" in err.value.message and err.value.retry_after_seconds == 10
    db.rollback()
    send(db, pair.tutor, pair.conversation_id, "the other side is not limited", now=NOW + timedelta(seconds=5))
    send(db, pair.student, pair.conversation_id, "later is fine", now=NOW + timedelta(seconds=11))
    assert len(chat_messages.list_messages(db, actor=pair.student, conversation_id=pair.conversation_id).messages) == 22


# Support threads


def test_admins_open_support_threads_that_users_see_as_tutorhub_support(db, make_user, pair):
    admin, other_admin = make_user(Role.ADMIN), make_user(Role.ADMIN)
    opened = chat_entry.open_support_conversation(db, actor=admin, email=pair.tutor.email.upper())
    db.commit()
    assert opened.kind == "support" and opened.title == pair.tutor.full_name
    again = chat_entry.open_support_conversation(db, actor=other_admin, user_id=pair.tutor.id)
    db.commit()
    assert again.id == opened.id
    send(db, admin, opened.id, "Hello from support")
    [row] = [c for c in chat_conversations.list_conversations(db, actor=pair.tutor) if c.kind == "support"]
    assert (row.title, row.other_role, row.unread) == ("TutorHub support", "support", 1)
    msgs = chat_messages.list_messages(db, actor=pair.tutor, conversation_id=opened.id).messages
    assert [(m.sender_name, m.mine) for m in msgs] == [("TutorHub support", False)]
    send(db, pair.tutor, opened.id, "Thanks")
    # Every admin is the support side: counts the user's messages after their own marker.
    assert chat_conversations.unread_total(db, actor=other_admin) == 1
    assert chat_conversations.unread_total(db, actor=admin) == 1
    chat_messages.mark_read(db, actor=other_admin, conversation_id=opened.id)
    db.commit()
    assert chat_conversations.unread_total(db, actor=other_admin) == 0 and chat_conversations.unread_total(db, actor=admin) == 1
    assert [m.sender_name for m in chat_messages.list_messages(db, actor=other_admin, conversation_id=opened.id).messages] == [
        admin.full_name, pair.tutor.full_name]
    # The student of the pair cannot see the tutor's support thread; admins cannot see the pair's.
    with pytest.raises(NotFound):
        chat_messages.list_messages(db, actor=pair.student, conversation_id=opened.id)
    with pytest.raises(NotFound):
        chat_messages.list_messages(db, actor=admin, conversation_id=pair.conversation_id)
    assert [c.id for c in chat_conversations.list_conversations(db, actor=admin)] == [opened.id]


def test_only_admins_open_support_threads_and_only_with_students_or_tutors(db, make_user, pair):
    admin = make_user(Role.ADMIN, email="boss@example.com")
    with pytest.raises(Forbidden):
        chat_entry.open_support_conversation(db, actor=pair.student, email=pair.tutor.email)
    with pytest.raises(NotAuthenticated):
        chat_entry.open_support_conversation(db, actor=None, email=pair.tutor.email)
    for kwargs, field in (({"email": "nobody@example.com"}, "email"), ({"email": "boss@example.com"}, "email"),
                          ({"email": "not an email"}, "email"), ({"user_id": 987654}, "user_id")):
        with pytest.raises(InvalidInput) as err:
            chat_entry.open_support_conversation(db, actor=admin, **kwargs)
        assert field in err.value.fields


# Live hints


def test_hints_go_out_after_commit_to_the_conversation_and_every_participant(db, pair, hints):
    msg = chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="hi")
    assert hints == []  # nothing before the commit
    db.commit()
    assert sorted(hints, key=str) == sorted([
        (f"conversation:{pair.conversation_id}", {"type": "message", "id": msg.id}),
        (f"user:{pair.student.id}", {"type": "message", "conversation_id": pair.conversation_id}),
        (f"user:{pair.tutor.id}", {"type": "message", "conversation_id": pair.conversation_id}),
    ], key=str)
    hints.clear()
    chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="never mind")
    db.rollback()
    assert hints == []
    chat_messages.mark_read(db, actor=pair.tutor, conversation_id=pair.conversation_id)
    db.commit()
    assert hints == [(f"user:{pair.tutor.id}", {"type": "read", "conversation_id": pair.conversation_id})]


# Finding the conversation from a lesson or a profile


def test_the_lesson_page_finds_the_pairs_conversation_for_its_two_parties_only(env):
    lesson = env.book(at(2, 10))
    got = chat_entry.lesson_conversation(env.db, actor=env.student, booking_id=lesson.id)
    assert got is not None and got.title == env.tutor.full_name
    assert chat_entry.lesson_conversation(env.db, actor=env.tutor, booking_id=lesson.id).id == got.id
    for stranger in (env.another_student(), env.make_user(Role.ADMIN), None):
        assert chat_entry.lesson_conversation(env.db, actor=stranger, booking_id=lesson.id) is None
    assert chat_entry.lesson_conversation(env.db, actor=env.student, booking_id="x") is None
    assert chat_entry.conversation_with_tutor(env.db, actor=env.student, tutor_id=env.tutor_id) == got.id
    assert chat_entry.conversation_with_tutor(env.db, actor=env.another_student(), tutor_id=env.tutor_id) is None
    assert chat_entry.conversation_with_tutor(env.db, actor=env.student, tutor_id="nope") is None


def test_messages_after_returns_only_newer_messages_for_participants(db, make_user, pair):
    first = send(db, pair.student, pair.conversation_id, "one")
    send(db, pair.tutor, pair.conversation_id, "two")
    send(db, pair.tutor, pair.conversation_id, "three")
    newer = chat_messages.messages_after(db, actor=pair.student, conversation_id=pair.conversation_id, after=first.id)
    assert [m.body for m in newer] == ["two", "three"]
    assert [m.body for m in chat_messages.messages_after(db, actor=pair.tutor, conversation_id=pair.conversation_id,
                                                after=0, limit=2)] == ["one", "two"]
    with pytest.raises(NotFound):
        chat_messages.messages_after(db, actor=make_user(Role.STUDENT), conversation_id=pair.conversation_id, after=0)
    with pytest.raises(InvalidInput):
        chat_messages.messages_after(db, actor=pair.tutor, conversation_id=pair.conversation_id, after="x")
