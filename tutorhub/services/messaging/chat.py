"""Chat: one conversation per student–tutor pair, support threads, messages, read markers.

Rules (shared by the JSON API and the Reflex UI, which only call these functions):
- Pair conversations are created by the booking path (`ensure_pair_conversation`, called where
  a lesson is first held) and later by claimed leads; insert-or-ignore on the UNIQUE pair_key
  makes concurrent first bookings of one pair end up in the same thread on both databases.
- Support threads: an admin opens one with any student or tutor (`chat_entry.open_support_conversation`);
  the user sees it as "TutorHub support", and every admin may read and answer it.
- Who may see a conversation: its participants, and for support threads the admins. Admins do
  NOT read private student–tutor conversations (privacy; moderation would be a separate,
  audited feature). Everyone else gets NotFound, exactly as for an id that does not exist.
- Messages: trimmed text up to 4,000 characters (required unless an attachment is sent, see
  chat_attachments.py); at most 20 messages per 10 seconds per sender and conversation, checked
  under the conversation's row lock (PostgreSQL) or the database write lock (SQLite) so a burst
  of parallel sends cannot slip past the count.
- History pages backwards by message id (`before`); unread counts are messages after one's read
  marker not sent by oneself, computed by one grouped query.
- After commit, "conversation:{id}" and "user:{participant}" get tiny hints; open tabs re-read
  through these functions (so authorization happens here again), never trusting the hint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.chat import ChatAttachment, ChatMessage, Conversation, ConversationKind, ConversationParticipant
from tutorhub.services.accounts.auth import UserOut, require_role
from tutorhub.services.errors import NotFound, RateLimited
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.views import (
    SUPPORT_NAME,
    AttachmentOut,
    ConversationOut,
    MessageOut,
    MessagePage,
    attachment_url,
    preview,
)
from tutorhub.services.validation import clean_id, clean_int, clean_text

MAX_BODY = 4000
PAGE_SIZE = 30
LIST_LIMIT = 50
FLOOD_MESSAGES = 20
FLOOD_SECONDS = 10
NOT_FOUND = "Conversation not found."


def pair_key(student_id: int, tutor_user_id: int) -> str:
    return f"pair:{student_id}:{tutor_user_id}"


def support_key(user_id: int) -> str:
    return f"support:{user_id}"


def conversation_channel(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def _insert_ignore(session: Session, model: Any, values: dict[str, Any], conflict: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: the unique constraint, not a prior read, decides."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict))


def join(session: Session, conversation_id: int, user_id: int, role: str, now: datetime) -> None:
    _insert_ignore(
        session,
        ConversationParticipant,
        {"conversation_id": conversation_id, "user_id": user_id, "role": role, "last_read_message_id": 0,
         "joined_at": now},
        ["conversation_id", "user_id"],
    )


def ensure(session: Session, *, kind: str, key: str, student_id: int | None, tutor_user_id: int | None,
            now: datetime) -> int:
    _insert_ignore(
        session,
        Conversation,
        {"kind": kind, "pair_key": key, "student_id": student_id, "tutor_user_id": tutor_user_id, "created_at": now},
        ["pair_key"],
    )
    cid = session.exec(select(Conversation.id).where(col(Conversation.pair_key) == key)).one()
    assert cid is not None
    return cid


def ensure_pair_conversation(session: Session, *, student_id: int, tutor_user_id: int,
                             now: datetime | None = None) -> int:
    """The pair's conversation id, created (with both participants) if it does not exist yet.

    Called by the booking path (a first hold) and, later, by claimed leads; no actor because the
    caller already decided the pair may talk.
    """
    now = now or utcnow()
    cid = ensure(session, kind=ConversationKind.PAIR, key=pair_key(student_id, tutor_user_id),
                  student_id=student_id, tutor_user_id=tutor_user_id, now=now)
    join(session, cid, student_id, "student", now)
    join(session, cid, tutor_user_id, "tutor", now)
    return cid


def subject_user_id(conv: Conversation) -> int:
    """The user a support thread is about (the non-admin side)."""
    return int(conv.student_id or conv.tutor_user_id or 0)


@dataclass
class Access:
    conv: Conversation
    user: UserOut
    participant: ConversationParticipant | None  # None: an admin who has not joined the support thread yet

    @property
    def admin_side(self) -> bool:
        return self.conv.kind == ConversationKind.SUPPORT and self.user.role == Role.ADMIN


def access(session: Session, actor: UserOut | None, conversation_id: Any) -> Access:
    """The conversation, if the actor may use it; NotFound otherwise (no existence leak)."""
    user = require_role(actor)
    cid = clean_id(conversation_id, NOT_FOUND)
    conv = session.get(Conversation, cid)
    if conv is None:
        raise NotFound(NOT_FOUND)
    part = session.exec(
        select(ConversationParticipant).where(
            col(ConversationParticipant.conversation_id) == cid, col(ConversationParticipant.user_id) == user.id
        )
    ).first()
    if part is None and not (conv.kind == ConversationKind.SUPPORT and user.role == Role.ADMIN):
        raise NotFound(NOT_FOUND)
    return Access(conv, user, part)


# --- reading -----------------------------------------------------------------------------------


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all()
    return {uid: name for uid, name in rows if uid is not None}


def _unread_counts(session: Session, user: UserOut, ids: list[int] | None = None) -> dict[int, int]:
    """Unread messages per conversation: after the reader's marker and not their own. For an
    admin on support threads: the user's messages after that admin's marker (0 if never read)."""
    if user.role == Role.ADMIN:
        marker = (
            select(ConversationParticipant.last_read_message_id)
            .where(
                col(ConversationParticipant.conversation_id) == col(ChatMessage.conversation_id),
                col(ConversationParticipant.user_id) == user.id,
            )
            .scalar_subquery()
        )
        query = (
            select(ChatMessage.conversation_id, func.count())
            .join(Conversation, col(Conversation.id) == col(ChatMessage.conversation_id))
            .where(
                col(Conversation.kind) == ConversationKind.SUPPORT,
                col(ChatMessage.sender_id) == func.coalesce(Conversation.student_id, Conversation.tutor_user_id),
                col(ChatMessage.id) > func.coalesce(marker, 0),
            )
        )
    else:
        query = (
            select(ChatMessage.conversation_id, func.count())
            .join(
                ConversationParticipant,
                and_(
                    col(ConversationParticipant.conversation_id) == col(ChatMessage.conversation_id),
                    col(ConversationParticipant.user_id) == user.id,
                ),
            )
            .where(
                col(ChatMessage.id) > col(ConversationParticipant.last_read_message_id),
                col(ChatMessage.sender_id) != user.id,
            )
        )
    if ids is not None:
        query = query.where(col(ChatMessage.conversation_id).in_(ids))
    rows = session.exec(query.group_by(col(ChatMessage.conversation_id))).all()
    return {int(cid): int(n) for cid, n in rows}


def unread_total(session: Session, *, actor: UserOut | None) -> int:
    """Unread messages over all the actor's conversations (the navigation badge); 0 when signed out."""
    if actor is None:
        return 0
    return sum(_unread_counts(session, actor).values())


