"""A client message id makes a send idempotent: the composer's double send (Enter twice, a double
click, a retry after a lost answer) stores one message; other senders and conversations have
their own ids, and a malformed id is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.support.booking import NOW
from tests.support.chat import make_pair
from tutorhub.models import Role
from tutorhub.models.chat import ChatMessage
from tutorhub.services.errors import InvalidInput, RateLimited
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import messages as chat_messages

CID = "c-2f6b1e0a-8d5e-4b77-a3f0"


def _stored(db, conversation_id: int) -> list[str]:
    return list(db.exec(select(ChatMessage.body).where(col(ChatMessage.conversation_id) == conversation_id)
                        .order_by(col(ChatMessage.id))).all())


def test_the_same_client_id_sent_twice_stores_one_message(db, make_user):
    pair = make_pair(db, make_user)
    first = chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id,
                                       body="See you at five", client_id=CID, now=NOW)
    db.commit()
    again = chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id,
                                       body="See you at five", client_id=CID, now=NOW + timedelta(milliseconds=150))
    db.commit()
    assert again.id == first.id and again.body == "See you at five"
    assert _stored(db, pair.conversation_id) == ["See you at five"]
    assert chat_conversations.unread_total(db, actor=pair.tutor) == 1
    # Without an id every send is a new message; a new id is a new message.
    chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="ok", now=NOW)
    chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="ok", now=NOW)
    chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="and",
                               client_id=CID + "x", now=NOW)
    db.commit()
    assert _stored(db, pair.conversation_id) == ["See you at five", "ok", "ok", "and"]


def test_client_ids_belong_to_one_sender_and_one_conversation(db, make_user):
    pair = make_pair(db, make_user)
    other = make_pair(db, make_user, student=pair.student, tutor=make_user(Role.TUTOR))
    mine = chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="a",
                                      client_id=CID, now=NOW)
    theirs = chat_messages.send_message(db, actor=pair.tutor, conversation_id=pair.conversation_id, body="b",
                                        client_id=CID, now=NOW)
    elsewhere = chat_messages.send_message(db, actor=pair.student, conversation_id=other.conversation_id, body="c",
                                           client_id=CID, now=NOW)
    db.commit()
    assert len({mine.id, theirs.id, elsewhere.id}) == 3 and theirs.mine is True and theirs.body == "b"


def test_a_repeated_send_is_not_counted_against_the_flood_limit(db, make_user):
    pair = make_pair(db, make_user)
    for i in range(chat_messages.FLOOD_MESSAGES):
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body=f"m{i}",
                                   client_id=f"client-{i:04d}", now=NOW)
    db.commit()
    repeat = chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="m19",
                                        client_id="client-0019", now=NOW + timedelta(seconds=1))
    assert repeat.body == "m19"
    with pytest.raises(RateLimited):
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="new",
                                   client_id="client-0020", now=NOW + timedelta(seconds=1))


@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space!", 12345678, ["c-12345678"], "é" * 10])
def test_malformed_client_ids_are_refused(db, make_user, bad):
    pair = make_pair(db, make_user)
    with pytest.raises(InvalidInput) as refused:
        chat_messages.send_message(db, actor=pair.student, conversation_id=pair.conversation_id, body="hi",
                                   client_id=bad, now=NOW)
    assert "client_id" in refused.value.fields
