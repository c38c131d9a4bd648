"""MeetingProvider: where a lesson's video room lives.

The default builds a self-hosted-Jitsi-style link, `<TUTORHUB_MEETING_BASE_URL>/<room key>`:
Jitsi creates a room on first visit, so nothing has to be called ahead of time and the app
works offline. The room key is random (128 bits) and stored on the booking, so a link cannot be
guessed from a booking id and is shown only to the lesson's two parties.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from tutorhub.settings import get_settings


class MeetingProvider(Protocol):
    def room_url(self, room_key: str) -> str:
        """The URL both parties open to join the lesson's room."""


class JitsiProvider:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def room_url(self, room_key: str) -> str:
        return f"{self.base_url}/{room_key}"


def new_room_key() -> str:
    """An unguessable room name (URL-safe, prefixed so rooms are recognisable on a shared server)."""
    return "tutorhub-" + secrets.token_urlsafe(16)


def get_meeting_provider() -> MeetingProvider:
    settings = get_settings()
    if settings.meeting_provider == "jitsi":
        return JitsiProvider(settings.meeting_base_url)
    raise ValueError(f"unknown meeting provider {settings.meeting_provider!r}")
