"""The class chat beside the video in a class session's room (/classes/[class_id]/sessions/[session_id]/room).

The class id comes from the route, never from the browser's vars; `class_chat.class_chat` answers only
for the class's tutor and its enrolled students, so anyone else sees no chat. Loaded when the card
mounts, like the lesson page's chat.
"""

from __future__ import annotations

from tutorhub.services.classes import class_chat
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.state.base import AppState
from tutorhub.state.messaging.chat_thread import ChatThreadMixin


class ClassRoomChatState(ChatThreadMixin, AppState):
    def _route_class_id(self) -> str:
        parts = (self.router.url.path or "").strip("/").split("/")
        return parts[1][:24] if len(parts) >= 2 and parts[0] == "classes" else ""

    async def load(self):
        self._clear_thread()
        self.thread_status = "loading"
        cid = self._route_class_id()
        try:
            conv_id = await self._db(lambda s, actor: class_chat.class_chat(s, actor=actor, class_id=cid))
        except (NotAuthenticated, DomainError):
            conv_id = None
        if conv_id is None:
            self.thread_status = "none"
            return None
        await self._open_thread(conv_id)
        return ClassRoomChatState.watch_chat if self.thread_status == "ready" else None
