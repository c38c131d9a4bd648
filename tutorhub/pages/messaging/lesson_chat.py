"""The in-lesson chat card on the lesson page: the pair's conversation, live."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import thread_card
from tutorhub.state.messaging.lesson_chat import LessonChatState as C


def lesson_chat_card() -> rx.Component:
    """Shown to the lesson's student and tutor only (the state finds nothing for anyone else)."""
    return thread_card(C, "Chat with ", C.thread_title, upload_id="lesson-chat-upload", card_id="lesson-chat")
