"""Chat: conversations, their participants' read markers, messages and private attachments.

Why this shape:
- One `conversations` row per student–tutor pair or per user's support thread, found by
  `pair_key` ("pair:{student_user_id}:{tutor_user_id}" / "support:{user_id}") under a UNIQUE
  constraint: concurrent "first bookings" of one pair insert-or-ignore the same key, so a pair
  can never end up with two threads (services/messaging/conversations.py, tests/postgres/test_chat_races.py).
- `conversation_participants` holds each member's read marker (`last_read_message_id`); unread
  counts are computed (messages after the marker, not one's own) instead of kept as counters,
  so a send never has to update the other side's row and a count can never drift.
  Support threads: the user has a row; each admin who opens or answers gets one too (their
  own marker), and every admin may act as "the support side".
- `chat_messages` ids grow with time, so history pages backwards by id (`before`), served by the
  (conversation_id, id) index; the (conversation_id, sender_id, created_at) index serves the
  flood limit.
- Attachments live in private storage (integrations/storage.py) under `storage_key`; only
  metadata is here, and only participants download them through an authorized route.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class ConversationKind:
    PAIR = "pair"  # one student and one tutor
    SUPPORT = "support"  # one user and TutorHub's admins
    CLASS = "class"  # a group class: its tutor and every enrolled student ("class:{class_id}")
    ALL = (PAIR, SUPPORT, CLASS)


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("pair_key", name="uq_conversations_pair_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    pair_key: str = Field(max_length=64)
    # PAIR: the student's and the tutor's user ids. SUPPORT: the user in `student_id` when they
    # are a student, else `tutor_user_id` (whichever their role is); the other stays NULL.
    student_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    tutor_user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    title: str = Field(default="", max_length=120)  # CLASS: the class's title (pairs and support derive theirs)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)


class ConversationParticipant(SQLModel, table=True):
    __tablename__ = "conversation_participants"
    __table_args__ = (UniqueConstraint("conversation_id", "user_id", name="uq_conversation_participant"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    role: str = Field(max_length=16)  # student | tutor | user (support) | admin (support side)
    last_read_message_id: int = Field(default=0)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_conversation_id_id", "conversation_id", "id"),
        Index("ix_chat_messages_flood", "conversation_id", "sender_id", "created_at"),
        Index("ix_chat_messages_sender_created", "sender_id", "created_at"),  # the per-sender flood limit
        # A client message id is sent once per composed message: a repeated send stores one message.
        UniqueConstraint("conversation_id", "sender_id", "client_id", name="uq_chat_messages_client_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id")
    sender_id: int = Field(foreign_key="users.id")
    body: str = Field(default="", max_length=4000)
    client_id: str | None = Field(default=None, max_length=64)  # the sender's id for this message
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ChatAttachment(SQLModel, table=True):
    __tablename__ = "chat_attachments"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="chat_messages.id", unique=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=64)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
