"""Opt-in product analytics: sign-up, search, view profile, hold, pay, lesson completed.

Rules:
- Off unless TUTORHUB_ANALYTICS_ENABLED (settings.py); then only for users who said yes on their
  settings page (`analytics_consents`; no row = no). Signed-out visitors are never tracked.
- Only a pseudonymous id leaves TutorHub: an HMAC of the user id keyed with the install's secret
  (stable, so the provider can count returning users; useless to anyone without the key). Event
  properties are an allowlist of coarse facts (role, subject, grade, mode, kind, a result count)
  — never a name, email, phone, free text, price or another user's id.
- Queued outbox-like in `analytics_events` (one row per fact: `source_key` is unique, so a fact is
  queued once however often it is seen) and sent by the minutely job through the official
  `mixpanel` library (integrations/analytics.py), each with a stable `$insert_id`, retried by the
  next run after a failure and given up after MAX_ATTEMPTS.
- Where events come from: search and view-profile are recorded by the pages that show them
  (`record_event`); sign-up, hold, pay and lesson-completed are collected by the job from what the
  other domains already record (users and booking_events, over the last COLLECT_DAYS), so those
  domains need not know analytics exists. A sign-up is therefore sent if the user consents within
  COLLECT_DAYS of signing up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select as sql_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched, upsert_insert
from tutorhub.integrations.analytics import AnalyticsError, MixpanelTransport, TrackedEvent
from tutorhub.models import AnalyticsConsent, AnalyticsEvent, Booking, BookingEvent, BookingStatus, User
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.validation import fail
from tutorhub.settings import get_settings

log = logging.getLogger("tutorhub.analytics")
EVENTS = ("sign_up", "search", "view_profile", "hold", "pay", "lesson_completed")
ALLOWED_PROPERTIES = {"role", "subject", "grade", "mode", "kind", "results", "placement"}
COLLECT_DAYS = 2
MAX_ATTEMPTS = 5


def enabled() -> bool:
    return get_settings().analytics_enabled


def pseudonymous_id(user_id: int) -> str:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"analytics|{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def has_consent(session: Session, user_id: int) -> bool:
    row = session.get(AnalyticsConsent, user_id)
    return bool(row and row.granted)


def get_consent(session: Session, *, actor: UserOut | None) -> bool:
    user = require_role(actor)
    return has_consent(session, user.id)


def set_consent(session: Session, *, actor: UserOut | None, granted: Any, now: datetime) -> bool:
    """The user's own yes / no (any role); a no stops events at once, queued ones included."""
    user = require_role(actor)
    if not isinstance(granted, bool):
        raise fail("granted", "must be true or false")
    row = session.get(AnalyticsConsent, user.id) or AnalyticsConsent(user_id=user.id)
    row.granted, row.updated_at = granted, now
    session.add(row)
    if not granted:
        session.execute(update(AnalyticsEvent).where(col(AnalyticsEvent.distinct_id) == pseudonymous_id(user.id),
                                                     col(AnalyticsEvent.status) == "pending").values(status="dropped"))
    return granted


def _clean(properties: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if key in ALLOWED_PROPERTIES and isinstance(value, str | int | bool) and value != "":
            out[key] = value[:40] if isinstance(value, str) else value
    return out


def _queue(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    insert = upsert_insert(session)
    statement = insert(AnalyticsEvent).values(rows).on_conflict_do_nothing().returning(col(AnalyticsEvent.id))
    return len(session.execute(statement).all())  # RETURNING: an insert's rowcount is unreliable


def record_event(session: Session, *, user: UserOut | None, event: str, source_key: str, now: datetime,
                 properties: dict[str, Any] | None = None) -> bool:
    """Queue one event for a consenting signed-in user (nothing otherwise); True when queued."""
    if event not in EVENTS or user is None or not enabled() or not has_consent(session, user.id):
        return False
    row = {"source_key": source_key[:80], "distinct_id": pseudonymous_id(user.id), "event": event,
           "properties": _clean(properties or {}), "status": "pending", "attempts": 0, "last_error": "",
           "created_at": now}
    return _queue(session, [row]) == 1


def collect_events(session: Session, *, now: datetime) -> int:
    """Queue sign-ups, holds, payments and completed lessons of consenting users (idempotent)."""
    since = now - timedelta(days=COLLECT_DAYS)
    consenting = select(AnalyticsConsent.user_id).where(col(AnalyticsConsent.granted))
    rows: list[dict[str, Any]] = []
    for uid, role, created in session.exec(
        select(User.id, User.role, User.created_at).where(col(User.created_at) >= since, col(User.id).in_(consenting))
    ).all():
        rows.append({"source_key": f"user:{uid}", "distinct_id": pseudonymous_id(int(uid or 0)), "event": "sign_up",
                     "properties": {"role": role}, "created_at": created})
    found = session.execute(
        sql_select(col(BookingEvent.id), col(BookingEvent.action), col(BookingEvent.to_status),
                   col(BookingEvent.created_at), col(Booking.student_id), col(Booking.kind))
        .join(Booking, col(Booking.id) == col(BookingEvent.booking_id))
        .where(col(BookingEvent.created_at) >= since, col(Booking.student_id).in_(consenting))
    ).all()
    for event_id, action, to_status, created, student_id, kind in found:
        name = ("lesson_completed" if to_status == BookingStatus.COMPLETED else
                {"hold": "hold", "pay": "pay"}.get(action, ""))
        if name:
            rows.append({"source_key": f"booking_event:{event_id}", "distinct_id": pseudonymous_id(student_id),
                         "event": name, "properties": {"kind": kind}, "created_at": created})
    for row in rows:
        row.update(status="pending", attempts=0, last_error="")
    return _queue(session, rows)


def _claim(session: Session, event_id: int) -> bool:
    result = session.execute(update(AnalyticsEvent).where(col(AnalyticsEvent.id) == event_id,
                                                          col(AnalyticsEvent.status) == "pending")
                             .values(status="sending", attempts=AnalyticsEvent.attempts + 1))
    return rows_matched(result) == 1


def send_pending(session: Session, *, transport: MixpanelTransport, now: datetime, limit: int = 200) -> dict[str, int]:
    """Send queued events (each claimed first, so two senders never send one twice)."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    ids = session.exec(select(AnalyticsEvent.id).where(col(AnalyticsEvent.status) == "pending")
                       .order_by(col(AnalyticsEvent.id)).limit(limit)).all()
    for event_id in ids:
        if event_id is None or not _claim(session, event_id):
            continue
        session.commit()  # the claim is kept while sending (outside any transaction)
        row = session.get(AnalyticsEvent, event_id)
        assert row is not None
        session.refresh(row)
        try:
            transport.send(TrackedEvent(insert_id=f"th-{row.id}", distinct_id=row.distinct_id, event=row.event,
                                        time=row.created_at, properties=dict(row.properties or {})))
        except AnalyticsError as exc:
            row.last_error = str(exc)[:300]
            row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
            counts["failed" if row.status == "failed" else "retry"] += 1
            log.warning("analytics event %s not sent: %s", row.id, exc)
        else:
            row.status, row.sent_at = "sent", now
            counts["sent"] += 1
        session.add(row)
        session.commit()  # each outcome recorded at once: a crash later never resends what was sent
    return counts
