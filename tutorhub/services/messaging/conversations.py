"""Chat conversations: one per student–tutor pair, support threads, who may open them, the list.

- Pair conversations are created by the booking path (`ensure_pair_conversation`, called where
  a lesson is first held); insert-or-ignore on the UNIQUE pair_key makes concurrent first bookings
  of one pair end up in the same thread on both databases.
- Support threads: an admin opens one with any student or tutor (`entry.open_support_conversation`);
  the user sees it as "TutorHub support", and every admin may read and answer it.
- Who may see a conversation (`access`): its participants, and for support threads the admins.
  Admins do NOT read private student–tutor conversations (privacy; moderation would be a separate,
  audited feature). Everyone else gets NotFound, exactly as for an id that does not exist.
- Unread counts are messages after one's read marker not sent by oneself, computed by one grouped
  query.

The JSON API and the Reflex UI only call these functions (and those of messages.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, literal, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tutorhub.db import upsert_insert
from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.chat import ChatAttachment, ChatMessage, Conversation, ConversationKind, ConversationParticipant
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.services.messaging.views import SUPPORT_NAME, ConversationOut, preview
from tutorhub.services.validation import clean_id, clean_int

LIST_LIMIT = 50
NOT_FOUND = "Conversation not found."


def pair_key(student_id: int, tutor_user_id: int) -> str:
    return f"pair:{student_id}:{tutor_user_id}"


def support_key(user_id: int) -> str:
    return f"support:{user_id}"


def conversation_channel(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def _insert_ignore(session: Session, model: Any, values: list[dict[str, Any]], conflict: list[str],
                   returning: Any = None) -> Any:
    """INSERT … ON CONFLICT DO NOTHING (one statement for all `values`): the unique constraint, not
    a prior read, decides. With `returning`, the inserted rows' column (none when all conflicted)."""
    insert = upsert_insert(session)
    statement = insert(model).values(values).on_conflict_do_nothing(index_elements=conflict)
    if returning is None:
        session.execute(statement)
        return None
    return session.execute(statement.returning(returning)).scalar_one_or_none()


def _member(conversation_id: int, user_id: int, role: str, now: datetime) -> dict[str, Any]:
    return {"conversation_id": conversation_id, "user_id": user_id, "role": role, "last_read_message_id": 0,
            "joined_at": now}


def join(session: Session, conversation_id: int, user_id: int, role: str, now: datetime) -> None:
    _insert_ignore(session, ConversationParticipant, [_member(conversation_id, user_id, role, now)],
                   ["conversation_id", "user_id"])


def join_by_key(session: Session, key: str, user_id: int, role: str, now: datetime) -> bool:
    """`join` the conversation with this key in one statement (the id is found inside the INSERT): no
    read first and no write to the conversation row, for paths that run under a hot lock (a class seat
    being taken). False when nothing was inserted: no such conversation, or already a member."""
    insert = upsert_insert(session)
    joined_at = ConversationParticipant.__table__.c.joined_at  # type: ignore[attr-defined]
    found = sa_select(col(Conversation.id), literal(user_id), literal(role), literal(0), literal(now, joined_at.type)
                   ).where(col(Conversation.pair_key) == key)
    statement = insert(ConversationParticipant).from_select(
        ["conversation_id", "user_id", "role", "last_read_message_id", "joined_at"], found,
    ).on_conflict_do_nothing(index_elements=["conversation_id", "user_id"])
    return session.execute(statement.returning(col(ConversationParticipant.id))).first() is not None


def ensure(session: Session, *, kind: str, key: str, student_id: int | None, tutor_user_id: int | None,
            now: datetime) -> int:
    """The conversation's id by its key, created if missing: the insert answers the new id itself
    (RETURNING), so only an existing conversation costs a second query."""
    cid = _insert_ignore(
        session,
        Conversation,
        [{"kind": kind, "pair_key": key, "student_id": student_id, "tutor_user_id": tutor_user_id,
          "created_at": now}],
        ["pair_key"],
        returning=Conversation.id,
    )
    if cid is None:
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
    _insert_ignore(session, ConversationParticipant,
                   [_member(cid, student_id, "student", now), _member(cid, tutor_user_id, "tutor", now)],
                   ["conversation_id", "user_id"])
    return cid


def ensure_group_conversation(session: Session, *, key: str, title: str, owner_user_id: int,
                              now: datetime | None = None) -> int:
    """A group conversation (a class's) by its key, created with its owner (the tutor) as a member."""
    now = now or utcnow()
    cid = ensure(session, kind=ConversationKind.CLASS, key=key, student_id=None, tutor_user_id=owner_user_id, now=now)
    session.execute(update(Conversation).where(col(Conversation.id) == cid, col(Conversation.title) != title[:120])
                    .values(title=title[:120]))
    join(session, cid, owner_user_id, "tutor", now)
    return cid


def remove_member(session: Session, conversation_id: int, user_id: int) -> None:
    """Take a member out of a group conversation: from now on they cannot read or send in it."""
    session.execute(delete(ConversationParticipant).where(
        col(ConversationParticipant.conversation_id) == conversation_id, col(ConversationParticipant.user_id) == user_id))


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


def names_of(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all()
    return {uid: name for uid, name in rows if uid is not None}


def unread_counts(session: Session, user: UserOut, ids: list[int] | None = None) -> dict[int, int]:
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
    return sum(unread_counts(session, actor).values())


def _outs(session: Session, user: UserOut, convs: list[Conversation]) -> list[ConversationOut]:
    ids = [c.id for c in convs if c.id is not None]
    if not ids:
        return []
    unread = unread_counts(session, user, ids)
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
    names = names_of(session, {uid for c in convs for uid in (c.student_id, c.tutor_user_id) if uid})
    out = []
    for c in convs:
        assert c.id is not None
        if c.kind == ConversationKind.CLASS:
            title, other = c.title or "Class chat", "class"
        elif c.kind == ConversationKind.SUPPORT:
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
