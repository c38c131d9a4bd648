"""Video rooms (issue 19): a lesson's or class session's room for its parties, the page's join/leave
reports, and a lesson's attendance (join/leave times per participant).

`room` answers 404 to anyone but the lesson's parties (class: its tutor and enrolled students) and
409 with `opens_at`/`closes_at` outside the join window. `provider` is "sfu" with the Janus URL in
`url` when the SFU answers, else "external" with the meeting link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import ErrorOut, StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.rooms import presence, rooms
from tutorhub.services.rooms.sfu import rooms_adapter

router = APIRouter(prefix="/api/v1", tags=["rooms"])


class RoomAnswer(BaseModel):
    provider: str = Field(json_schema_extra={"enum": ["sfu", "external"]})
    room: str
    token: str
    expires_at: datetime
    ice_servers: list[dict[str, Any]]
    url: str | None = None


class WindowConflict(ErrorOut):
    opens_at: str | None = None
    closes_at: str | None = None


class PresenceIn(StrictIn):
    token: str = Field(min_length=1, max_length=200)
    event: str = Field(json_schema_extra={"enum": list(presence.EVENTS)})


class PresenceOut(BaseModel):
    event: str
    at: str


_ROOM_ERRORS: dict[int | str, dict[str, Any]] = {
    **error_responses(404),
    409: {"model": WindowConflict, "description": "Outside the join window (its times are given)"},
}


def _answer(room: rooms.RoomOut) -> RoomAnswer:
    return RoomAnswer(provider=room.provider, room=room.room, token=room.token, expires_at=room.expires_at,
                      ice_servers=room.ice_servers, url=room.url)


@router.get("/bookings/{booking_id}/room", response_model=RoomAnswer, responses=_ROOM_ERRORS)
def booking_room(user: CurrentUser, booking_id: str) -> RoomAnswer:
    """The lesson's video room for its student or tutor, from 10 minutes before the start to the end + grace."""
    with rooms_adapter() as sfu, session_scope(read_only=True) as session:
        return _answer(rooms.booking_room(session, actor=user, booking_id=booking_id, now=utcnow(), sfu=sfu))


@router.get("/classes/{class_id}/sessions/{session_id}/room", response_model=RoomAnswer, responses=_ROOM_ERRORS)
def class_session_room(user: CurrentUser, class_id: str, session_id: str) -> RoomAnswer:
    """A class session's video room for the class's tutor and enrolled students."""
    with rooms_adapter() as sfu, session_scope(read_only=True) as session:
        return _answer(rooms.class_session_room(session, actor=user, class_id=class_id, session_id=session_id,
                                                now=utcnow(), sfu=sfu))


@router.get("/bookings/{booking_id}/attendance", response_model=list[presence.AttendeeOut],
            responses=error_responses(404))
def booking_attendance(user: CurrentUser, booking_id: str) -> list[presence.AttendeeOut]:
    """Join and leave times in the lesson's room per participant (the lesson's parties and admins)."""
    with session_scope(read_only=True) as session:
        return presence.booking_attendance(session, actor=user, booking_id=booking_id)


class ReopenIn(StrictIn):
    token: str = Field(min_length=1, max_length=200)


@router.post("/rooms/reopen", response_model=RoomAnswer, responses={**_ROOM_ERRORS, **error_responses(401)})
def reopen_room(data: ReopenIn) -> RoomAnswer:
    """The room page reconnecting after the SFU restarted: provision the room again for this token's
    holder (409 when the window has closed or the SFU is still away)."""
    with rooms_adapter() as sfu, session_scope(read_only=True) as session:
        return _answer(rooms.reopen_room(session, token=data.token, now=utcnow(), sfu=sfu))


@router.post("/rooms/presence", response_model=PresenceOut, responses=error_responses(401))
def report_presence(data: PresenceIn) -> PresenceOut:
    """The room page reports joining or leaving, authenticated by the participant's join token."""
    with session_scope() as session:
        return PresenceOut(**presence.report_presence(session, token=data.token, event=data.event, now=utcnow()))
