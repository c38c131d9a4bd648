"""Calendar sync: each user's private iCalendar feed, and tutors' imported busy calendars.

Why this shape:
- `calendar_feeds` keeps one row per user and never the feed token itself: the token is an HMAC of
  (user, `nonce`) under the install's secret key, so the account page can show the URL again
  while a leaked database alone cannot rebuild it; requests are matched on `token_hash` (SHA-256
  of the token, unique). Regenerating draws a new nonce, so the old URL stops matching (404).
- `external_calendars` is one iCalendar URL a tutor subscribed to. The fetch job keeps the HTTP
  validators (`etag`, `last_modified`) for conditional requests and the outcome of the last
  attempt (`status`, `last_error`) for the tutor to read. The busy time it yields lives in
  `busy_intervals` (source "external", `ref` = "cal:{id}:{event uid}"), which every slot reader
  already subtracts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class CalendarFeed(SQLModel, table=True):
    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_calendar_feeds_user"),
        UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    nonce: str = Field(max_length=64)
    token_hash: str = Field(max_length=64)  # hex SHA-256 of the token in the URL
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ExternalCalendarStatus:
    PENDING = "pending"  # added, not fetched yet
    OK = "ok"  # the last fetch succeeded (or was "not modified")
    ERROR = "error"  # the last fetch failed; `last_error` says why, the previous busy time is kept
    ALL = (PENDING, OK, ERROR)


class ExternalCalendar(SQLModel, table=True):
    __tablename__ = "external_calendars"
    __table_args__ = (
        Index("ix_external_calendars_tutor", "tutor_id"),
        Index("ix_external_calendars_next_fetch", "next_fetch_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    url: str = Field(max_length=2000)
    status: str = Field(default=ExternalCalendarStatus.PENDING, max_length=12)
    etag: str = Field(default="", max_length=300)
    last_modified: str = Field(default="", max_length=100)
    last_fetched_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # last attempt
    last_success_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    downloaded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # last full (200) download
    next_fetch_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str = Field(default="", max_length=500)
    busy_count: int = Field(default=0)  # busy intervals stored from the last successful fetch
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
