"""Chat in the navigation and on tutor profiles: the unread count, and "Message tutor".

ChatBadgeState is loaded by the navigation on every page (on mount) and keeps the count live
through the user's channel; TutorChatLinkState tells a student on a tutor's profile whether they
already have a conversation with that tutor (the tutor id comes from the route).
"""

from __future__ import annotations

import reflex as rx

from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.state import live
from tutorhub.state.base import AppState
from tutorhub.state.messaging.chat_thread import wants_refresh


class ChatBadgeState(AppState):
    chat_unread: int = 0
    _viewer_id: int = 0
    _live_key: str = ""

    async def _read_count(self) -> tuple[int, int]:
        """(unread total, viewer id): a pure read, which the watcher runs outside the state lock."""
        return await self._db(
            lambda s, actor: (chat_conversations.unread_total(s, actor=actor), actor.id if actor else 0), read_only=True
        )

    async def _count(self) -> None:
        self.chat_unread, self._viewer_id = await self._read_count()

    async def load_badge(self):
        await self._count()
        return ChatBadgeState.watch_badge if self._viewer_id else None

    @rx.event(background=True)
    async def watch_badge(self):
        """Live unread count in every open tab of this user (ends when the tab leaves)."""
        async with self:
            if not self._viewer_id:
                return
            key, path, channel = live.claim(self), self.router.url.path or "", user_channel(self._viewer_id)
        async for batch in live.watch(self, [channel], lambda: live.is_current(self, key, path), catch_up=True):
            if not wants_refresh(batch):
                continue
            counted = await self._read_count()  # outside the lock: the open thread's watcher goes first
            async with self:
                if not live.is_current(self, key, path):
                    break
                self.chat_unread, self._viewer_id = counted


class TutorChatLinkState(AppState):
    chat_with_tutor: int = 0  # the signed-in student's conversation with this tutor, 0 if none

    async def load(self):
        tid = self._route_tail()
        self.chat_with_tutor = await self._db(
            lambda s, actor: chat_entry.conversation_with_tutor(s, actor=actor, tutor_id=tid) or 0, read_only=True
        )
