"""The /messages page: the viewer's conversations (with unread badges) and one open thread.

Phones show either the list or the thread (`thread_id` decides; "Back" returns to the list);
wider screens show both. `/messages?c=<id>` opens a conversation directly (links from the lesson
page and the tutor's profile). Admins also get a small form to open a support conversation with
any student or tutor by email. The list is at most 50 rows; the thread lives in ChatThreadMixin.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.services.messaging.views import ConversationOut, MessageOut, preview
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, form_text
from tutorhub.state.messaging.chat_thread import ChatThreadMixin, error_text

ROLE_LABELS = {"tutor": "Tutor", "student": "Student", "support": "Support", "user": "Support request"}


@dataclasses.dataclass
class ConversationRow:
    id: int = 0
    title: str = ""
    role: str = ""
    unread: int = 0
    preview: str = ""
    at: str = ""


def conversation_rows(items: list[ConversationOut], zone: str) -> list[ConversationRow]:
    return [
        ConversationRow(id=c.id, title=c.title, role=ROLE_LABELS.get(c.other_role, ""), unread=c.unread,
                        preview=c.last_message or "No messages yet",
                        at=format_local(c.last_message_at.isoformat(), zone) if c.last_message_at else "")
        for c in items
    ]


class ChatState(ChatThreadMixin, AppState):
    chat_status: str = "loading"  # loading | ready
    conversations: list[ConversationRow] = []
    support_email: str = ""
    support_error: str = ""
    _row_upto: int = 0  # the open thread's row shows this message (set by a live refresh, 0 after a re-read)

    async def _reload_list(self) -> Any:
        """Re-read the list (a pure read: it never waits for the database's write lock)."""

        def unit(session, actor):
            return chat_conversations.list_conversations(session, actor=actor), self._zone_for(actor), actor.id if actor else 0

        try:
            items, zone, me = await self._db(unit, read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError:
            return None
        self._viewer_id = me
        self.conversations = conversation_rows(items, zone)
        self._row_upto = 0
        return None

    async def load(self):
        self.chat_status, self.thread_status, self.support_error = "loading", "none", ""
        self.conversations = []
        self._clear_thread()
        redirect = await self._reload_list()
        if redirect is not None:
            return redirect
        wanted = (self.router.url.query_parameters or {}).get("c", "")
        if isinstance(wanted, str) and wanted:
            await self._open_thread(wanted[:24])
            await self._reload_list()  # the opened thread is read now
        self.chat_status = "ready"
        return ChatState.watch_chat

    async def open_conversation(self, conversation_id: Any):
        self.thread_status = "loading"
        yield
        shown = await self._open_thread(conversation_id)
        if shown is not None:
            yield shown
            return
        await self._reload_list()

    def back_to_list(self):
        self._clear_thread()
        self.thread_status = "none"

    async def after_send(self):
        await self._reload_list()

    def _shown_new(self, newest: MessageOut, zone: str) -> None:
        """New messages showed live in the open thread: when its row tops the list (it does while
        a conversation is going on), the row takes the newest message's preview and time from
        them, as `list_conversations` would (a message's time is its conversation's activity)."""
        rows = self.conversations
        if not rows or rows[0].id != self.thread_id:
            return
        at = format_local(newest.created_at.isoformat(), zone)
        self.conversations = [dataclasses.replace(rows[0], preview=preview(newest.body, newest.attachment is not None),
                                                  at=at), *rows[1:]]
        self._row_upto = newest.id

    def _row_is_current(self, batch: list[tuple[str, dict[str, Any]]] | None) -> bool:
        """Whether the list already says all a batch of hints changed: every hint is about the
        open thread, whose top row shows its newest message (`_shown_new`) and, read up to it
        now, has nothing unread. Anything else (another conversation, a resync) re-reads it."""
        cid = self.thread_id
        return bool(
            batch and cid and self.messages and self._row_upto == self.messages[-1].id <= self._read_upto
            and self.conversations and self.conversations[0].id == cid and self.conversations[0].unread == 0
            and all(isinstance(p, dict) and p.get("type") in ("message", "read") and p.get("conversation_id") == cid
                    for _c, p in batch)
        )

    async def _after_live(self, batch: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        """Mark what the open thread shows read (a short write), then re-read the list unless
        the hints were only about the open thread and its row is already right (no read at all:
        a live message costs the reader one four-statement write after its delta went out)."""
        marked = await self._mark_seen()
        if not (marked and self._row_is_current(batch)):
            await self._reload_list()

    async def open_support(self, form: Any):
        """Admins: open the support conversation with a student or tutor by email."""
        email = form_text(form, "email", 300)
        self.support_error = ""
        try:
            conv = await self._db(lambda s, actor: chat_entry.open_support_conversation(s, actor=actor, email=email))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.support_error = error_text(exc)
            return None
        await self._reload_list()
        shown = await self._open_thread(conv.id)
        return shown if shown is not None else rx.toast.success(f"Support conversation with {conv.title}")
