"""VideoRooms on Janus (the Debian `janus` package, VideoRoom plugin) through its admin REST API.

Why the admin API: its `message_plugin` request talks to the VideoRoom plugin without a session or
handle, and `add_token` / `remove_token` manage the tokens Janus requires on every browser request
(`token_auth = true` in the generated config, integrations/janus_config.py). So the app:
1. adds each participant's join token to Janus (valid for the VideoRoom plugin only),
2. creates the room if it does not exist (per-room `secret`, `admin_key`, at most 8 publishers: 9 for a
   full online class of 8 and its tutor,
   `is_private`), with the token in the room's `allowed` list (a second check: the token must be
   allowed in *this* room, so a valid token for lesson A does not open lesson B),
3. lists participants (attendance evidence), and destroys the room / removes tokens afterwards.
Everything is idempotent so a restarted Janus (rooms and tokens live in its memory) is simply
re-provisioned on the next join. A pure transport: no import of services.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

PLUGIN = "janus.plugin.videoroom"
MAX_PUBLISHERS = 8
TIMEOUT_SECONDS = 3.0
ROOM_EXISTS = 427  # JANUS_VIDEOROOM_ERROR_ROOM_EXISTS
NO_SUCH_ROOM = 426  # JANUS_VIDEOROOM_ERROR_NO_SUCH_ROOM


class SfuUnavailable(RuntimeError):
    """Janus did not answer (not installed, stopped, or overloaded)."""


class SfuError(RuntimeError):
    """Janus answered with an error."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Participant:
    display: str
    publisher: bool


class JanusRooms:
    def __init__(self, admin_url: str, admin_secret: str, admin_key: str, *, timeout: float = TIMEOUT_SECONDS,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.admin_url = admin_url
        self._secret = admin_secret
        self._key = admin_key
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        self._client.close()

    def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": secrets.token_hex(8), "admin_secret": self._secret}
        try:
            answer = self._client.post(self.admin_url, json=body)
        except httpx.HTTPError as exc:
            raise SfuUnavailable(f"Janus admin API unreachable: {type(exc).__name__}") from exc
        if answer.status_code != 200:
            raise SfuUnavailable(f"Janus admin API answered HTTP {answer.status_code}")
        data = answer.json()
        if data.get("janus") == "error":
            error = data.get("error") or {}
            raise SfuError(str(error.get("reason", "error")), int(error.get("code") or 0))
        return dict(data)

    def _plugin(self, request: dict[str, Any]) -> dict[str, Any]:
        response = self._call({"janus": "message_plugin", "plugin": PLUGIN, "request": request}).get("response") or {}
        if response.get("videoroom") == "event" and response.get("error_code"):
            raise SfuError(str(response.get("error", "videoroom error")), int(response["error_code"]))
        return dict(response)

    def ping(self) -> bool:
        """True when Janus answers its admin API (raises SfuUnavailable otherwise)."""
        return self._call({"janus": "ping"}).get("janus") == "pong"

    def add_token(self, token: str) -> None:
        self._call({"janus": "add_token", "token": token, "plugins": [PLUGIN]})

    def remove_token(self, token: str) -> None:
        try:
            self._call({"janus": "remove_token", "token": token})
        except SfuError:
            pass  # already gone (Janus restarted): nothing to remove

    def room_exists(self, room: str) -> bool:
        return bool(self._plugin({"request": "exists", "room": room}).get("exists"))

    def open_room(self, room: str, *, secret: str, description: str, tokens: list[str],
                  publishers: int = MAX_PUBLISHERS) -> None:
        """Make sure the room exists and lets these tokens in (create, or add them to `allowed`)."""
        for token in tokens:
            self.add_token(token)
        if not self.room_exists(room):
            try:
                self._plugin({
                    "request": "create", "room": room, "admin_key": self._key, "secret": secret,
                    "description": description[:100], "publishers": publishers, "is_private": True,
                    "allowed": tokens, "bitrate": 512000, "fir_freq": 10, "notify_joining": True,
                    "audiolevel_event": True, "audio_active_packets": 50, "audio_level_average": 40,
                })
                return
            except SfuError as exc:
                if exc.code != ROOM_EXISTS:  # created by another replica meanwhile: add the tokens below
                    raise
        self._plugin({"request": "allowed", "room": room, "secret": secret, "action": "add", "allowed": tokens})

    def participants(self, room: str) -> list[Participant]:
        try:
            response = self._plugin({"request": "listparticipants", "room": room})
        except SfuError as exc:
            if exc.code == NO_SUCH_ROOM:
                return []
            raise
        return [Participant(display=str(p.get("display", "")), publisher=bool(p.get("publisher")))
                for p in response.get("participants") or []]

    def destroy_room(self, room: str, *, secret: str) -> None:
        try:
            self._plugin({"request": "destroy", "room": room, "secret": secret})
        except SfuError as exc:
            if exc.code != NO_SUCH_ROOM:
                raise
