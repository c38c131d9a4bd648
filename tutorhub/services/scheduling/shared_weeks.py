"""One computation of a tutor's public week shared by every open page refreshing after a hint.

Why: when a slot is taken, every open view of that tutor's times re-reads its week at the same
moment (50 viewers → 50 identical computations of ~10 ms of CPU each, serialized by the GIL on
one worker). The free times of a publicly visible tutor do not depend on who looks (the viewer
only matters for visibility), so a computation that *started after* a viewer received the hint
already reflects the committed change that hint announced, and can be reused by that viewer.

Only the live-refresh path uses this (page loads and paging read directly). Entries are keyed by
(tutor, week, length, zone); each key has a lock so concurrent refreshers wait for one computation
instead of all missing at once. The table is small and bounded.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlmodel import Session

from tutorhub.services.scheduling import slot_weeks
from tutorhub.services.scheduling.slot_weeks import WeekSlots

MAX_ENTRIES = 512

_entries: dict[tuple[str, str, str, str], tuple[float, WeekSlots]] = {}
_locks: dict[tuple[str, str, str, str], threading.Lock] = {}
_table_lock = threading.Lock()


def _lock_for(key: tuple[str, str, str, str]) -> threading.Lock:
    with _table_lock:
        lock = _locks.get(key)
        if lock is None:
            if len(_locks) >= MAX_ENTRIES:
                _locks.clear()
                _entries.clear()
            lock = _locks[key] = threading.Lock()
        return lock


def public_week(session: Session, *, tutor_id: Any, week: Any, duration: Any, tz: str, fresh_after: float) -> WeekSlots:
    """The tutor's week as anyone sees it, computed at or after `fresh_after` (time.monotonic()).

    `session` must not have read anything yet (on SQLite a read transaction's snapshot starts at
    its first query): the entry is stamped with the time the computation started, and other
    viewers trust that stamp.

    Raises like `slot_weeks.week_slots` (e.g. NotFound for a tutor who is not publicly visible;
    the caller then reads with its own viewer)."""
    # Text keys: 1 and "1" are the same week to week_slots, while "1" and "2" must never share an entry.
    key = (str(tutor_id), str(week), str(duration or ""), tz)
    with _lock_for(key):
        hit = _entries.get(key)
        if hit is not None and hit[0] >= fresh_after:
            return hit[1]
        started = time.monotonic()
        found = slot_weeks.week_slots(session, tutor_id=tutor_id, week=week, duration=duration, tz=tz, viewer=None)
        _entries[key] = (started, found)
        return found


def clear() -> None:
    """Tests: forget everything."""
    with _table_lock:
        _entries.clear()
        _locks.clear()
