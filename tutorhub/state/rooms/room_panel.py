"""The video panel of a lesson page (/lessons/[booking_id]) and of a class session's room
(/classes/[class_id]/sessions/[session_id]/room).

Thin: `open_room` runs the one room use case (services/rooms/rooms.py) for the ids in the route —
never ids from a var — with the actor from the cookie; the service decides who may join and when.
What reaches the browser is only what the caller's own page needs to join: the Janus URL, the room
id, the caller's own join token (bound to them and this room) and ICE servers. The JavaScript client
(assets/js/room.js) reads them from the panel's data attributes; nothing is interpolated into a script.
"""

from __future__ import annotations

import json
from typing import Any

from tutorhub.models.base import utcnow
from tutorhub.services.errors import Conflict, DomainError, NotFound
from tutorhub.services.rooms import rooms
from tutorhub.services.rooms.sfu import get_rooms_adapter
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState


class RoomState(AppState):
    room_state: str = ""  # "" | loading | sfu | external | closed | none
    room_server: str = ""
    room_id: str = ""
    room_token: str = ""
    room_display: str = ""
    room_ice: str = "[]"
    room_url: str = ""
    room_message: str = ""
    room_back: str = "/classes"  # a class session's room links back to its class (schedule, class chat)

    def _forget_room(self) -> None:
        self.room_server = self.room_id = self.room_token = self.room_display = self.room_url = ""
        self.room_ice, self.room_message = "[]", ""

    def _route_ids(self) -> tuple[str, str, str]:
        """(kind, first id, second id) from the page path: the lesson, or the class and its session."""
        parts = (self.router.url.path or "").strip("/").split("/")
        if len(parts) >= 4 and parts[0] == "classes" and parts[2] == "sessions":
            return "class", parts[1][:24], parts[3][:24]
        return "booking", parts[-1][:24] if parts else "", ""

    async def open_room(self):
        """Ask for the room now (the page's "Open the video room" button, and on load)."""
        kind, first, second = self._route_ids()
        self.room_state = "loading"
        self._forget_room()
        yield

        def unit(session, actor):
            zone, sfu = self._zone_for(actor), get_rooms_adapter()
            try:
                if kind == "class":
                    room = rooms.class_session_room(session, actor=actor, class_id=first, session_id=second,
                                                    now=utcnow(), sfu=sfu)
                else:
                    room = rooms.booking_room(session, actor=actor, booking_id=first, now=utcnow(), sfu=sfu)
            except DomainError as exc:  # answered below, in the viewer's zone
                return None, zone, exc
            finally:
                if sfu is not None:
                    sfu.close()
            return room, zone, None

        room, zone, error = await self._db(unit, read_only=True)
        if error is not None or room is None:
            self.room_state = "closed" if isinstance(error, Conflict) else "none"
            if isinstance(error, Conflict):
                opens, closes = error.extra.get("opens_at"), error.extra.get("closes_at")
                window = f" It is open from {format_local(opens, zone)} to {format_local(closes, zone)}." if opens else ""
                self.room_message = error.message + window
            elif isinstance(error, NotFound):
                self.room_message = "This lesson has no video room for you."
            return
        self._show_room(room)

    def _show_room(self, room: Any) -> None:
        self.room_state = room.provider
        self.room_id, self.room_token, self.room_display = room.room, room.token, room.display
        self.room_ice = json.dumps(room.ice_servers)
        if room.provider == "sfu":
            self.room_server = room.url or ""
        else:
            self.room_url = room.url or ""
            self.room_message = "The built-in video room is not available right now: use the meeting link instead."

    def close_room(self):
        """On page load: the room starts closed — unless the page was reloaded to open it (`?room=open`:
        assets/js/room.js reloads a room page reached inside the app, whose document had no camera rights)."""
        self.room_state = ""
        self._forget_room()
        kind, first, _ = self._route_ids()
        self.room_back = f"/classes/{first}" if kind == "class" and first.isdigit() else "/classes"
        if str(self.router.url.query_parameters.get("room", "")) == "open":
            return RoomState.open_room
        return None
