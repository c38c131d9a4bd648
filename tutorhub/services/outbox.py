"""The outbox: every email / SMS / WhatsApp the system sends, queued inside the change it describes
and delivered after that change committed.

`queue_message` writes one `outbox_messages` row in the caller's transaction, so a message exists
exactly when its change committed. With no transport configured for the channel (the default) the
row is only recorded ("recorded") and printed to the log; admins read it on /admin/outbox (bodies
in development mode only), so codes and notifications work with no provider. With a transport
(integrations/messaging.py: SMTP for email, the HTTP provider for SMS / WhatsApp) the row is
"pending": an after-commit hook on the session sends it right away on a background thread, and
the minutely outbox job picks up anything left over.

Each row is claimed with a conditional UPDATE (pending and due, or a "sending" claim that expired
because its deliverer died) before anything is sent, in its own short transaction: two app
processes, or the after-commit thread and the minutely job, never send the same row twice. The
send happens outside any transaction; the outcome is written afterwards. Failures never raise
out of here: temporary ones are retried with exponential backoff up to MAX_ATTEMPTS, permanent
ones (a refused recipient, a 4xx from the provider) are marked failed at once.

Delivery guarantee: at-least-once to the provider, exactly-once in our records; the transports pass
a stable per-row id (SMTP Message-ID, HTTP Idempotency-Key) so the provider can drop the repeat
after a crash between its acceptance and our "sent" mark. Twilio takes no such key: on any attempt
after the first (`OutgoingMessage.attempt`) its sender first looks for the message among those it
already accepted for the recipient and, when found, records that one instead of sending again.

This sits in the shared core, not in messaging, because every domain sends through it, the
accounts' one-time codes included (accounts sit below messaging).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import and_, event, or_, update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched, session_scope
from tutorhub.integrations.messaging import Attachment, DeliveryError, OutgoingMessage, Transport, get_transport
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.notifications import DeliveryStatus, OutboxAttachment, OutboxMessage, OutboxStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.settings import get_settings

log = logging.getLogger("tutorhub.outbox")
_QUEUED_KEY = "tutorhub_outbox_queued"

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


def queue_message(session: Session, *, channel: str, recipient: str, subject: str, body: str,
                  attachments: Iterable[Attachment] = (), user_id: int | None = None,
                  fallback_of: int | None = None) -> None:
    """Queue one message inside the caller's transaction (see the module docstring). Attachments
    (text files such as an `.ics` invitation) are stored beside the row and go with email only.
    `user_id` names the user a notification copy is for; `fallback_of` the failed SMS / WhatsApp
    row an e-mail copy replaces (services/messaging/delivery_reports.py)."""
    has_transport = get_transport(channel) is not None
    row = OutboxMessage(channel=channel, recipient=recipient, subject=subject[:200], body=body[:5000],
                        status=OutboxStatus.PENDING if has_transport else OutboxStatus.RECORDED,
                        user_id=user_id, fallback_of=fallback_of)
    session.add(row)
    files = list(attachments) if channel == "email" else []
    if files:
        session.flush()
        for item in files:
            session.add(OutboxAttachment(outbox_id=row.id or 0, filename=item.filename[:100],
                                         content_type=item.content_type[:100], content=item.content))
    if not has_transport:
        log.warning("[outbox] %s to %s: %s | %s", channel, recipient, subject, body)
        print(f"[outbox] {channel} to {recipient}: {subject} | {body}", flush=True)
        return
    session.flush()
    if get_settings().deliver_immediately:
        _deliver_after_commit(session, row.id or 0)


def _deliver_after_commit(session: Session, outbox_id: int) -> None:
    queued: list[int] | None = session.info.get(_QUEUED_KEY)
    if queued is None:
        queued = session.info[_QUEUED_KEY] = []
        if not event.contains(session, "after_commit", _kick_delivery):
            event.listen(session, "after_commit", _kick_delivery)
            event.listen(session, "after_rollback", _forget_queued)
    queued.append(outbox_id)


def _kick_delivery(session: Session) -> None:
    ids = session.info.pop(_QUEUED_KEY, None) or []
    if ids:
        deliver_in_background(ids)


def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED_KEY, None)


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
    return rows_matched(result) == 1


def _record(outbox_id: int, *, now: datetime, error: DeliveryError | None, provider: str = "",
            provider_id: str | None = None) -> str:
    with session_scope() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            return "gone"
        row.claimed_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, ""
            row.provider, row.provider_message_id = provider[:20], (provider_id or None) and provider_id[:128]
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
        files = session.exec(
            select(OutboxAttachment).where(col(OutboxAttachment.outbox_id) == outbox_id).order_by(col(OutboxAttachment.id))
        ).all()
        message = OutgoingMessage(id=outbox_id, channel=row.channel, recipient=row.recipient, subject=row.subject,
                                  body=row.body, attachments=tuple(Attachment(f.filename, f.content_type, f.content)
                                                                   for f in files),
                                  attempt=row.attempts, queued_at=row.created_at)
    sender = transport or get_transport(message.channel)
    if sender is None:
        return _record(outbox_id, now=at, error=DeliveryError(f"no transport configured for {message.channel}",
                                                              permanent=True))
    try:
        provider_id = sender.deliver(message)
    except DeliveryError as exc:
        log.warning("delivery of outbox #%d (%s) failed: %s", outbox_id, message.channel, exc)
        return _record(outbox_id, now=at, error=exc)
    except Exception as exc:  # a transport bug must not kill the job or lose the message
        log.exception("delivery of outbox #%d crashed", outbox_id)
        return _record(outbox_id, now=at, error=DeliveryError(f"{type(exc).__name__}: {exc}"))
    return _record(outbox_id, now=at, error=None, provider=sender.name,
                   provider_id=provider_id if isinstance(provider_id, str) else None)


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


class OutboxItem(BaseModel):
    id: int
    channel: str
    recipient: str
    subject: str
    body: str  # "" in production (one-time codes and reset links must not reach an admin's screen)
    created_at: str
    status: str = OutboxStatus.RECORDED  # our side: recorded, pending, sending, sent, failed
    attempts: int = 0
    last_error: str = ""
    provider: str = ""
    provider_message_id: str | None = None
    delivery_status: str = ""  # the provider's side (DeliveryStatus), "" before any callback
    delivery_error: str = ""
    delivery_at: str | None = None
    fallback_of: int | None = None
    problem: bool = False  # failed to send, or the provider reports it failed / undelivered


def list_outbox(session: Session, *, actor: UserOut | None, limit: int = 50, problems: bool = False) -> list[OutboxItem]:
    """Newest first, with each message's sending and delivery status. In production, where real
    senders deliver, message bodies are withheld: they hold one-time codes and reset links.
    `problems`: only messages that failed to send or that the provider reports failed / undelivered."""
    require_role(actor, Role.ADMIN)
    hide_bodies = get_settings().is_production
    query = select(OutboxMessage)
    if problems:
        query = query.where(or_(col(OutboxMessage.status) == OutboxStatus.FAILED,
                                col(OutboxMessage.delivery_status).in_(DeliveryStatus.PROBLEMS)))
    rows = session.exec(query.order_by(col(OutboxMessage.id).desc()).limit(max(1, min(limit, 200)))).all()
    return [
        OutboxItem(
            id=r.id or 0, channel=r.channel, recipient=r.recipient, subject=r.subject,
            body="" if hide_bodies else r.body, created_at=r.created_at.isoformat(), status=r.status,
            attempts=r.attempts, last_error=r.last_error, provider=r.provider,
            provider_message_id=r.provider_message_id, delivery_status=r.delivery_status,
            delivery_error=r.delivery_error, delivery_at=r.delivery_at.isoformat() if r.delivery_at else None,
            fallback_of=r.fallback_of,
            problem=r.status == OutboxStatus.FAILED or r.delivery_status in DeliveryStatus.PROBLEMS,
        )
        for r in rows
    ]
