"""The in-lesson chat card on the lesson page: the pair's conversation, live."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import thread_panel
from tutorhub.components.ui import link_button
from tutorhub.state.messaging.lesson_chat import LessonChatState as C


def lesson_chat_card() -> rx.Component:
    """Shown to the lesson's student and tutor only (the state finds nothing for anyone else)."""
    header = rx.hstack(
        rx.heading("Chat with ", C.thread_title, size="4", as_="h2"),
        rx.spacer(),
        link_button("Open in Messages", href="/messages?c=" + C.thread_id.to_string(), variant="ghost", size="1"),
        align="center",
        width="100%",
    )
    return rx.box(
        rx.cond(
            C.thread_status == "ready",
            rx.card(thread_panel(C, upload_id="lesson-chat-upload", height="320px", header=header), width="100%",
                    id="lesson-chat"),
            rx.fragment(),
        ),
        on_mount=C.load,
        width="100%",
    )
