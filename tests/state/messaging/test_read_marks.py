"""Read markers written together (state/messaging/read_marks.py): marks arriving while one is
being written share the next unit of work, each still authorized by its own session token and
answered on its own — a refused one changes nothing and fails only its own caller."""

from __future__ import annotations

import asyncio

from tests.support.booking import NOW
from tests.support.chat import make_pair, send
from tutorhub.db import session_scope
from tutorhub.models import ConversationParticipant
from tutorhub.services.accounts import sessions
from tutorhub.services.errors import NotAuthenticated, NotFound
from tutorhub.state.messaging import read_marks


def _token(user_id: int) -> str:
    with session_scope() as s:
        return sessions.create_browser_session(s, user_id=user_id)


def _marker(db, cid: int, user_id: int) -> int:
    db.rollback()  # a fresh read of what the writers committed
    return db.query(ConversationParticipant).filter_by(conversation_id=cid, user_id=user_id).one().last_read_message_id


def _batches(monkeypatch) -> list[int]:
    sizes: list[int] = []
    real = read_marks._write

    def counted(batch):
        sizes.append(len(batch))
        return real(batch)

    monkeypatch.setattr(read_marks, "_write", counted)
    return sizes


def test_marks_arriving_together_are_written_in_one_unit_and_answered_each(db, make_user, monkeypatch):
    one, two = make_pair(db, make_user), make_pair(db, make_user)
    m1 = send(db, one.tutor, one.conversation_id, "to one", now=NOW)
    m2 = send(db, two.tutor, two.conversation_id, "to two", now=NOW)
    stranger = make_user()
    sizes = _batches(monkeypatch)

    async def marks():
        return await asyncio.gather(
            read_marks.mark_seen(_token(one.student.id), one.conversation_id, m1.id),
            read_marks.mark_seen(_token(stranger.id), one.conversation_id, m1.id),  # not theirs
            read_marks.mark_seen("no-such-session", two.conversation_id, m2.id),  # signed out
            read_marks.mark_seen(_token(two.student.id), two.conversation_id, m2.id),
            read_marks.mark_seen(_token(two.student.id), two.conversation_id, m2.id),  # again: nothing moves
            return_exceptions=True,
        )

    first, strangers, signed_out, second, again = asyncio.run(marks())
    assert sizes == [5]
    assert first is True and second is True and again is False
    assert isinstance(strangers, NotFound) and isinstance(signed_out, NotAuthenticated)
    assert _marker(db, one.conversation_id, one.student.id) == m1.id
    assert _marker(db, two.conversation_id, two.student.id) == m2.id
    assert _marker(db, one.conversation_id, one.tutor.id) == m1.id  # the sender's own, untouched


def test_a_mark_arriving_during_a_write_goes_in_the_next_batch(db, make_user, monkeypatch):
    pair = make_pair(db, make_user)
    a = send(db, pair.tutor, pair.conversation_id, "a", now=NOW)
    b = send(db, pair.tutor, pair.conversation_id, "b", now=NOW)
    token = _token(pair.student.id)
    sizes = _batches(monkeypatch)

    async def marks():
        first = asyncio.ensure_future(read_marks.mark_seen(token, pair.conversation_id, a.id))
        await asyncio.sleep(0)  # the writer has taken the first batch and is writing it
        await asyncio.sleep(0)
        later = await asyncio.gather(read_marks.mark_seen(token, pair.conversation_id, b.id),
                                     read_marks.mark_seen(token, pair.conversation_id, b.id))
        return await first, later

    first, later = asyncio.run(marks())
    assert sizes == [1, 2]
    assert first is True and sorted(later) == [False, True]
    assert _marker(db, pair.conversation_id, pair.student.id) == b.id


def test_a_failed_unit_of_work_fails_every_mark_in_it_and_the_next_batch_still_runs(db, make_user, monkeypatch):
    pair = make_pair(db, make_user)
    a = send(db, pair.tutor, pair.conversation_id, "a", now=NOW)
    token = _token(pair.student.id)
    real, calls = read_marks._write, []

    def broken_once(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(batch)

    monkeypatch.setattr(read_marks, "_write", broken_once)

    async def marks():
        failed = await asyncio.gather(read_marks.mark_seen(token, pair.conversation_id, a.id), return_exceptions=True)
        return failed, await read_marks.mark_seen(token, pair.conversation_id, a.id)

    failed, retried = asyncio.run(marks())
    assert isinstance(failed[0], RuntimeError) and retried is True
    assert _marker(db, pair.conversation_id, pair.student.id) == a.id
