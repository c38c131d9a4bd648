"""Signed delivery-status callbacks from the SMS / WhatsApp providers, recorded on outbox rows.

The routes (api/routes/message_webhooks.py) hand over the raw request; here the signature is checked
(integrations/message_callbacks.py) before anything is read, then each report is applied:

- The row is found by (provider, provider message id), kept when the provider accepted the message
  (services/outbox.py). An unknown id changes nothing and still answers 200: providers retry anything
  else for days, and a callback for a message sent by another install is not an error.
- Each distinct report (row, raw status) is stored once in `outbox_delivery_events` (unique key): a
  replay finds it and changes nothing.
- The row's `delivery_status` only moves up DeliveryStatus.ORDER, through a conditional UPDATE, so two
  callbacks racing or arriving out of order end in the same state: the highest one (a late "sent"
  never undoes "delivered"; "delivered" wins over "failed", the phone having had it after all).
- When an SMS / WhatsApp copy of a notification first reaches failed / undelivered, the user gets the
  same text by e-mail once (`fallback_of` is unique), unless an e-mail copy of it already went out:
  the in-app notification exists anyway, the e-mail makes sure a reminder is not lost to a bad number.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.integrations.message_callbacks import (
    CallbackRejected,
    StatusReport,
    meta_signature_ok,
    parse_cloud_statuses,
    parse_twilio_status,
    twilio_signature_ok,
)
from tutorhub.integrations.message_providers import TWILIO_STATUS_PATH
from tutorhub.models.accounts import User
from tutorhub.models.notifications import DeliveryStatus, OutboxDeliveryEvent, OutboxMessage
from tutorhub.services.errors import DomainError, Forbidden, NotFound
from tutorhub.services.outbox import queue_message
from tutorhub.settings import get_settings

log = logging.getLogger("tutorhub.delivery_reports")
MAX_CHALLENGE = 200


class BadCallback(DomainError):
    status_code = 400


def twilio_callback_url(query: str = "") -> str:
    """The URL Twilio signed: the public one the sender gave it, with the query string it requested."""
    return get_settings().public_url + TWILIO_STATUS_PATH + (f"?{query}" if query else "")


def receive_twilio_status(session: Session, *, params: Sequence[tuple[str, str]], signature: str,
                          query: str = "", now: datetime) -> int:
    """A Twilio status callback (form fields as posted); returns how many reports changed a row."""
    if not signature:  # before "not configured": an unsigned request is refused the same everywhere
        raise Forbidden("No X-Twilio-Signature header.")
    token = get_settings().twilio_auth_token
    if not token:
        raise NotFound("Twilio is not configured here.")
    if not twilio_signature_ok(token, twilio_callback_url(query), params, signature):
        raise Forbidden("The X-Twilio-Signature does not verify.")
    try:
        report = parse_twilio_status(params)
    except CallbackRejected as exc:
        raise BadCallback(str(exc)) from exc
    return record_reports(session, [report] if report else [], now=now)


def receive_cloud_statuses(session: Session, *, body: bytes, signature: str, now: datetime) -> int:
    """A WhatsApp Cloud API webhook (raw body); returns how many reports changed a row."""
    if not signature:
        raise Forbidden("No X-Hub-Signature-256 header.")
    secret = get_settings().whatsapp_app_secret
    if not secret:
        raise NotFound("WhatsApp callbacks are not configured here.")
    if not meta_signature_ok(secret, body, signature):
        raise Forbidden("The X-Hub-Signature-256 does not verify.")
    try:
        reports = parse_cloud_statuses(body)
    except CallbackRejected as exc:
        raise BadCallback(str(exc)) from exc
    return record_reports(session, reports, now=now)


def confirm_cloud_subscription(*, mode: str, token: str, challenge: str) -> str:
    """Meta's webhook handshake: echo the challenge when the verify token matches."""
    expected = get_settings().whatsapp_verify_token
    if not expected:
        raise NotFound("WhatsApp callbacks are not configured here.")
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("Wrong hub.mode or hub.verify_token.")
    if not challenge or len(challenge) > MAX_CHALLENGE or not challenge.isprintable():
        raise BadCallback("hub.challenge is missing or not a short text.")
    return challenge


def record_reports(session: Session, reports: Sequence[StatusReport], *, now: datetime) -> int:
    changed = 0
    for report in reports:
        row = session.exec(select(OutboxMessage).where(
            col(OutboxMessage.provider) == report.provider,
            col(OutboxMessage.provider_message_id) == report.message_id)).first()
        if row is None or row.id is None:
            log.info("delivery report for unknown %s message %s ignored", report.provider, report.message_id)
            continue
        if not _store_event(session, row.id, report, now=now):
            continue  # a replay
        if _raise_status(session, row.id, report, now=now):
            changed += 1
            if report.status in DeliveryStatus.PROBLEMS:
                _email_fallback(session, row)
    return changed


def _store_event(session: Session, outbox_id: int, report: StatusReport, *, now: datetime) -> bool:
    seen = session.exec(select(OutboxDeliveryEvent.id).where(
        col(OutboxDeliveryEvent.outbox_id) == outbox_id, col(OutboxDeliveryEvent.raw_status) == report.raw_status)).first()
    if seen is not None:
        return False
    try:
        with session.begin_nested():
            session.add(OutboxDeliveryEvent(outbox_id=outbox_id, provider=report.provider, raw_status=report.raw_status,
                                            status=report.status, error=report.error, reported_at=report.at or now,
                                            received_at=now))
    except IntegrityError:  # the same report, stored by a concurrent callback
        return False
    return True


def _raise_status(session: Session, outbox_id: int, report: StatusReport, *, now: datetime) -> bool:
    lower = ["", *DeliveryStatus.ORDER[: DeliveryStatus.ORDER.index(report.status)]]
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == outbox_id,
               or_(col(OutboxMessage.delivery_status).in_(lower), col(OutboxMessage.delivery_status).is_(None)))
        .values(delivery_status=report.status, delivery_error=report.error, delivery_at=report.at or now)
    )
    return rows_matched(result) == 1


def _email_fallback(session: Session, row: OutboxMessage) -> None:
    if row.channel not in ("sms", "whatsapp") or row.user_id is None:
        return
    user = session.get(User, row.user_id)
    if user is None or not user.email:
        return
    already = session.exec(select(OutboxMessage.id).where(
        or_(col(OutboxMessage.fallback_of) == row.id,
            (col(OutboxMessage.user_id) == row.user_id) & (col(OutboxMessage.channel) == "email")
            & (col(OutboxMessage.subject) == row.subject) & (col(OutboxMessage.body) == row.body)))).first()
    if already is not None:
        return
    try:
        with session.begin_nested():
            queue_message(session, channel="email", recipient=user.email, subject=row.subject or "TutorHub",
                          body=row.body, user_id=row.user_id, fallback_of=row.id)
    except IntegrityError:  # a concurrent callback queued it
        return
