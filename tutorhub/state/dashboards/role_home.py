"""The signed-in home (/home) of a tutor or a student: one read (services/dashboards/role_home.py),
kept as display rows only (names, times in the viewer's zone, amounts) — no ids of other users."""

from __future__ import annotations

import dataclasses

import reflex as rx

from tutorhub.models import Role
from tutorhub.services.currency import format_money
from tutorhub.services.dashboards.role_home import RoleHome, role_home
from tutorhub.services.messaging.views import ConversationOut
from tutorhub.services.timefmt import format_local
from tutorhub.state.base import AppState, read_for_page
from tutorhub.state.lesson_views import LessonRow, lesson_row


@dataclasses.dataclass
class ChatRow:
    href: str = ""
    title: str = ""
    preview: str = ""
    unread: int = 0
    at: str = ""


@dataclasses.dataclass
class MoneyRow:
    label: str = ""
    amount: str = ""


def _chat_row(c: ConversationOut, zone: str) -> ChatRow:
    at = format_local(c.last_message_at.isoformat(), zone, with_zone=False) if c.last_message_at else ""
    return ChatRow(href=f"/messages?c={c.id}", title=c.title, preview=c.last_message or "No messages yet",
                   unread=c.unread, at=at)


def _money_rows(home: RoleHome) -> list[MoneyRow]:
    rows = []
    for t in home.earnings:
        rows.append(MoneyRow(label=f"Available ({t.currency})", amount=format_money(t.available_minor, t.currency)))
        if t.held_in_escrow_minor:
            rows.append(MoneyRow(label=f"After lessons settle ({t.currency})",
                                 amount=format_money(t.held_in_escrow_minor, t.currency)))
    return rows


class RoleHomeState(AppState):
    status: str = "loading"  # loading | ready | forbidden
    is_tutor: bool = False
    greeting: str = ""
    lessons: list[LessonRow] = []
    lessons_total: int = 0
    requests: list[LessonRow] = []
    requests_total: int = 0
    money: list[MoneyRow] = []
    chats: list[ChatRow] = []
    unread_messages: int = 0

    def _forget(self) -> None:
        self.lessons, self.requests, self.money, self.chats = [], [], [], []
        self.lessons_total = self.requests_total = self.unread_messages = 0

    async def load(self):
        self.status = "loading"
        ok, home = await read_for_page(self, lambda s, actor: role_home(s, actor=actor), forget=self._forget)
        if not ok:
            if self.viewer_role == Role.ADMIN:
                return rx.redirect("/admin/verification")
            return home
        self.is_tutor = home.role == Role.TUTOR
        self.greeting = f"Hello, {home.first_name}" if home.first_name else "Hello"
        self.lessons = [lesson_row(b) for b in home.lessons]
        self.lessons_total = home.lessons_total
        self.requests = [lesson_row(b) for b in home.requests]
        self.requests_total = home.requests_total
        self.money = _money_rows(home)
        self.chats = [_chat_row(c, home.timezone) for c in home.conversations]
        self.unread_messages = home.unread_messages
        self.status = "ready"
        return None
