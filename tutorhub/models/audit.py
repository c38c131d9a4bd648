"""The admin audit log: one immutable row per admin action (who, what, when, before/after)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """What an admin (or an operator command) changed: `action` names the use case ("user.suspend",
    "settings.update", ...), `target_kind`/`target_id` the thing changed, `before`/`after` the
    fields that changed. Rows are only ever inserted."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created", "created_at"),
        Index("ix_audit_entries_target", "target_kind", "target_id"),
        Index("ix_audit_entries_actor", "actor_user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_user_id: int | None = Field(default=None)  # None: an operator command or a job
    action: str = Field(max_length=64)
    target_kind: str = Field(max_length=32)
    target_id: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=1000)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
