"""Reading and writing the run-time platform settings.

Each setting's default is today's source: the environment variable read by `tutorhub/settings.py`
(TUTORHUB_BOOKING_HOLD_MINUTES, ...) or the product constant; a row in `platform_settings` overrides
it. Nothing saved = behaviour exactly as before.

Readers without a database session (booking policy functions take only `now`) read through a
per-process cache of all rows, reloaded when older than CACHE_SECONDS (through `db.side_engine`,
never the request pool) and dropped at once when this process saves (after its commit). Another
replica's change therefore takes effect here within CACHE_SECONDS; a reader that has a session can pass it and sees the value immediately (its own
transaction's included).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, select

from tutorhub.db import side_engine
from tutorhub.models.base import utcnow
from tutorhub.models.platform import PlatformSetting
from tutorhub.settings import get_settings

CACHE_SECONDS = 5.0
# Percent of a lesson's minutes one seat costs, by group size: (largest size, percent), ascending.
DEFAULT_GROUP_CREDIT_RATES: list[list[int]] = [[1, 100], [4, 60], [1_000_000, 40]]


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    group: str
    default: Callable[[], Any]
    minimum: int = 0
    maximum: int = 10**6
    unit: str = ""
    help: str = ""


def _env(name: str) -> Callable[[], Any]:
    return lambda: getattr(get_settings(), name)


SPECS: dict[str, Spec] = {s.key: s for s in (
    Spec("cancel_full_refund_hours", "Full refund from", "Cancellation", _env("cancel_full_refund_hours"), 1, 720, "hours",
         "A student who cancels at least this long before the lesson gets everything back."),
    Spec("cancel_partial_refund_hours", "Partial refund from", "Cancellation", _env("cancel_partial_refund_hours"), 0, 720,
         "hours", "From this long before (up to the full-refund time) the partial percentage applies; later, nothing."),
    Spec("cancel_partial_refund_percent", "Partial refund", "Cancellation", _env("cancel_partial_refund_percent"), 0, 100,
         "%"),
    Spec("trial_discount_percent", "Trial lesson discount", "Booking", _env("trial_discount_percent"), 0, 100, "%"),
    Spec("booking_hold_minutes", "Unpaid hold", "Booking", _env("booking_hold_minutes"), 1, 1440, "minutes",
         "How long a new booking keeps its slot while the student pays."),
    Spec("booking_request_hours", "Tutor approval timeout", "Booking", _env("booking_request_hours"), 1, 168, "hours",
         "A paid request the tutor has not accepted by then is declined and refunded."),
    Spec("dispute_window_hours", "Dispute window", "Booking", _env("dispute_window_hours"), 1, 720, "hours",
         "A completed lesson settles to the tutor after this, unless disputed."),
    Spec("reminder_first_hours", "First reminder", "Reminders", lambda: 24, 2, 168, "hours before"),
    Spec("reminder_second_minutes", "Second reminder", "Reminders", lambda: 60, 5, 1440, "minutes before"),
    Spec("group_credit_rates", "Group credit rates", "Credits", lambda: [list(r) for r in DEFAULT_GROUP_CREDIT_RATES],
         1, 100, "% of the minutes, by group size"),
)}

_lock = threading.Lock()
_cache: dict[str, Any] = {"loaded_at": None, "values": {}}


def forget_cache() -> None:
    """Drop the cached rows (after a save here, and when tests empty the database)."""
    with _lock:
        _cache["loaded_at"] = None


def _cached() -> dict[str, Any]:
    with _lock:
        loaded = _cache["loaded_at"]
        if loaded is not None and time.monotonic() - loaded < CACHE_SECONDS:
            return dict(_cache["values"])
    # Its own pool: this refill runs in the middle of requests that hold a pooled connection.
    with Session(side_engine()) as session:
        values = {row.key: row.value for row in session.exec(select(PlatformSetting)).all()}
    with _lock:
        _cache["values"], _cache["loaded_at"] = values, time.monotonic()
    return values


def value(key: str, session: Session | None = None) -> Any:
    """The setting's current value: the saved one, else its default."""
    spec = SPECS[key]
    if session is not None:
        row = session.get(PlatformSetting, key)
        return row.value if row is not None else spec.default()
    saved = _cached()
    return saved[key] if key in saved else spec.default()


def int_value(key: str, session: Session | None = None) -> int:
    return int(value(key, session))


def saved_keys(session: Session) -> set[str]:
    return {row.key for row in session.exec(select(PlatformSetting)).all()}


def write(session: Session, values: dict[str, Any], *, actor_id: int | None, now: datetime | None = None) -> None:
    """Store already-validated values (the admin service validates); the cache here is dropped
    once the caller's transaction commits (and at once, so this process never reads a stale one)."""
    for key, new in values.items():
        row = session.get(PlatformSetting, key) or PlatformSetting(key=key, value=new)
        row.value, row.updated_by, row.updated_at = new, actor_id, now or utcnow()
        session.add(row)
    session.flush()
    forget_cache()
    event.listen(session, "after_commit", lambda _s: forget_cache(), once=True)
