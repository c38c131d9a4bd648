"""Chat under concurrency: one conversation per pair however many first bookings race, and the
flood limit holds for a burst of parallel sends (CI runs these on PostgreSQL; the default run on
SQLite)."""

from __future__ import annotations

from sqlmodel import col, func, select

from tests.support.chat import make_pair
from tests.support.races import race
from tutorhub.models import ChatMessage, Conversation, ConversationParticipant, Role
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import messages as chat_messages

THREADS = 8


def test_concurrent_first_contacts_of_one_pair_create_exactly_one_conversation(db, make_user):
    tutor = make_user(Role.TUTOR)
    for _round in range(4):
        student = make_user(Role.STUDENT)
        results = race(THREADS, lambda s, i, st=student: chat_conversations.ensure_pair_conversation(
            s, student_id=st.id, tutor_user_id=tutor.id))
        assert all(kind == "ok" for kind, _ in results), results
        assert len({cid for _, cid in results}) == 1
        db.rollback()
        convs = db.exec(select(Conversation).where(col(Conversation.student_id) == student.id)).all()
        assert len(convs) == 1
        parts = db.exec(select(ConversationParticipant).where(
            col(ConversationParticipant.conversation_id) == convs[0].id)).all()
        assert sorted(p.user_id for p in parts) == sorted([student.id, tutor.id])


def test_a_burst_of_parallel_sends_stops_exactly_at_the_flood_limit(db, make_user):
    pair = make_pair(db, make_user)
    n = chat_messages.FLOOD_MESSAGES + 6
    results = race(n, lambda s, i: chat_messages.send_message(s, actor=pair.student, conversation_id=pair.conversation_id,
                                                     body=f"burst {i}").id)
    kinds = sorted(kind for kind, _ in results)
    assert kinds.count("ok") == chat_messages.FLOOD_MESSAGES and kinds.count("RateLimited") == 6, kinds
    db.rollback()
    stored = db.exec(select(func.count()).select_from(ChatMessage)).one()
    assert stored == chat_messages.FLOOD_MESSAGES


def test_parallel_sends_of_one_client_id_store_one_message(db, make_user):
    pair = make_pair(db, make_user)
    results = race(8, lambda s, i: chat_messages.send_message(s, actor=pair.student, conversation_id=pair.conversation_id,
                                                    body="only once", client_id="double-send-0001").id)
    assert all(kind == "ok" for kind, _ in results), results
    assert len({mid for _, mid in results}) == 1
    db.rollback()
    assert db.exec(select(func.count()).select_from(ChatMessage)).one() == 1
