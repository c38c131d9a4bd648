"""Delivering queued outbox rows through the configured transports.

Each row is claimed with a conditional UPDATE (pending and due, or a "sending" claim that expired
because its deliverer died) before anything is sent, in its own short transaction: two app
processes, or the after-commit thread and the minutely job, never send the same row twice. The
send happens outside any transaction; the outcome is written afterwards. Failures never raise
out of here: temporary ones are retried with exponential backoff up to MAX_ATTEMPTS, permanent
ones (a refused recipient, a 4xx from the provider) are marked failed at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.messaging import DeliveryError, OutgoingMessage, Transport, get_transport
from tutorhub.models.base import utcnow
from tutorhub.models.notifications import OutboxMessage, OutboxStatus

log = logging.getLogger("tutorhub.delivery")

MAX_ATTEMPTS = 5
CLAIM_SECONDS = 120  # longer than any transport timeout
BACKOFF_SECONDS = (30, 120, 600, 1800)  # after attempt 1, 2, 3, 4


@dataclass
class DeliveryCounts:
    sent: int = 0
    retry: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retry": self.retry, "failed": self.failed}


def _claim(session: Session, outbox_id: int, now: datetime) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == outbox_id,
            or_(
                and_(col(OutboxMessage.status) == OutboxStatus.PENDING,
                     or_(col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now)),
                and_(col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.claimed_until) < now),
            ),
        )
        .values(status=OutboxStatus.SENDING, claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                attempts=OutboxMessage.attempts + 1)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _record(outbox_id: int, *, now: datetime, error: DeliveryError | None) -> str:
    with session_scope() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            return "gone"
        row.claimed_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, ""
        elif error.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = OutboxStatus.FAILED, str(error)[:500]
        else:
            delay = BACKOFF_SECONDS[min(row.attempts, len(BACKOFF_SECONDS)) - 1]
            row.status, row.last_error = OutboxStatus.PENDING, str(error)[:500]
            row.next_attempt_at = now + timedelta(seconds=delay)
        session.add(row)
        return row.status


def deliver_one(outbox_id: int, *, now: datetime | None = None, transport: Transport | None = None) -> str:
    """Claim, send and record one row; returns its new status ("skipped" if someone else has it)."""
    at = now or utcnow()
    with session_scope() as session:
        if not _claim(session, outbox_id, at):
            return "skipped"
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        message = OutgoingMessage(id=outbox_id, channel=row.channel, recipient=row.recipient, subject=row.subject,
                                  body=row.body)
    sender = transport or get_transport(message.channel)
    if sender is None:
        return _record(outbox_id, now=at, error=DeliveryError(f"no transport configured for {message.channel}",
                                                              permanent=True))
    try:
        sender.deliver(message)
    except DeliveryError as exc:
        log.warning("delivery of outbox #%d (%s) failed: %s", outbox_id, message.channel, exc)
        return _record(outbox_id, now=at, error=exc)
    except Exception as exc:  # a transport bug must not kill the job or lose the message
        log.exception("delivery of outbox #%d crashed", outbox_id)
        return _record(outbox_id, now=at, error=DeliveryError(f"{type(exc).__name__}: {exc}"))
    return _record(outbox_id, now=at, error=None)


def due_ids(session: Session, now: datetime, limit: int = 200) -> list[int]:
    rows = session.exec(
        select(OutboxMessage.id).where(
            or_(
                and_(col(OutboxMessage.status) == OutboxStatus.PENDING,
                     or_(col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now)),
                and_(col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.claimed_until) < now),
            )
        ).order_by(col(OutboxMessage.id)).limit(limit)
    ).all()
    return [int(i) for i in rows if i is not None]


def deliver_due(*, now: datetime | None = None, ids: Iterable[int] | None = None) -> DeliveryCounts:
    """Deliver every due row (or just `ids`); the minutely job's body."""
    at = now or utcnow()
    if ids is None:
        with session_scope(read_only=True) as session:
            ids = due_ids(session, at)
    counts = DeliveryCounts()
    for outbox_id in ids:
        status = deliver_one(outbox_id, now=at)
        if status == OutboxStatus.SENT:
            counts.sent += 1
        elif status == OutboxStatus.PENDING:
            counts.retry += 1
        elif status == OutboxStatus.FAILED:
            counts.failed += 1
    return counts


def deliver_in_background(ids: list[int]) -> threading.Thread:
    """Right after a commit: send these rows now on a daemon thread (the caller does not wait).
    Anything this misses (process exit, failure) is picked up by the minutely job."""

    def run() -> None:
        try:
            deliver_due(ids=list(ids))
        except Exception:
            log.exception("background delivery failed; the outbox job will retry")

    thread = threading.Thread(target=run, name="outbox-delivery", daemon=True)
    thread.start()
    return thread
