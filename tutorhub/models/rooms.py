"""Video-room presence: who was in a lesson's or a class session's room, and when (issue 19).

One `room_presence` row per stay: opened when the participant's page reports it joined the SFU
room, closed when it reports leaving (or when the presence sweep finds them gone from Janus'
participant list). Rows are evidence for no-show disputes ("the tutor joined at 17:02, the student
never joined") and mark class attendance, so they are only inserted and closed, never rewritten.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime


class RoomKind:
    BOOKING = "booking"
    CLASS_SESSION = "class"
    ALL = (BOOKING, CLASS_SESSION)


class RoomPresence(SQLModel, table=True):
    __tablename__ = "room_presence"
    __table_args__ = (
        Index("ix_room_presence_room", "kind", "ref_id", "joined_at"),
        Index("ix_room_presence_open", "left_at", "kind", "ref_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)  # RoomKind
    ref_id: int  # the booking id or the class session id
    user_id: int = Field(foreign_key="users.id")
    joined_at: datetime = Field(sa_type=UtcDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    left_how: str = Field(default="", max_length=8)  # page | sweep ("" while in the room)
