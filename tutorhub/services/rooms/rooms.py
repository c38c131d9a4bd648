"""Opening a room for a caller: `GET /api/v1/bookings/{id}/room` and the class-session twin.

Only a party (targets.py) inside the join window — from JOIN_OPENS_MINUTES before the start to the
end plus TUTORHUB_ROOM_GRACE_MINUTES — gets an answer; outside it a 409 carries the window's times.
The answer is a join token bound to the caller and the room; with the SFU up the app provisions the
room on Janus first (integrations/janus.py: token added, room created with its own secret and the
token in its `allowed` list), otherwise (not installed, stopped, TUTORHUB_SFU=off) the room falls
back to the external meeting link with provider "external".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from tutorhub.integrations.janus import JanusRooms, SfuError, SfuUnavailable
from tutorhub.integrations.meetings import get_meeting_provider
from tutorhub.room_settings import JOIN_OPENS_MINUTES, get_room_settings
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import Conflict, NotAuthenticated
from tutorhub.services.rooms.targets import RoomTarget, booking_target, class_session_target, target_for_claim
from tutorhub.services.rooms.tokens import issue_token, read_token, room_secret

log = logging.getLogger(__name__)


@dataclass
class RoomOut:
    provider: str  # sfu | external
    room: str
    token: str
    expires_at: datetime
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    url: str | None = None  # sfu: the Janus client API for browsers; external: the meeting link
    title: str = ""  # for the page (not part of the API answer)
    display: str = ""  # the participant's display name in the SFU room (page only)


def join_window(target: RoomTarget) -> tuple[datetime, datetime]:
    grace = timedelta(minutes=get_room_settings().grace_minutes)
    return target.start_at - timedelta(minutes=JOIN_OPENS_MINUTES), target.end_at + grace


def _check_window(target: RoomTarget, now: datetime) -> datetime:
    opens, closes = join_window(target)
    window = {"opens_at": opens.isoformat(), "closes_at": closes.isoformat()}
    if not target.live:
        raise Conflict("This lesson's room is not open: the lesson is not confirmed.", extra=window)
    if now < opens:
        raise Conflict(f"The room opens {JOIN_OPENS_MINUTES} minutes before the start.", extra=window)
    if now >= closes:
        raise Conflict("The room has closed.", extra=window)
    return closes


def _open(target: RoomTarget, *, now: datetime, sfu: JanusRooms | None) -> RoomOut:
    closes = _check_window(target, now)
    rs = get_room_settings()
    token = issue_token(rs.signing_key, kind=target.kind, ref_id=target.ref_id, user_id=target.user_id,
                        expires_at=closes)
    if sfu is not None:
        try:
            sfu.open_room(target.room, secret=room_secret(rs.signing_key, target.room), description=target.title,
                          tokens=[token], publishers=target.publishers)
            return RoomOut(provider="sfu", room=target.room, token=token, expires_at=closes,
                           ice_servers=[dict(s) for s in rs.ice_servers], url=rs.public_url,
                           title=target.title, display=target.display)
        except (SfuUnavailable, SfuError) as exc:
            log.warning("SFU unavailable, falling back to the meeting link: %s", exc)
    return RoomOut(provider="external", room=target.room, token=token, expires_at=closes, ice_servers=[],
                   url=get_meeting_provider().room_url(target.room_key), title=target.title, display=target.display)


def booking_room(session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime,
                 sfu: JanusRooms | None) -> RoomOut:
    """The lesson's room for one of its two parties (404 for anyone else, 409 outside the window)."""
    return _open(booking_target(session, actor, booking_id), now=now, sfu=sfu)


def class_session_room(session: Session, *, actor: UserOut | None, class_id: Any, session_id: Any,
                       now: datetime, sfu: JanusRooms | None) -> RoomOut:
    """A class session's room for its tutor and enrolled students."""
    return _open(class_session_target(session, actor, class_id, session_id), now=now, sfu=sfu)


def reopen_room(session: Session, *, token: Any, now: datetime, sfu: JanusRooms | None) -> RoomOut:
    """Provision the room again for a page that lost it (Janus restarted: its rooms and tokens live in
    memory), authenticated by the holder's own join token; the window and membership are checked anew."""
    claim = read_token(get_room_settings().signing_key, token, now=now)
    target = target_for_claim(session, claim.kind, claim.ref_id, claim.user_id) if claim else None
    if target is None:
        raise NotAuthenticated("This room token is not valid.")
    _check_window(target, now)
    if sfu is None:
        raise Conflict("The video room is not available.")
    rs = get_room_settings()
    try:
        sfu.open_room(target.room, secret=room_secret(rs.signing_key, target.room), description=target.title,
                      tokens=[str(token)], publishers=target.publishers)
    except (SfuUnavailable, SfuError) as exc:
        raise Conflict("The video room is not available right now.") from exc
    return RoomOut(provider="sfu", room=target.room, token=str(token), expires_at=claim.expires_at if claim else now,
                   ice_servers=[dict(s) for s in rs.ice_servers], url=rs.public_url)
