"""The in-lesson chat: the lesson page embeds the pair's conversation.

The booking id comes from the route, never from the browser's vars; `chat_entry.lesson_conversation`
answers only for the lesson's student and tutor (admins viewing a lesson get nothing: they do not
read private conversations). Loaded when the panel mounts, so the lesson page's own load is
untouched.
"""

from __future__ import annotations

from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.state.base import AppState
from tutorhub.state.messaging.chat_thread import ChatThreadMixin


class LessonChatState(ChatThreadMixin, AppState):
    async def load(self):
        self._clear_thread()
        self.thread_status = "loading"
        bid = self._route_tail(12)
        try:
            conv = await self._db(lambda s, actor: chat_entry.lesson_conversation(s, actor=actor, booking_id=bid))
        except (NotAuthenticated, DomainError):
            conv = None
        if conv is None:
            self.thread_status = "none"
            return None
        await self._open_thread(conv.id)
        return LessonChatState.watch_chat if self.thread_status == "ready" else None
