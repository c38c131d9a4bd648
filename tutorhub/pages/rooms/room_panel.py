"""The video panel shared by the lesson page and a class session's room page (with the class chat
beside it there): a button that asks
for the room (RoomState.open_room), then either the in-app call (assets/js/room.js mounts into the
empty `data-video-room` element: preview and device picker, join, mute, camera, screen share,
participants with a speaking indicator, reconnect), the external meeting link when the SFU is
unavailable (and a sentence saying so), or when the room opens."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.chat_thread import thread_card
from tutorhub.components.layout import page
from tutorhub.components.ui import link_button
from tutorhub.state.classes.room_chat import ClassRoomChatState as CC
from tutorhub.state.rooms.room_panel import RoomState as R


def _call() -> rx.Component:
    # Rendered without children: room.js owns its content (React never re-renders into it).
    return rx.el.div(
        id="video-room",
        width="100%",
        custom_attrs={
            "data-video-room": "",
            "data-server": R.room_server,
            "data-token": R.room_token,
            "data-room": R.room_id,
            "data-display": R.room_display,
            "data-ice": R.room_ice,
        },
    )


def _external() -> rx.Component:
    return rx.vstack(
        rx.callout(R.room_message, icon="info", color_scheme="amber", width="100%", id="room-fallback"),
        link_button("Open the meeting link", href=R.room_url, external=True, size="2", id="meeting-link"),
        spacing="2",
        width="100%",
    )


def _closed() -> rx.Component:
    return rx.vstack(
        rx.text(R.room_message, size="2", id="room-message"),
        rx.button("Try again", variant="soft", size="2", on_click=R.open_room),
        spacing="2",
    )


def _ask() -> rx.Component:
    return rx.flex(
        rx.text("Camera and microphone in TutorHub; opens 10 minutes before the start.", size="2",
                color=rx.color("gray", 11), flex="1"),
        rx.button(rx.icon("video", size=16), "Open the video room", size="2", on_click=R.open_room, id="open-room"),
        gap="12px",
        align="center",
        wrap="wrap",
        width="100%",
    )


def video_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("video", size=18, color=rx.color("accent", 10)),
                      rx.heading("Video room", size="3", as_="h2"), align="center", spacing="2"),
            rx.match(
                R.room_state,
                ("sfu", _call()),
                ("external", _external()),
                ("closed", _closed()),
                ("none", _closed()),
                ("loading", rx.hstack(rx.spinner(size="2"), rx.text("Opening the room…", size="2"))),
                _ask(),
            ),
            rx.script(src="/vendor/adapter.js"),
            rx.script(src="/vendor/janus.js"),
            rx.script(src="/js/room.js"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="lesson-room",
    )


def class_room_page() -> rx.Component:
    """/classes/[class_id]/sessions/[session_id]/room: a class session's room for its tutor and
    enrolled students (up to 8 publishers)."""
    return page(
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("The class: schedule and class chat"),
                              spacing="1", align="center"),
                    href=R.room_back, size="2", id="room-back"),
            rx.heading("Class session room", size=rx.breakpoints(initial="5", sm="6"), as_="h1"),
            rx.text("Join from 10 minutes before the session starts. Joining marks you present.", size="2",
                    color=rx.color("gray", 11)),
            # The call with the class chat beside it (below it on a phone), as in a lesson's room.
            rx.grid(
                video_panel(),
                _class_chat_card(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="1100px",
    )


def _class_chat_card() -> rx.Component:
    """The class conversation, live: shown to the class's tutor and enrolled students only."""
    return thread_card(CC, "Class chat", upload_id="class-room-chat-upload", card_id="class-room-chat")
