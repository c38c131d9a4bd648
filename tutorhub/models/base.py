"""Column types and helpers shared by every table module."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator

# The browser tests drive a running app's clock forward (a lesson that starts in ten minutes, run
# now) by writing seconds into this file; it is never read unless set, and production refuses it
# (settings.py). Read at most every CLOCK_FILE_TTL seconds, so utcnow stays cheap.
CLOCK_FILE_ENV = "TUTORHUB_TEST_CLOCK_FILE"
CLOCK_FILE_TTL = 0.25
_clock: dict[str, float] = {"read_at": float("-inf"), "offset": 0.0}


def _clock_offset(path: str) -> float:
    tick = time.monotonic()
    if tick - _clock["read_at"] >= CLOCK_FILE_TTL:
        try:
            with open(path, encoding="ascii") as handle:
                _clock["offset"] = float(handle.read().strip() or 0)
        except (OSError, ValueError):
            _clock["offset"] = 0.0
        _clock["read_at"] = tick
    return _clock["offset"]


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (the only kind of datetime we store)."""
    now = datetime.now(UTC)
    path = os.environ.get(CLOCK_FILE_ENV)
    return now + timedelta(seconds=_clock_offset(path)) if path else now


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite has no timezone type, so without this a round trip would silently drop tzinfo.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; store aware UTC datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JsonList = JSON
