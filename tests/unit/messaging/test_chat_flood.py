"""The chat flood limit is per sender, across all their conversations (20 messages per 10 seconds).
Before: it was counted per conversation, so 40 messages went out in 0.63 s across two conversations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.chat import PNG, make_pair
from tutorhub.models import Role
from tutorhub.services.errors import RateLimited
from tutorhub.services.messaging import attachments as chat_attachments
from tutorhub.services.messaging import messages as chat_messages


def _send(db, actor, cid, body, now):
    out = chat_messages.send_message(db, actor=actor, conversation_id=cid, body=body, now=now)
    db.commit()
    return out


def test_20_messages_in_one_conversation_and_1_in_another_the_21st_is_refused(db, make_user):
    first = make_pair(db, make_user)
    second = make_pair(db, make_user, student=first.student, tutor=make_user(Role.TUTOR))
    assert first.conversation_id != second.conversation_id
    for i in range(chat_messages.FLOOD_MESSAGES):
        _send(db, first.student, first.conversation_id, f"m{i}", NOW + timedelta(milliseconds=10 * i))
    with pytest.raises(RateLimited) as refused:
        chat_messages.send_message(db, actor=first.student, conversation_id=second.conversation_id, body="and here",
                                   now=NOW + timedelta(seconds=1))
    assert "too fast" in refused.value.message and refused.value.retry_after_seconds == 10
    db.rollback()
    with pytest.raises(RateLimited):  # a file counts as a message too
        chat_attachments.send_attachment(db, actor=first.student, conversation_id=second.conversation_id,
                                         filename="a.png", data=PNG, now=NOW + timedelta(seconds=2))
    db.rollback()
    # The tutors are other senders; and ten seconds later the student may write again.
    _send(db, second.tutor, second.conversation_id, "hello", NOW + timedelta(seconds=2))
    _send(db, first.student, second.conversation_id, "later", NOW + timedelta(seconds=11))


def test_a_flood_spread_over_two_conversations_stops_at_20_in_total(db, make_user):
    first = make_pair(db, make_user)
    second = make_pair(db, make_user, student=first.student, tutor=make_user(Role.TUTOR))
    sent = refused = 0
    for i in range(40):  # the burst, alternating between the two conversations
        cid = (first, second)[i % 2].conversation_id
        try:
            _send(db, first.student, cid, f"m{i}", NOW + timedelta(milliseconds=15 * i))
            sent += 1
        except RateLimited:
            db.rollback()
            refused += 1
    assert (sent, refused) == (20, 20)
