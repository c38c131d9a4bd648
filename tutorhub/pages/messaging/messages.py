"""/messages: conversations with unread badges beside the open thread (phones: list → thread)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import thread_panel
from tutorhub.components.forms import form_message
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, link_button, loading_block
from tutorhub.state.base import AppState
from tutorhub.state.messaging.chat_badge import TutorChatLinkState
from tutorhub.state.messaging.messages import ChatState as S
from tutorhub.state.messaging.messages import ConversationRow

# Phones show one column: the list until a conversation is open, then only the thread.
PHONE_HIDDEN = {"@media (max-width: 767px)": {"&.phone-hidden": {"display": "none"}}}


def _row(row: ConversationRow) -> rx.Component:
    selected = S.thread_id == row.id
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(row.title, weight="bold", size="2", truncate=True),
                    rx.cond(row.role != "", rx.badge(row.role, variant="soft", size="1"), rx.fragment()),
                    spacing="2",
                    align="center",
                    min_width="0",
                ),
                rx.text(row.preview, size="1", color=rx.color("gray", 11), truncate=True, width="100%"),
                rx.text(row.at, size="1", color=rx.color("gray", 9)),
                spacing="1",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                row.unread > 0,
                rx.badge(row.unread.to_string(), color_scheme="red", high_contrast=True, radius="full", class_name="conversation-unread",
                         aria_label="unread messages"),
                rx.fragment(),
            ),
            align="center",
            width="100%",
        ),
        on_click=S.open_conversation(row.id),
        role="button",
        tab_index=0,
        aria_current=rx.cond(selected, "true", "false"),
        class_name="conversation-row",
        custom_attrs={"data-id": row.id},
        padding="10px 12px",
        border_radius="8px",
        cursor="pointer",
        background=rx.cond(selected, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
        width="100%",
    )


def _list() -> rx.Component:
    return rx.card(
        rx.cond(
            S.conversations.length() > 0,
            rx.vstack(rx.foreach(S.conversations, _row), spacing="1", width="100%"),
            rx.text("No conversations yet. A conversation with a tutor starts when you book a lesson.",
                    size="2", color=rx.color("gray", 11), padding="12px"),
        ),
        width="100%",
        class_name=rx.cond(S.thread_id != 0, "phone-hidden", ""),
        style=PHONE_HIDDEN,
        id="conversation-list",
    )


def _thread_header() -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("arrow-left"), variant="ghost", on_click=S.back_to_list, aria_label="Back to conversations",
                       display=["inline-flex", "inline-flex", "none"]),
        rx.heading(S.thread_title, size="4", as_="h2", id="thread-title"),
        rx.cond(S.thread_role == "support", rx.badge("TutorHub support", variant="soft"), rx.fragment()),
        align="center",
        spacing="2",
        width="100%",
    )


def _thread() -> rx.Component:
    return rx.card(
        rx.match(
            S.thread_status,
            ("ready", thread_panel(S, upload_id="chat-upload", header=_thread_header())),
            ("loading", loading_block("Opening the conversation…")),
            ("notfound", empty_state("search-x", "Conversation not found",
                                     "It does not exist, or you are not part of it.")),
            rx.center(rx.text("Choose a conversation.", color=rx.color("gray", 11)), padding_y="48px", width="100%"),
        ),
        width="100%",
        class_name=rx.cond(S.thread_id == 0, "phone-hidden", ""),
        style=PHONE_HIDDEN,
    )


def _support_form() -> rx.Component:
    return rx.cond(
        AppState.viewer_role == "admin",
        rx.form(
            rx.flex(
                rx.input(name="email", type="email", placeholder="user@example.com", aria_label="User's email",
                         required=True, id="support-email"),
                rx.button("Open support conversation", type="submit", variant="soft"),
                gap="8px",
                wrap="wrap",
                align="center",
            ),
            form_message(S.support_error),
            on_submit=S.open_support,
            reset_on_submit=False,
            margin_bottom="16px",
        ),
        rx.fragment(),
    )


def messages_page() -> rx.Component:
    return page(
        page_header("Messages", "Your conversations with tutors, students and TutorHub support."),
        rx.cond(
            S.chat_status == "ready",
            rx.vstack(
                _support_form(),
                rx.grid(
                    _list(),
                    _thread(),
                    columns=rx.breakpoints(initial="1", md="320px 1fr"),
                    gap="16px",
                    width="100%",
                    align_items="start",
                ),
                width="100%",
            ),
            loading_block(),
        ),
    )


def message_tutor_box() -> rx.Component:
    """On a tutor's profile: "Message tutor" for a student who already has a conversation with
    the tutor (it starts with their first booking)."""
    conv = TutorChatLinkState.chat_with_tutor
    return rx.box(
        rx.cond(
            conv > 0,
            link_button(rx.icon("message-circle", size=16), "Message tutor", href="/messages?c=" + conv.to_string(),
                        variant="soft", width="100%", id="message-tutor"),
            rx.fragment(),
        ),
        on_mount=TutorChatLinkState.load,
        width="100%",
    )
