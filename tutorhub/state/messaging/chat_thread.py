"""One open chat thread: history paged backwards, the composer, attachments, live refresh.

A mixin, so the /messages page (ChatState) and the lesson page's in-lesson chat (LessonChatState)
share the same handlers. Every handler passes the conversation id to a service together with the
actor resolved from the cookie in the same unit of work: the services decide access (strangers
get "not found"), so a client sending another conversation id learns nothing. Only the shown
messages are kept (30 per page, older pages on demand); files are read in the upload handler and
handed to the service as bytes, which stores them privately (never under Reflex's upload dir).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import reflex as rx

from tutorhub.services.errors import DomainError, NotAuthenticated, NotFound
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging import attachments as chat_attachments
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.services.messaging.views import MessageOut, MessagePage
from tutorhub.services.timefmt import human_when
from tutorhub.settings import get_settings
from tutorhub.state import live
from tutorhub.state.messaging import read_marks

MAX_BODY = chat_messages.MAX_BODY
LIVE_TYPES = {"message", "read", "resync"}
CONTENT_TYPES = {"message", "resync"}  # a "read" hint changes unread counts, never a thread's messages


@dataclasses.dataclass
class MessageRow:
    id: int = 0
    body: str = ""
    mine: bool = False
    sender: str = ""
    at: str = ""
    file_name: str = ""
    file_url: str = ""
    file_image: bool = False
    file_size: str = ""


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} kB"


def message_rows(messages: list[MessageOut], zone: str) -> list[MessageRow]:
    rows = []
    for m in messages:
        f = m.attachment
        rows.append(MessageRow(
            id=m.id, body=m.body, mine=m.mine, sender=m.sender_name, at=human_when(m.created_at, zone),
            file_name=f.name if f else "", file_url=f.url if f else "",
            file_image=bool(f and f.content_type.startswith("image/")), file_size=_size(f.size_bytes) if f else "",
        ))
    return rows


def wants_refresh(batch: list[tuple[str, dict[str, Any]]]) -> bool:
    """Chat hints only (the same user channel also carries notifications and booking news)."""
    return live.has_type(batch, LIVE_TYPES)


def has_new_content(batch: list[tuple[str, dict[str, Any]]]) -> bool:
    return live.has_type(batch, CONTENT_TYPES)


def only_reads_of(batch: list[tuple[str, dict[str, Any]]], conversation_id: int) -> bool:
    """Every hint is "conversation X was read", X being the thread this tab shows (typically the
    echo of this tab's own mark): nothing this tab shows changes."""
    return bool(conversation_id) and all(
        isinstance(p, dict) and p.get("type") == "read" and p.get("conversation_id") == conversation_id
        for _c, p in batch
    )


def error_text(exc: DomainError) -> str:
    """One line for a refused upload or form: the first field's message, else the error's own."""
    return next(iter(exc.fields.values()), exc.message) if exc.fields else exc.message


class ChatThreadMixin(rx.State, mixin=True):
    thread_id: int = 0
    thread_title: str = ""
    thread_role: str = ""
    thread_status: str = "none"  # none | loading | ready | notfound
    messages: list[MessageRow] = []
    next_before: int = 0  # 0: no older messages
    loading_earlier: bool = False
    draft: str = ""
    draft_error: str = ""
    sending: bool = False
    upload_error: str = ""
    # The id of the message being composed: sent with it (a double send stores one message) and the
    # composer box's key (a new id after a send gives an empty box, once).
    composer_id: str = ""
    _sent_body: str = ""  # the text just sent: a keystroke's late (debounced) echo of it is ignored
    _viewer_id: int = 0
    _read_upto: int = 0  # the newest message this tab marked read
    _live_key: str = ""

    @rx.var
    def draft_count(self) -> str:
        return f"{len(self.draft)} / {MAX_BODY}"

    @rx.var
    def draft_too_long(self) -> bool:
        return len(self.draft) > MAX_BODY

    def _clear_thread(self) -> None:
        self.thread_id, self.thread_title, self.thread_role, self.messages, self.next_before = 0, "", "", [], 0
        self.draft, self.draft_error, self.upload_error, self.sending, self.loading_earlier = "", "", "", False, False
        self._read_upto = 0
        self._new_composer()

    def _new_composer(self) -> None:
        self.composer_id = "m-" + uuid.uuid4().hex

    async def _open_thread(self, conversation_id: Any) -> Any:
        """Load the newest page of a conversation the actor may read and mark it read."""

        def unit(session, actor):
            conv = chat_conversations.get_conversation(session, actor=actor, conversation_id=conversation_id)
            page = chat_messages.list_messages(session, actor=actor, conversation_id=conv.id)
            if conv.unread and page.messages:
                chat_messages.mark_read(session, actor=actor, conversation_id=conv.id, up_to=page.messages[-1].id)
            return conv, page, self._zone_for(actor), actor.id  # type: ignore[attr-defined]

        try:
            conv, page, zone, me = await self._db(unit)  # type: ignore[attr-defined]
        except NotAuthenticated:
            return self._login_redirect()  # type: ignore[attr-defined]
        except DomainError:  # not found or not theirs: nothing of it is shown
            self._clear_thread()
            self.thread_status = "notfound"
            return None
        self._clear_thread()
        self.thread_id, self.thread_title, self.thread_role, self._viewer_id = conv.id, conv.title, conv.other_role, me
        self._show_page(page, zone)
        self._read_upto = self.messages[-1].id if self.messages else 0
        self.thread_status = "ready"
        return None

    def _show_page(self, page: MessagePage, zone: str) -> None:
        self.messages = message_rows(page.messages, zone)
        self.next_before = page.next_before or 0

    async def _refresh_thread(self) -> None:
        """Bring the open thread up to date (a hint, or after our own send): merge the newest page."""
        if not self.thread_id:
            return
        cid = self.thread_id

        def unit(session, actor):
            zone = self._zone_for(actor)  # type: ignore[attr-defined]
            return chat_messages.list_messages(session, actor=actor, conversation_id=cid), zone

        try:
            page, zone = await self._db(unit, read_only=True)  # type: ignore[attr-defined]
        except DomainError:
            self._clear_thread()
            self.thread_status = "notfound"
            return
        fresh = message_rows(page.messages, zone)
        if not fresh:
            self.messages, self.next_before = [], 0
            return
        first_new = fresh[0].id
        last_shown = self.messages[-1].id if self.messages else 0
        if self.messages and first_new > last_shown and page.next_before is not None:
            self._show_page(page, zone)  # more arrived than one page holds: start again from the newest
            return
        older = [m for m in self.messages if m.id < first_new]
        self.messages = older + fresh
        if not older:
            self.next_before = page.next_before or 0

    async def _fetch_new(self) -> tuple[int, int, list[MessageOut] | None, str]:
        """Read what is new after the last shown message: (thread, after, messages or None when the
        thread is gone, zone). Pure read, so the watcher runs it OUTSIDE the state lock."""
        cid, last = self.thread_id, (self.messages[-1].id if self.messages else 0)
        if not cid:
            return 0, 0, [], ""
        try:
            new, zone = await self._db(  # type: ignore[attr-defined]
                lambda s, actor: (chat_messages.messages_after(s, actor=actor, conversation_id=cid, after=last),
                                  self._zone_for(actor)),  # type: ignore[attr-defined]
                read_only=True,
            )
        except DomainError:
            return cid, last, None, ""
        return cid, last, new, zone

    async def _apply_new(self, fetched: tuple[int, int, list[MessageOut] | None, str]) -> None:
        """Show what `_fetch_new` read (under the state lock)."""
        cid, _last, new, zone = fetched
        if not cid or cid != self.thread_id:  # another thread was opened meanwhile: read it afresh
            if self.thread_id:
                await self._apply_new(await self._fetch_new())
            return
        if new is None:
            self._clear_thread()
            self.thread_status = "notfound"
            return
        if len(new) >= chat_messages.PAGE_SIZE:  # a long burst: start again from the newest page
            await self._refresh_thread()
            return
        known = {m.id for m in self.messages}
        fresh = [r for r in message_rows(new, zone) if r.id not in known]
        if fresh:  # a send's own refresh may have shown some meanwhile: keep id order
            self.messages = sorted([*self.messages, *fresh], key=lambda m: m.id)
            self._shown_new(new[-1], zone)

    def _shown_new(self, newest: MessageOut, zone: str) -> None:
        """Hook: a live refresh showed new messages, `newest` the last (the messages page updates
        the thread's row in its list from it)."""

    async def _pull_new(self) -> None:
        """Append what is new in the open thread: a read-only query, so on a live hint the delta
        reaches the browser before anything is written (marking read comes after)."""
        await self._apply_new(await self._fetch_new())

    async def _mark_seen(self) -> bool:
        """Mark the open thread read up to what it shows (only when that moved on); False when
        the thread cannot be marked (gone, or no longer theirs)."""
        if not self.thread_id or not self.messages or self.messages[-1].id <= self._read_upto:
            return True
        cid, last = self.thread_id, self.messages[-1].id
        try:  # written together with the other tabs' marks of this moment (read_marks.py)
            await read_marks.mark_seen(self.session_token, cid, last)  # type: ignore[attr-defined]
        except DomainError:
            return False
        self._read_upto = last
        return True

    async def _after_live(self, batch: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        """After a hint's new messages are shown: the read marker (pages add their own refresh;
        `batch`: the hints, None when unknown)."""
        await self._mark_seen()

    async def _on_live(self, content: bool = True) -> None:
        """Everything one hint causes (the watcher runs the two steps under separate locks)."""
        if content and not self.sending:
            await self._pull_new()
        await self._after_live()

    async def load_earlier(self):
        """The previous 30 messages, prepended."""
        if not self.thread_id or not self.next_before or self.loading_earlier:
            return
        cid, before = self.thread_id, self.next_before
        self.loading_earlier = True
        yield
        try:
            page, zone = await self._db(  # type: ignore[attr-defined]
                lambda s, actor: (chat_messages.list_messages(s, actor=actor, conversation_id=cid, before=before),
                                  self._zone_for(actor)),  # type: ignore[attr-defined]
                read_only=True,
            )
        except DomainError as exc:
            self.loading_earlier = False
            yield rx.toast.error(exc.message)
            return
        known = {m.id for m in self.messages}
        self.messages = [m for m in message_rows(page.messages, zone) if m.id not in known] + self.messages
        self.next_before = page.next_before or 0
        self.loading_earlier = False

    def set_draft(self, value: Any):
        """The composer's text (kept to show the counter and check the limit as one types)."""
        text = value if isinstance(value, str) else ""
        if self._sent_body and text == self._sent_body:
            return  # the box was emptied by the send; this is a keystroke's late echo
        self._sent_body = ""
        self.draft = text[: MAX_BODY + 1000]
        self.draft_error = f"Messages can be at most {MAX_BODY} characters." if len(self.draft) > MAX_BODY else ""

    async def send_message(self, form: Any = None):
        """Send the composer's text (Enter or the Send button). The form carries the composer id
        it was written under, so a second submit of the same message returns the stored one."""
        if self.sending or not self.thread_id:
            return
        # The submitted text is the textarea's current value (the debounced draft may lag a keystroke).
        body = form["body"] if isinstance(form, dict) and isinstance(form.get("body"), str) else self.draft
        body = body[: MAX_BODY + 1000]
        client_id = form.get("client_id") if isinstance(form, dict) else None
        client_id = client_id if isinstance(client_id, str) and client_id else self.composer_id
        if not body.strip():
            self.draft_error = "Write a message first."
            return
        if len(body) > MAX_BODY:
            self.draft, self.draft_error = body, f"Messages can be at most {MAX_BODY} characters."
            return
        cid = self.thread_id
        self.sending, self.draft_error = True, ""
        yield
        try:
            await self._db(lambda s, actor: chat_messages.send_message(  # type: ignore[attr-defined]
                s, actor=actor, conversation_id=cid, body=body, client_id=client_id))
        except NotAuthenticated:
            self.sending = False
            yield self._login_redirect()  # type: ignore[attr-defined]
            return
        except DomainError as exc:
            self.sending, self.draft = False, body
            self.draft_error = exc.fields.get("body", exc.message) if exc.fields else exc.message
            if isinstance(exc, NotFound):
                self._clear_thread()
                self.thread_status = "notfound"
            return
        self.sending, self.draft, self._sent_body = False, "", body
        if client_id == self.composer_id:
            self._new_composer()  # the box empties (a new key), once
        await self._refresh_thread()
        yield type(self).after_send  # type: ignore[attr-defined]

    async def after_send(self):
        """Hook for the page (the messages page re-reads its list)."""
        return None

    async def upload_attachment(self, files: list[rx.UploadFile]):
        self.upload_error = ""
        upload = files[0] if isinstance(files, list) and files else None
        if not self.thread_id:
            return None
        if upload is None or not hasattr(upload, "read"):
            self.upload_error = "Choose an image (JPEG, PNG, WebP) or a PDF."
            return None
        limit = get_settings().max_upload_bytes
        data = await upload.read(limit + 1)
        name = str(upload.name or "file")
        cid = self.thread_id
        try:
            await self._db(lambda s, actor: chat_attachments.send_attachment(  # type: ignore[attr-defined]
                s, actor=actor, conversation_id=cid, filename=name, data=data))
        except NotAuthenticated:
            return self._login_redirect()  # type: ignore[attr-defined]
        except DomainError as exc:
            self.upload_error = error_text(exc)
            return None
        await self._refresh_thread()
        return [rx.toast.success(f"Sent {name}"), type(self).after_send]  # type: ignore[attr-defined]

    def reject_files(self, rejections: list[dict]):
        """The browser refused a file before upload (type or size)."""
        limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
        self.upload_error = f"Send a JPEG, PNG or WebP image or a PDF of at most {limit_mb} MB."

    @rx.event(background=True)
    async def watch_chat(self):
        """Live: new messages and read markers of this user (from any tab, any app process)
        refresh the page; ends when the tab leaves (state/live.py). `catch_up`: the channel is known
        only once the load found the viewer, so a hint sent before subscribing would be lost."""
        async with self:
            if not self._viewer_id:
                return
            key, path, channel = live.claim(self), self.router.url.path or "", user_channel(self._viewer_id)
        async for batch in live.watch(self, [channel], lambda: live.is_current(self, key, path), catch_up=True):
            if not wants_refresh(batch):
                continue
            shown_upto = self.messages[-1].id if self.messages else 0
            if only_reads_of(batch, self.thread_id) and self._read_upto >= shown_upto:
                continue  # the open thread is read up to what it shows: its row already says 0 unread
            if has_new_content(batch) and not self.sending:
                # The read runs outside the state lock (other events of this tab, e.g. the badge's
                # watcher, are not held up by it); the lock is held only to merge, and the delta
                # leaves when that block ends, before any bookkeeping write.
                fetched = await self._fetch_new()
                async with self:
                    if not live.is_current(self, key, path):
                        break
                    if not self.sending:
                        await self._apply_new(fetched)
            async with self:
                if not live.is_current(self, key, path):
                    break
                await self._after_live(batch)