def _outs(session: Session, user: UserOut, convs: list[Conversation]) -> list[ConversationOut]:
    ids = [c.id for c in convs if c.id is not None]
    if not ids:
        return []
    unread = _unread_counts(session, user, ids)
    last_ids = session.exec(
        select(func.max(ChatMessage.id)).where(col(ChatMessage.conversation_id).in_(ids))
        .group_by(col(ChatMessage.conversation_id))
    ).all()
    last: dict[int, tuple[str, bool]] = {}
    if last_ids:
        with_file = set(session.exec(select(ChatAttachment.message_id).where(
            col(ChatAttachment.message_id).in_(last_ids))).all())
        for mid, cid, body in session.exec(
            select(ChatMessage.id, ChatMessage.conversation_id, ChatMessage.body).where(col(ChatMessage.id).in_(last_ids))
        ).all():
            last[int(cid)] = (body, mid in with_file)
    names = _names(session, {uid for c in convs for uid in (c.student_id, c.tutor_user_id) if uid})
    out = []
    for c in convs:
        assert c.id is not None
        if c.kind == ConversationKind.SUPPORT:
            if user.role == Role.ADMIN:
                title, other = names.get(subject_user_id(c), "User"), "user"
            else:
                title, other = SUPPORT_NAME, "support"
        elif user.id == c.student_id:
            title, other = names.get(c.tutor_user_id or 0, "Tutor"), "tutor"
        else:
            title, other = names.get(c.student_id or 0, "Student"), "student"
        body, has_file = last.get(c.id, ("", False))
        out.append(ConversationOut(
            id=c.id, kind=c.kind, title=title, other_role=other, unread=unread.get(c.id, 0),
            last_message=preview(body, has_file) if c.id in last else "", last_message_at=c.last_message_at,
        ))
    return out


