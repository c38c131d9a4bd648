"""MessageSender: how email / SMS / WhatsApp leave the system.

The default is the outbox sender: it records each message in the `outbox_messages` table
(admins read it on /admin/outbox in development mode) and prints it to the log, so one-time
codes and notifications work on a machine with no mail or SMS provider.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlmodel import Session

from tutorhub.models.notifications import OutboxMessage

log = logging.getLogger("tutorhub.outbox")


class MessageSender(Protocol):
    def send(self, session: Session, *, channel: str, recipient: str, subject: str, body: str) -> None:
        """Deliver (or durably queue) one message."""


class OutboxSender:
    def send(self, session: Session, *, channel: str, recipient: str, subject: str, body: str) -> None:
        session.add(OutboxMessage(channel=channel, recipient=recipient, subject=subject, body=body))
        log.warning("[outbox] %s to %s: %s | %s", channel, recipient, subject, body)
        print(f"[outbox] {channel} to {recipient}: {subject} | {body}", flush=True)


def get_sender() -> MessageSender:
    return OutboxSender()
