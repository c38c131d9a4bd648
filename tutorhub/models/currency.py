"""Exchange rates admins maintain (units of a currency per US dollar), used only to SHOW prices in a
viewer's display currency and to compare prices across currencies in search; nothing is charged at them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class ExchangeRate(SQLModel, table=True):
    __tablename__ = "exchange_rates"

    code: str = Field(primary_key=True, max_length=3)
    # Units per 1 USD in millionths (83.2 INR → 83_200_000): an integer, so no float ever stores a rate.
    per_usd_millionths: int = Field(sa_type=BigInteger)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    set_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    source: str = Field(default="default", max_length=8)  # default | admin | feed
