"""In-app notifications (the bell) and their fan-out to the user's chosen channels.

`notify` is the one entry point services use: it always writes the in-app row, queues email /
SMS / WhatsApp copies through the MessageSender for the channels the user opted into (in the same
transaction, so nothing is announced for a change that rolls back), and publishes a
{"type": "notification"} hint on "user:{id}" after commit so every open tab refreshes its bell.
Reading and marking are owner-only: another user's notification id is answered with NotFound,
exactly like a missing one (no existence leak).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.integrations.broker import publish_after_commit
from tutorhub.integrations.messaging import Attachment
from tutorhub.models.accounts import User
from tutorhub.models.notifications import Notification
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.preferences import KINDS, enabled_channels
from tutorhub.services.outbox import queue_message
from tutorhub.services.validation import clean_id, clean_int
from tutorhub.settings import get_settings

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread: int
    next_before: int | None  # pass as `before` for the next (older) page; None at the end


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(id=row.id or 0, kind=row.kind, title=row.title, body=row.body, link=row.link,
                           created_at=row.created_at, read=row.read_at is not None)


def _external_text(title: str, body: str, link: str) -> str:
    text = body or title
    if link.startswith("/"):
        text = f"{text}\n\n{get_settings().public_url}{link}"
    return text


def notify(session: Session, *, user_id: int, kind: str, title: str, body: str = "", link: str = "",
           now: datetime, attachments: Iterable[Attachment] = ()) -> int | None:
    """Notify one user: the bell always, plus their opted-in channels. Returns the in-app id
    (None when the user does not exist). `link` is a same-site path such as "/lessons/5";
    `attachments` (e.g. a lesson's `.ics` invitation) go with the email copy only."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    user = session.get(User, user_id)
    if user is None:
        return None
    # Same-site paths only ("/\\x" and control characters would let a browser leave the site).
    safe_link = link if link.startswith("/") and not link.startswith("//") and "\\" not in link \
        and not any(ord(c) < 33 or ord(c) == 127 for c in link) else ""
    row = Notification(user_id=user_id, kind=kind, title=title[:200], body=body[:2000], link=safe_link[:300],
                       created_at=now)
    session.add(row)
    text = _external_text(title, body, safe_link)
    files = tuple(attachments)
    for channel in enabled_channels(session, user_id, kind):
        recipient = user.email if channel == "email" else user.phone
        if recipient:
            queue_message(session, channel=channel, recipient=recipient, subject=title[:200], body=text[:5000],
                          attachments=files, user_id=user_id)
    session.flush()
    publish_after_commit(session, user_channel(user_id), {"type": "notification"})
    return row.id


def unread_count(session: Session, *, actor: UserOut | None) -> int:
    """0 for anonymous visitors (the bell is simply not shown to them)."""
    if actor is None:
        return 0
    return int(session.exec(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == actor.id, col(Notification.read_at).is_(None))
    ).one())


def list_notifications(session: Session, *, actor: UserOut | None, before: object = None,
                       limit: object = PAGE_SIZE, unread_only: bool = False) -> NotificationPage:
    """The signed-in user's notifications, newest first, paged by id (`before` = oldest id seen)."""
    user = require_role(actor)
    size = clean_int(limit, "limit", minimum=1, maximum=MAX_PAGE_SIZE)
    query = select(Notification).where(Notification.user_id == user.id)
    if before is not None and before != "":
        query = query.where(col(Notification.id) < clean_int(before, "before", minimum=1, maximum=2**62))
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    rows = session.exec(query.order_by(col(Notification.id).desc()).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return NotificationPage(items=[_out(r) for r in rows], unread=unread_count(session, actor=user),
                            next_before=(rows[-1].id if more and rows else None))


def mark_read(session: Session, *, actor: UserOut | None, notification_id: object, now: datetime) -> NotificationOut:
    user = require_role(actor)
    nid = clean_id(notification_id, "Notification not found.")
    row = session.get(Notification, nid)
    if row is None or row.user_id != user.id:
        raise NotFound("Notification not found.")
    if row.read_at is None:
        row.read_at = now
        session.add(row)
        session.flush()
        publish_after_commit(session, user_channel(user.id), {"type": "notification"})
    return _out(row)


def mark_all_read(session: Session, *, actor: UserOut | None, now: datetime) -> int:
    """Mark every unread notification of the signed-in user read; returns how many changed."""
    user = require_role(actor)
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=now)
    )
    changed = rows_matched(result)
    if changed:
        publish_after_commit(session, user_channel(user.id), {"type": "notification"})
    return changed
