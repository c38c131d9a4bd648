"""The notification bell (every page), the /notifications page and the preferences form.

The bell's count and the 5 newest items belong to the signed-in viewer only and are re-read
through the services; BellState.load_bell runs on mount of the navigation and starts a
background watcher on "user:{id}" (tutorhub/state/live.py) that re-reads on every
{"type": "notification"} hint (or a broker "resync"), so every open tab updates within a second.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.services.messaging import notifications
from tutorhub.services.messaging import preferences as notification_prefs
from tutorhub.services.messaging.notifications import NotificationOut
from tutorhub.services.timefmt import human_when
from tutorhub.state import live
from tutorhub.state.base import AppState, form_checked, form_failure, safe_next

BELL_ITEMS = 5
LIVE_TYPES = frozenset({"notification", "resync"})


@dataclasses.dataclass
class NoteRow:
    id: int = 0
    kind: str = ""
    title: str = ""
    body: str = ""
    link: str = ""
    when: str = ""
    read: bool = False


def _rows(items: list[NotificationOut], zone: str) -> list[NoteRow]:
    return [NoteRow(id=n.id, kind=n.kind, title=n.title, body=n.body, link=n.link,
                    when=human_when(n.created_at, zone), read=n.read) for n in items]


def _bell_hint(batch: list[tuple[str, dict[str, Any]]]) -> bool:
    return live.has_type(batch, LIVE_TYPES)


class BellState(AppState):
    bell_unread: int = 0
    bell_items: list[NoteRow] = []
    _viewer_id: int = 0
    _live_key: str = ""

    async def _refresh_bell(self) -> None:
        def read(s, actor):
            if actor is None:
                return 0, [], 0, "UTC"
            page = notifications.list_notifications(s, actor=actor, limit=BELL_ITEMS)
            return page.unread, page.items, actor.id, self._zone_for(actor)

        unread, items, viewer, zone = await self._db(read, read_only=True)
        self.bell_unread, self.bell_items, self._viewer_id = unread, _rows(items, zone), viewer

    async def load_bell(self):
        await self._refresh_bell()
        return BellState.watch_bell if self._viewer_id else None

    @rx.event(background=True)
    async def watch_bell(self):
        """Keep this tab's bell live (ends when the tab leaves or navigates; see state/live.py)."""
        async with self:
            if not self._viewer_id:
                return
            key, path, channel = live.claim(self), self.router.url.path or "", f"user:{self._viewer_id}"
        async for batch in live.watch(self, [channel], lambda: live.is_current(self, key, path)):
            if not _bell_hint(batch):
                continue
            async with self:
                if not live.is_current(self, key, path):
                    break
                await self._refresh_bell()

    async def open_item(self, notification_id: Any):
        """Mark one of the viewer's notifications read and follow its link (others' ids: nothing)."""
        try:
            note = await self._db(lambda s, actor: notifications.mark_read(
                s, actor=actor, notification_id=notification_id, now=utcnow()))
        except DomainError:
            return None
        await self._refresh_bell()
        target = safe_next(note.link)
        return rx.redirect(target) if target else None

    async def mark_all_read(self):
        try:
            await self._db(lambda s, actor: notifications.mark_all_read(s, actor=actor, now=utcnow()))
        except NotAuthenticated:
            return self._login_redirect()
        await self._refresh_bell()
        return None


class NotificationsPageState(AppState):
    status: str = "loading"
    items: list[NoteRow] = []
    unread: int = 0
    has_more: bool = False
    loading_more: bool = False
    _next_before: int = 0
    _zone: str = "UTC"

    async def load(self):
        try:
            page, zone = await self._db(
                lambda s, actor: (notifications.list_notifications(s, actor=actor), self._zone_for(actor)),
                read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        self._zone = zone
        self.items = _rows(page.items, zone)
        self.unread, self.has_more, self._next_before = page.unread, page.next_before is not None, page.next_before or 0
        self.status = "ready"
        return None

    async def load_more(self):
        if not self._next_before:
            return None
        self.loading_more = True
        before = self._next_before
        try:
            page = await self._db(lambda s, actor: notifications.list_notifications(s, actor=actor, before=before),
                                  read_only=True)
        except NotAuthenticated:
            self.loading_more = False
            return self._login_redirect()
        self.items = self.items + _rows(page.items, self._zone)
        self.unread, self.has_more, self._next_before = page.unread, page.next_before is not None, page.next_before or 0
        self.loading_more = False
        return None

    async def mark_read(self, notification_id: Any):
        try:
            note = await self._db(lambda s, actor: notifications.mark_read(
                s, actor=actor, notification_id=notification_id, now=utcnow()))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        was_unread = any(r.id == note.id and not r.read for r in self.items)
        self.items = [dataclasses.replace(r, read=True) if r.id == note.id else r for r in self.items]
        if was_unread:  # marking an already-read one again must not lower the count
            self.unread = max(0, self.unread - 1)
        return BellState.load_bell

    async def mark_all_read(self):
        try:
            await self._db(lambda s, actor: notifications.mark_all_read(s, actor=actor, now=utcnow()))
        except NotAuthenticated:
            return self._login_redirect()
        self.items = [dataclasses.replace(r, read=True) for r in self.items]
        self.unread = 0
        return BellState.load_bell


@dataclasses.dataclass
class PrefCell:
    key: str = ""  # "kind:channel" (the checkbox name)
    kind: str = ""
    channel: str = ""
    enabled: bool = False
    needs_phone: bool = False


@dataclasses.dataclass
class PrefRow:
    kind: str = ""
    label: str = ""
    cells: list[PrefCell] = dataclasses.field(default_factory=list)


class NotificationPrefsState(AppState):
    status: str = "loading"
    rows: list[PrefRow] = []
    has_phone: bool = False
    has_email: bool = False
    saving: bool = False
    form_error: str = ""
    saved_note: str = ""

    def _show(self, out: notification_prefs.PreferencesOut) -> None:
        by_key = {(c.kind, c.channel): c.enabled for c in out.cells}
        self.has_phone, self.has_email = out.has_phone, out.has_email
        self.rows = [
            PrefRow(kind=kind, label=label, cells=[
                PrefCell(key=f"{kind}:{ch}", kind=kind, channel=ch, enabled=by_key.get((kind, ch), False),
                         needs_phone=ch != "email" and not out.has_phone)
                for ch in notification_prefs.EXTERNAL_CHANNELS
            ])
            for kind, label in notification_prefs.KINDS.items()
        ]

    async def load(self):
        self.form_error, self.saved_note = "", ""
        try:
            out = await self._db(lambda s, actor: notification_prefs.get_preferences(s, actor=actor), read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        self._show(out)
        self.status = "ready"
        return None

    async def save(self, form: dict[str, Any]):
        """The form posts one checkbox per kind:channel; unticked boxes are simply absent."""
        self.saving, self.form_error, self.saved_note = True, "", ""
        enabled = [f"{k}:{c}" for k in notification_prefs.KINDS for c in notification_prefs.EXTERNAL_CHANNELS
                   if form_checked(form, f"{k}:{c}")]
        try:
            out = await self._db(lambda s, actor: notification_prefs.save_preferences(s, actor=actor, enabled=enabled))
        except NotAuthenticated:
            self.saving = False
            return self._login_redirect()
        except DomainError as exc:
            self.saving = False
            self.form_error = form_failure(exc)[1]
            return None
        self._show(out)
        self.saving, self.saved_note = False, "Saved."
        return rx.toast.success("Notification preferences saved.")
