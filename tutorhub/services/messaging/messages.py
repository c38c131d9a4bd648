"""Chat messages: history pages, live catch-up, sending, read markers.

- Messages: trimmed text up to 4,000 characters (required unless an attachment is sent, see
  attachments.py); at most 20 messages per 10 seconds per sender, across all their conversations
  (a flood spread over several conversations is still a flood), checked under a per-sender lock —
  a transaction-scoped advisory lock on PostgreSQL, the database write lock on SQLite — so a burst
  of parallel sends, to one conversation or many, cannot slip past the count.
- A send may carry a `client_id` (the sender's id for one composed message, 8–64 letters, digits,
  "-" or "_"): sending it again — a double click, Enter pressed twice, a retry after a lost answer —
  returns the message already stored instead of storing a second one. It is looked up under the
  same per-sender lock as the flood count, and a UNIQUE (conversation, sender, client_id)
  constraint backs it.
- History pages backwards by message id (`before`); `messages_after` fetches only what is new.
- After commit, "conversation:{id}" and "user:{participant}" get tiny hints; open tabs re-read
  through these functions (so authorization happens here again), never trusting the hint.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tutorhub.db import lock_key, rows_matched
from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.chat import ChatAttachment, ChatMessage, Conversation, ConversationKind, ConversationParticipant
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import RateLimited
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.conversations import (
    Access,
    access,
    conversation_channel,
    join,
    names_of,
    subject_user_id,
    unread_counts,
)
from tutorhub.services.messaging.views import SUPPORT_NAME, AttachmentOut, MessageOut, MessagePage, attachment_url
from tutorhub.services.validation import clean_int, clean_text, fail

MAX_BODY = 4000
CLIENT_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
PAGE_SIZE = 30
FLOOD_MESSAGES = 20
FLOOD_SECONDS = 10


def message_outs(session: Session, user: UserOut, rows: list[ChatMessage]) -> list[MessageOut]:
    ids = [m.id for m in rows if m.id is not None]
    files = {a.message_id: a for a in session.exec(
        select(ChatAttachment).where(col(ChatAttachment.message_id).in_(ids))).all()} if ids else {}
    convs = {cid: session.get(Conversation, cid) for cid in {m.conversation_id for m in rows}}
    return _outs(user, rows, names_of(session, {m.sender_id for m in rows}), files, convs)


def own_message_out(got: Access, msg: ChatMessage) -> MessageOut:
    """A text message the actor just stored, as `message_outs` shows it to them, from what the send
    already holds (no attachment, the actor's own name, the conversation read by `access`): two
    fewer queries while the database's write lock is held."""
    return _outs(got.user, [msg], {got.user.id: got.user.full_name}, {}, {msg.conversation_id: got.conv})[0]


def _outs(user: UserOut, rows: list[ChatMessage], names: dict[int, str], files: dict[int, ChatAttachment],
          convs: dict[int, Conversation | None]) -> list[MessageOut]:
    support_users = {cid: subject_user_id(conv) for cid, conv in convs.items()
                     if conv is not None and conv.kind == ConversationKind.SUPPORT}
    out = []
    for m in rows:
        assert m.id is not None
        name = names.get(m.sender_id, "")
        if m.conversation_id in support_users and m.sender_id != support_users[m.conversation_id] \
                and user.role != Role.ADMIN:
            name = SUPPORT_NAME  # the user sees the support team, not which admin answered
        file = files.get(m.id)
        out.append(MessageOut(
            id=m.id, conversation_id=m.conversation_id, sender_id=m.sender_id, sender_name=name,
            mine=m.sender_id == user.id, body=m.body, created_at=m.created_at,
            attachment=AttachmentOut(id=file.id or 0, name=file.original_name, content_type=file.content_type,
                                     size_bytes=file.size_bytes,
                                     url=attachment_url(m.conversation_id, file.id or 0)) if file else None,
        ))
    return out


def list_messages(session: Session, *, actor: UserOut | None, conversation_id: Any, before: Any = None,
                  limit: Any = PAGE_SIZE) -> MessagePage:
    """One page of history ending just before message `before` (default: the newest), oldest first."""
    got = access(session, actor, conversation_id)
    size = clean_int(limit, "limit", minimum=1, maximum=100)
    query = select(ChatMessage).where(col(ChatMessage.conversation_id) == got.conv.id)
    if before is not None and before != "":
        query = query.where(col(ChatMessage.id) < clean_int(before, "before", minimum=1, maximum=2**62))
    rows = list(session.exec(query.order_by(col(ChatMessage.id).desc()).limit(size + 1)).all())
    more = len(rows) > size
    rows = list(reversed(rows[:size]))
    return MessagePage(messages=message_outs(session, got.user, rows),
                       next_before=rows[0].id if more and rows else None)


def messages_after(session: Session, *, actor: UserOut | None, conversation_id: Any, after: Any,
                   limit: Any = PAGE_SIZE) -> list[MessageOut]:
    """Up to `limit` messages newer than message `after`, oldest first (a live refresh fetches only
    what is new; a full page means there may be more, and the caller reloads the newest page)."""
    got = access(session, actor, conversation_id)
    size = clean_int(limit, "limit", minimum=1, maximum=100)
    since = clean_int(after, "after", minimum=0, maximum=2**62)
    rows = list(session.exec(
        select(ChatMessage).where(col(ChatMessage.conversation_id) == got.conv.id, col(ChatMessage.id) > since)
        .order_by(col(ChatMessage.id)).limit(size)
    ).all())
    return message_outs(session, got.user, rows)


def guard_flood(session: Session, got: Access, now: datetime) -> None:
    """Lock the sender, then count their recent messages in every conversation (race-safe limit).

    PostgreSQL: a transaction-scoped advisory lock per sender (`db.lock_key`; a row lock on the
    conversation would let a sender flood several conversations in parallel). SQLite has none
    and needs none: a write transaction already holds the database write lock (BEGIN IMMEDIATE)."""
    lock_key(session, f"chat-flood:sender:{got.user.id}")
    recent = session.exec(
        select(func.count()).select_from(ChatMessage).where(
            col(ChatMessage.sender_id) == got.user.id,
            col(ChatMessage.created_at) > now - timedelta(seconds=FLOOD_SECONDS),
        )
    ).one()
    if recent >= FLOOD_MESSAGES:
        raise RateLimited(
            f"You are sending messages too fast (at most {FLOOD_MESSAGES} in {FLOOD_SECONDS} seconds). "
            "Wait a moment and try again.",
            retry_after_seconds=FLOOD_SECONDS,
        )


def insert_message(session: Session, got: Access, body: str, now: datetime, client_id: str | None = None) -> ChatMessage:
    """Store the message, move the sender's read marker past it, and queue the live hints."""
    assert got.conv.id is not None
    msg = ChatMessage(conversation_id=got.conv.id, sender_id=got.user.id, body=body, created_at=now,
                      client_id=client_id)
    session.add(msg)
    session.flush()
    assert msg.id is not None
    session.execute(update(Conversation).where(col(Conversation.id) == got.conv.id).values(last_message_at=now))
    if got.participant is None:  # an admin answering a support thread for the first time
        join(session, got.conv.id, got.user.id, "admin", now)
    _advance_marker(session, got.conv.id, got.user.id, msg.id)
    publish_after_commit(session, conversation_channel(got.conv.id), {"type": "message", "id": msg.id})
    for uid in session.exec(select(ConversationParticipant.user_id).where(
            col(ConversationParticipant.conversation_id) == got.conv.id)).all():
        publish_after_commit(session, user_channel(uid), {"type": "message", "conversation_id": got.conv.id})
    return msg


def clean_body(body: Any, *, required: bool) -> str:
    return clean_text(body, "body", max_len=MAX_BODY, required=required, multiline=True)


def clean_client_id(value: Any) -> str | None:
    """A client message id, or None when none was given."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not CLIENT_ID_RE.fullmatch(value):
        raise fail("client_id", "must be 8 to 64 letters, digits, '-' or '_'")
    return value


def send_message(session: Session, *, actor: UserOut | None, conversation_id: Any, body: Any,
                 client_id: Any = None, now: datetime | None = None) -> MessageOut:
    """Send a text message; the same `client_id` sent again returns the message already stored."""
    got = access(session, actor, conversation_id)
    text = clean_body(body, required=True)
    key = clean_client_id(client_id)
    now = now or utcnow()
    if key is not None:
        lock_key(session, f"chat-flood:sender:{got.user.id}")  # the lock guard_flood takes (re-entrant)
        sent = session.exec(select(ChatMessage).where(
            col(ChatMessage.conversation_id) == got.conv.id, col(ChatMessage.sender_id) == got.user.id,
            col(ChatMessage.client_id) == key,
        )).first()
        if sent is not None:
            return message_outs(session, got.user, [sent])[0]
    guard_flood(session, got, now)
    return own_message_out(got, insert_message(session, got, text, now, client_id=key))


def _advance_marker(session: Session, conversation_id: int, user_id: int, message_id: int, *,
                    if_posted: bool = False) -> bool:
    """Move a read marker forward only (two tabs marking at once never move it back). `if_posted`: only
    when the conversation has a message at least that new (for an id not yet checked against it). The
    WHERE names the participant row, so it moves nobody else's marker."""
    query = update(ConversationParticipant).where(
        col(ConversationParticipant.conversation_id) == conversation_id,
        col(ConversationParticipant.user_id) == user_id,
        col(ConversationParticipant.last_read_message_id) < message_id,
    )
    if if_posted:
        newest = select(func.max(ChatMessage.id)).where(col(ChatMessage.conversation_id) == conversation_id)
        query = query.where(newest.scalar_subquery() >= message_id)
    return rows_matched(session.execute(query.values(last_read_message_id=message_id))) > 0


def _told_read(session: Session, conversation_id: int, user_id: int) -> bool:
    """A reader's marker moved: their other tabs hear of it (after the commit)."""
    publish_after_commit(session, user_channel(user_id), {"type": "read", "conversation_id": conversation_id})
    return True


def _mark(session: Session, got: Access, up_to: Any) -> bool:
    """Move the actor's marker up to `up_to` (default: the newest message; never past it)."""
    assert got.conv.id is not None
    newest = session.exec(select(func.max(ChatMessage.id)).where(
        col(ChatMessage.conversation_id) == got.conv.id)).one() or 0
    target = newest
    if up_to is not None and up_to != "":
        target = min(newest, clean_int(up_to, "up_to", minimum=0, maximum=2**62))
    if target <= 0:
        return False
    if got.participant is None:
        join(session, got.conv.id, got.user.id, "admin", utcnow())
    return _advance_marker(session, got.conv.id, got.user.id, target) and _told_read(session, got.conv.id, got.user.id)


def mark_read(session: Session, *, actor: UserOut | None, conversation_id: Any, up_to: Any = None) -> int:
    """Everything up to `up_to` (default: the newest message) is read; returns the unread left."""
    got = access(session, actor, conversation_id)
    _mark(session, got, up_to)
    cid = got.conv.id
    assert cid is not None
    return unread_counts(session, got.user, [cid]).get(cid, 0)


def mark_seen(session: Session, *, actor: UserOut | None, conversation_id: Any, up_to: Any) -> bool:
    """What an open thread does when new messages show: `mark_read` without counting what is
    left (the page knows); answers whether the marker moved. It runs under the database write lock
    on every live message a reader sees, so the usual case is one statement: the reader is a
    participant whose marker is behind a message of the conversation that exists, and the
    UPDATE's own WHERE is the authorization (it can only move the actor's own row of that
    conversation). Anything else (an admin on a support thread, a stranger, a marker already
    there, an id that is not a plain integer) takes `_mark`'s full path and its answers."""
    user = require_role(actor)
    if _plain_id(conversation_id) and _plain_id(up_to) and \
            _advance_marker(session, conversation_id, user.id, up_to, if_posted=True):
        return _told_read(session, conversation_id, user.id)
    return _mark(session, access(session, actor, conversation_id), up_to)


def _plain_id(value: Any) -> bool:
    return type(value) is int and 1 <= value <= 2**62
