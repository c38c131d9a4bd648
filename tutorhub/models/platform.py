"""Platform settings an admin changes at run time (services/platform_settings.py): one row per
setting that differs from its default (the environment variable, or the product default). A key
with no row means "use the default", so an install where nobody saved anything behaves exactly as
before this table existed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class PlatformSetting(SQLModel, table=True):
    __tablename__ = "platform_settings"

    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(sa_column=Column("value", JSON, nullable=False))
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
