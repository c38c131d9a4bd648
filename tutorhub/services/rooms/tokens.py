"""Join tokens: short-lived, signed, bound to one user and one room.

`rt1.<kind>.<ref id>.<user id>.<expires epoch>.<signature>` — HMAC-SHA256 under a key derived from
the install's secret (room_settings.signing_key). The same string is the participant's Janus token
(added through the admin API and put in the room's `allowed` list), so the SFU itself refuses anyone
without one, and it authenticates the page's join/leave reports (services/rooms/presence.py)
without a cookie or bearer token. It lives until the room's join window closes: Janus checks the
token on every request, so it must outlive the call.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from tutorhub.models.rooms import RoomKind

PREFIX = "rt1"
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class JoinClaim:
    kind: str
    ref_id: int
    user_id: int
    expires_at: datetime


def _signature(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:40]


def issue_token(key: bytes, *, kind: str, ref_id: int, user_id: int, expires_at: datetime) -> str:
    payload = f"{PREFIX}.{kind}.{ref_id}.{user_id}.{int(expires_at.timestamp())}"
    return f"{payload}.{_signature(key, payload)}"


def read_token(key: bytes, token: object, *, now: datetime) -> JoinClaim | None:
    """The claim of a valid, unexpired token; None for anything else (forged, expired, malformed)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    payload, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(key, payload).encode()):
        return None
    parts = payload.split(".")
    if len(parts) != 5 or parts[0] != PREFIX or parts[1] not in RoomKind.ALL:
        return None
    try:
        ref_id, user_id, expires = int(parts[2]), int(parts[3]), int(parts[4])
    except ValueError:
        return None
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        return None
    return JoinClaim(kind=parts[1], ref_id=ref_id, user_id=user_id, expires_at=expires_at)


def room_secret(key: bytes, room: str) -> str:
    """The room's own Janus secret (edit/destroy), derived so every replica knows it without storing it."""
    return hmac.new(key, f"room-secret:{room}".encode(), hashlib.sha256).hexdigest()
