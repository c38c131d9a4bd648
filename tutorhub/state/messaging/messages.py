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
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.services.messaging.views import ConversationOut
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

    async def _reload_list(self, *, mark_upto: int = 0) -> Any:
        """Re-read the list; with `mark_upto`, first mark the open thread read up to that message
        (one unit of work: a live hint costs one trip to the database after its delta went out;
        measured: splitting the mark into its own write made delivery slower, one more thread hop)."""
        cid = self.thread_id

        def unit(session, actor):
            if mark_upto and cid:
                chat_messages.mark_read(session, actor=actor, conversation_id=cid, up_to=mark_upto)
            return chat_conversations.list_conversations(session, actor=actor), self._zone_for(actor), actor.id if actor else 0

        try:
            items, zone, me = await self._db(unit, read_only=not (mark_upto and cid))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError:  # the open thread went away: the list alone
            return await self._reload_list() if mark_upto else None
        if mark_upto:
            self._read_upto = max(self._read_upto, mark_upto)
        self._viewer_id = me
        self.conversations = conversation_rows(items, zone)
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

    async def _after_live(self) -> None:
        last = self.messages[-1].id if self.thread_id and self.messages else 0
        await self._reload_list(mark_upto=last if last > self._read_upto else 0)

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
