"""What every message transport takes and raises (messaging.py, message_providers.py), in a module of its own
so the provider senders and `messaging.get_transport`, which picks among them, do not import each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    """A text file sent with an email, e.g. an `.ics` invitation ("text/calendar; method=REQUEST")."""

    filename: str
    content_type: str
    content: str


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    attempt: int = 1  # > 1: an earlier attempt may have reached the provider (crash, timeout, 5xx)
    queued_at: datetime | None = None


class DeliveryError(Exception):
    """A transport could not deliver; `permanent` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    name: str

    def deliver(self, message: OutgoingMessage) -> str | None:
        """Hand one message to the provider; raise DeliveryError when it was not accepted. Returns the
        provider's id for the accepted message when it gives one (delivery callbacks name it)."""