def list_conversations(session: Session, *, actor: UserOut | None, limit: Any = LIST_LIMIT) -> list[ConversationOut]:
    """The actor's conversations, most recently active first (admins: every support thread)."""
    user = require_role(actor)
    size = clean_int(limit, "limit", minimum=1, maximum=100)
    recent = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    if user.role == Role.ADMIN:
        query = select(Conversation).where(col(Conversation.kind) == ConversationKind.SUPPORT)
    else:
        query = select(Conversation).join(
            ConversationParticipant,
            and_(col(ConversationParticipant.conversation_id) == col(Conversation.id),
                 col(ConversationParticipant.user_id) == user.id),
        )
    convs = list(session.exec(query.order_by(recent.desc(), col(Conversation.id).desc()).limit(size)).all())
    return _outs(session, user, convs)


def get_conversation(session: Session, *, actor: UserOut | None, conversation_id: Any) -> ConversationOut:
    got = access(session, actor, conversation_id)
    return _outs(session, got.user, [got.conv])[0]


def message_outs(session: Session, user: UserOut, rows: list[ChatMessage]) -> list[MessageOut]:
    ids = [m.id for m in rows if m.id is not None]
    files = {a.message_id: a for a in session.exec(
        select(ChatAttachment).where(col(ChatAttachment.message_id).in_(ids))).all()} if ids else {}
    names = _names(session, {m.sender_id for m in rows})
    convs = {m.conversation_id for m in rows}
    support_users: dict[int, int] = {}
    for cid in convs:
        conv = session.get(Conversation, cid)
        if conv is not None and conv.kind == ConversationKind.SUPPORT:
            support_users[cid] = subject_user_id(conv)
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


# --- writing -----------------------------------------------------------------------------------


def guard_flood(session: Session, got: Access, now: datetime) -> None:
    """Lock the conversation row, then count the sender's recent messages (race-safe limit).

    PostgreSQL: a row lock. SQLite has none and needs none: a write transaction already holds the
    database write lock (BEGIN IMMEDIATE), so the statement is skipped there."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Conversation).where(col(Conversation.id) == got.conv.id).with_for_update()).one()
    recent = session.exec(
        select(func.count()).select_from(ChatMessage).where(
            col(ChatMessage.conversation_id) == got.conv.id,
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


def insert_message(session: Session, got: Access, body: str, now: datetime) -> ChatMessage:
    """Store the message, move the sender's read marker past it, and queue the live hints."""
    assert got.conv.id is not None
    msg = ChatMessage(conversation_id=got.conv.id, sender_id=got.user.id, body=body, created_at=now)
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


def send_message(session: Session, *, actor: UserOut | None, conversation_id: Any, body: Any,
                 now: datetime | None = None) -> MessageOut:
    got = access(session, actor, conversation_id)
    text = clean_body(body, required=True)
    now = now or utcnow()
    guard_flood(session, got, now)
    msg = insert_message(session, got, text, now)
    return message_outs(session, got.user, [msg])[0]


def _advance_marker(session: Session, conversation_id: int, user_id: int, message_id: int) -> bool:
    """Move a read marker forward only (two tabs marking at once never move it back)."""
    result = session.execute(
        update(ConversationParticipant)
        .where(
            col(ConversationParticipant.conversation_id) == conversation_id,
            col(ConversationParticipant.user_id) == user_id,
            col(ConversationParticipant.last_read_message_id) < message_id,
        )
        .values(last_read_message_id=message_id)
    )
    return int(getattr(result, "rowcount", 0)) > 0


def mark_read(session: Session, *, actor: UserOut | None, conversation_id: Any, up_to: Any = None) -> int:
    """Everything up to `up_to` (default: the newest message) is read; returns the unread left."""
    got = access(session, actor, conversation_id)
    assert got.conv.id is not None
    newest = session.exec(select(func.max(ChatMessage.id)).where(
        col(ChatMessage.conversation_id) == got.conv.id)).one() or 0
    target = newest
    if up_to is not None and up_to != "":
        target = min(newest, clean_int(up_to, "up_to", minimum=0, maximum=2**62))
    if target > 0:
        if got.participant is None:
            join(session, got.conv.id, got.user.id, "admin", utcnow())
        if _advance_marker(session, got.conv.id, got.user.id, target):
            publish_after_commit(session, user_channel(got.user.id), {"type": "read", "conversation_id": got.conv.id})
    return _unread_counts(session, got.user, [got.conv.id]).get(got.conv.id, 0)
