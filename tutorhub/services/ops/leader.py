"""Scheduler leader election through the database: one lease row per name.

Why a lease row and not an advisory lock: it works unchanged on SQLite and PostgreSQL, survives
connection pooling, and expires by itself when its holder dies (no session to notice). Every app
process runs a scheduler; before each job run (and every RENEW_SECONDS in between) it calls
`try_acquire`, a conditional UPDATE that succeeds only for the current holder (renewal) or when
the lease has expired (takeover). The UPDATE is atomic on both databases, so at most one holder
wins; the row is created on first use (a concurrent INSERT loses on the primary key).

A job that outlives the lease could overlap with the next leader's run; every job is idempotent
(reminders are guarded by their unique log, outbox rows by their claim), so that is safe.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from tutorhub.db import session_scope
from tutorhub.models.notifications import SchedulerLease

LEASE_NAME = "scheduler"
LEASE_SECONDS = 60
RENEW_SECONDS = 20


def new_holder_id() -> str:
    """Unique per scheduler instance: host, process id and a random tag (threads in tests)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(holder: str, *, now: datetime, name: str = LEASE_NAME, ttl_seconds: int = LEASE_SECONDS) -> bool:
    """Become (or stay) the leader until now + ttl. True when `holder` holds the lease."""
    expires = now + timedelta(seconds=ttl_seconds)
    with session_scope() as session:
        result = session.execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == name,
                   or_(col(SchedulerLease.holder) == holder, col(SchedulerLease.expires_at) < now))
            .values(holder=holder, expires_at=expires)
        )
        if int(getattr(result, "rowcount", 0) or 0) == 1:
            return True
        if session.get(SchedulerLease, name) is not None:
            return False
    try:
        with session_scope() as session:
            session.add(SchedulerLease(name=name, holder=holder, expires_at=expires, acquired_at=now))
        return True
    except IntegrityError:
        return False


def release(holder: str, *, now: datetime, name: str = LEASE_NAME) -> None:
    """Give the lease up at shutdown so another process takes over at once."""
    with session_scope() as session:
        session.execute(
            update(SchedulerLease)
            .where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
            .values(expires_at=now - timedelta(seconds=1))
        )


def current_holder(*, now: datetime, name: str = LEASE_NAME) -> str | None:
    with session_scope(read_only=True) as session:
        row = session.get(SchedulerLease, name)
        if row is None or row.expires_at < now:
            return None
        return row.holder
