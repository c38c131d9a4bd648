"""Read markers of open chat threads, written together (group commit).

Every live message a reader sees moves their read marker: a write of a few statements. On SQLite
every write of the process queues on one lock (db.py), so with many readers these small writes
stood in the line of the senders' message inserts, one lock hold and one commit each: measured
with 200 sockets on one worker, they were a fifth of chat delivery's p95 (bench_realtime).

Marks that arrive while a batch is being written wait for the next one and are written together:
one unit of work, one lock hold, one commit. Nothing waits on a timer: a lone mark is written at
once. Each mark is still authorized by its own browser session token (resolved inside the unit of
work, as `AppState._db` does) and runs in its own savepoint, so one that is refused (the thread is
gone, the session was revoked) does not undo the others and gets its own error back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from sqlmodel import Session

from tutorhub.db import session_scope
from tutorhub.services.accounts import sessions
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import DomainError
from tutorhub.services.messaging import messages as chat_messages


@dataclass
class _Mark:
    token: str
    conversation_id: int
    up_to: int
    done: asyncio.Future[bool]


@dataclass
class _Queue:
    pending: list[_Mark] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


_queues: WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = WeakKeyDictionary()


async def mark_seen(token: str, conversation_id: int, up_to: int) -> bool:
    """`messages.mark_seen` for the user behind `token`, written with the marks that arrive
    meanwhile; raises its DomainError when this mark is refused."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = _Queue()
    done: asyncio.Future[bool] = loop.create_future()
    queue.pending.append(_Mark(token, conversation_id, up_to, done))
    if queue.writer is None:
        queue.writer = loop.create_task(_write_batches(queue))
    return await done


async def _write_batches(queue: _Queue) -> None:
    batch: list[_Mark] = []
    try:
        while queue.pending:
            batch, queue.pending = queue.pending, []
            try:
                outcomes = await asyncio.to_thread(_write, batch)
            except Exception as exc:  # noqa: BLE001 — the unit of work failed as a whole: so did every mark in it
                outcomes = [exc] * len(batch)
            for mark, outcome in zip(batch, outcomes, strict=True):
                if mark.done.done():  # its caller went away (the tab closed)
                    continue
                if isinstance(outcome, BaseException):
                    mark.done.set_exception(outcome)
                else:
                    mark.done.set_result(outcome)
    finally:
        queue.writer = None
        for mark in (*batch, *queue.pending):  # the loop is shutting down: no caller waits forever
            if not mark.done.done():
                mark.done.cancel()
        queue.pending.clear()


def _write(batch: list[_Mark]) -> list[bool | Exception]:
    outcomes: list[bool | Exception] = []
    with session_scope() as session:
        actors: dict[str, UserOut | None] = {}
        for mark in batch:
            if mark.token not in actors:
                actors[mark.token] = sessions.resolve_session(session, mark.token)
            outcomes.append(_write_one(session, actors[mark.token], mark))
    return outcomes


def _write_one(session: Session, actor: UserOut | None, mark: _Mark) -> bool | Exception:
    try:
        with session.begin_nested():
            return chat_messages.mark_seen(session, actor=actor, conversation_id=mark.conversation_id,
                                           up_to=mark.up_to)
    except DomainError as exc:
        return exc
