"""The live path's lean service calls: `mark_seen` (an open thread's read marker, no count) and
the send's answer built from what the send holds (`own_message_out`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.chat import make_pair, send
from tutorhub.models import ChatMessage, Role
from tutorhub.services.errors import InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.services.messaging import messages as chat_messages


def test_mark_seen_moves_the_marker_forward_only_and_never_past_the_newest(db, pair, hints):
    a = send(db, pair.tutor, pair.conversation_id, "a", now=NOW)
    b = send(db, pair.tutor, pair.conversation_id, "b", now=NOW + timedelta(seconds=1))
    hints.clear()
    assert chat_messages.mark_seen(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=a.id) is True
    db.commit()
    assert chat_conversations.unread_total(db, actor=pair.student) == 1
    assert hints == [(f"user:{pair.student.id}", {"type": "read", "conversation_id": pair.conversation_id})]
    hints.clear()
    # Backwards, or the same again: nothing moves and nobody is told.
    assert chat_messages.mark_seen(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=a.id) is False
    db.commit()
    assert hints == []
    # A number past the newest message marks up to the newest only (a client can send anything).
    assert chat_messages.mark_seen(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=b.id + 99)
    db.commit()
    assert chat_conversations.unread_total(db, actor=pair.student) == 0
    c = send(db, pair.tutor, pair.conversation_id, "c", now=NOW + timedelta(seconds=2))
    assert chat_conversations.unread_total(db, actor=pair.student) == 1 and c.id > b.id
    # The same marker as mark_read: the API's count agrees.
    assert chat_messages.mark_read(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=b.id) == 1


def test_mark_seen_refuses_strangers_signed_out_callers_and_bad_numbers(db, make_user, pair):
    send(db, pair.tutor, pair.conversation_id, "private")
    stranger = make_user(Role.STUDENT)
    with pytest.raises(NotFound):
        chat_messages.mark_seen(db, actor=stranger, conversation_id=pair.conversation_id, up_to=1)
    with pytest.raises(NotFound):
        chat_messages.mark_seen(db, actor=make_user(Role.ADMIN), conversation_id=pair.conversation_id, up_to=1)
    with pytest.raises(NotAuthenticated):
        chat_messages.mark_seen(db, actor=None, conversation_id=pair.conversation_id, up_to=1)
    for bad in ("x" * 5000, -1, 2**70, [1], {"a": 1}):
        with pytest.raises((InvalidInput, NotFound)):
            chat_messages.mark_seen(db, actor=pair.student, conversation_id=pair.conversation_id, up_to=bad)
    for bad in ("x" * 5000, None, [1], 2**70):
        with pytest.raises((InvalidInput, NotFound)):
            chat_messages.mark_seen(db, actor=pair.student, conversation_id=bad, up_to=1)
    db.rollback()
    assert chat_conversations.unread_total(db, actor=pair.student) == 1


def test_an_admin_marking_a_support_thread_seen_joins_it(db, make_user, pair):
    admin = make_user(Role.ADMIN)
    opened = chat_entry.open_support_conversation(db, actor=admin, user_id=pair.tutor.id)
    db.commit()
    send(db, pair.tutor, opened.id, "Help please")
    other_admin = make_user(Role.ADMIN)
    assert chat_conversations.unread_total(db, actor=other_admin) == 1
    assert chat_messages.mark_seen(db, actor=other_admin, conversation_id=opened.id, up_to=None) is True
    db.commit()
    assert chat_conversations.unread_total(db, actor=other_admin) == 0
    # With a plain message id too (the open thread's call): not yet a participant, so the full path joins.
    third_admin = make_user(Role.ADMIN)
    newest = send(db, pair.tutor, opened.id, "Still there?")
    assert chat_messages.mark_seen(db, actor=third_admin, conversation_id=opened.id, up_to=newest.id) is True
    db.commit()
    assert chat_conversations.unread_total(db, actor=third_admin) == 0


def test_a_participant_of_another_conversation_cannot_move_a_marker_here(db, make_user, pair):
    mine = send(db, pair.tutor, pair.conversation_id, "for the pair only")
    other = make_pair(db, make_user)
    with pytest.raises(NotFound):
        chat_messages.mark_seen(db, actor=other.student, conversation_id=pair.conversation_id, up_to=mine.id)
    db.rollback()
    assert chat_conversations.unread_total(db, actor=pair.student) == 1


@pytest.mark.parametrize("thread", ["pair", "support_user", "support_admin"])
def test_the_send_answers_what_reading_the_message_back_shows_the_sender(db, make_user, pair, thread):
    cid, sender = pair.conversation_id, pair.student
    if thread != "pair":
        admin = make_user(Role.ADMIN)
        cid = chat_entry.open_support_conversation(db, actor=admin, user_id=pair.tutor.id).id
        db.commit()
        sender = admin if thread == "support_admin" else pair.tutor
    sent = send(db, sender, cid, "  Hello there  ", client_id="abcdefgh-1")
    [row] = db.query(ChatMessage).filter(ChatMessage.id == sent.id).all()
    assert sent == chat_messages.message_outs(db, sender, [row])[0]
    assert sent.mine and sent.body == "Hello there" and sent.sender_name == sender.full_name
    # The repeated send (same client id) answers the stored message the same way.
    assert send(db, sender, cid, "Hello there", client_id="abcdefgh-1") == sent
