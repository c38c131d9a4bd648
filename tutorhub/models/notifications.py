"""Outgoing messages recorded by the outbox sender."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_messages"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)  # email | sms | whatsapp
    recipient: str = Field(max_length=254, index=True)
    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=5000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
