"""/classes/[class_id]: the class, its schedule in your time and the tutor's, seats left, your actions."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate
from tutorhub.state.base import AppState
from tutorhub.state.classes.class_page import ClassPageState as S
from tutorhub.state.classes.class_page import SessionRow


def _session(row: SessionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.seq.to_string()),
        rx.table.cell(row.yours),
        rx.table.cell(row.tutors, color=rx.color("gray", 11)),
        rx.table.cell(row.status),
    )


def _student_actions() -> rx.Component:
    return rx.cond(
        AppState.viewer_role == "student",
        rx.hstack(
            rx.cond(
                (S.my_status == "") | (S.my_status == "OFFERED"),
                rx.button(rx.cond(S.seats_left > 0, "Enrol — pay from wallet", "Join the waitlist"),
                          on_click=S.enrol, loading=S.working, size="3", id="enrol"),
                rx.button("Leave", on_click=S.leave, loading=S.working, variant="soft", color_scheme="red", size="3",
                          id="leave"),
            ),
            rx.cond(S.my_status == "OFFERED",
                    rx.button("Decline the seat", on_click=S.leave, variant="soft", size="3"), rx.fragment()),
            spacing="3", wrap="wrap",
        ),
        rx.cond(AppState.signed_in, rx.fragment(),
                rx.link(rx.button("Log in to enrol", size="3"), href="/login")),
    )


def _owner_actions() -> rx.Component:
    return rx.cond(
        S.is_owner,
        rx.hstack(
            rx.cond(S.class_status == "DRAFT",
                    rx.button("Publish", on_click=S.publish, loading=S.working, size="3", id="publish"), rx.fragment()),
            rx.cond((S.class_status == "DRAFT") | (S.class_status == "PUBLISHED") | (S.class_status == "IN_PROGRESS"),
                    rx.button("Cancel class", on_click=S.cancel, loading=S.working, variant="soft",
                              color_scheme="red", size="3"), rx.fragment()),
            spacing="3",
        ),
        rx.fragment(),
    )


def _ready() -> rx.Component:
    return rx.vstack(
        page_header(S.title, S.subtitle),
        rx.hstack(
            rx.badge(S.class_status, variant="outline", size="2"),
            rx.badge(S.seats_left.to_string() + " of " + S.capacity.to_string() + " seats left", color_scheme="green",
                     size="2", id="seats-left"),
            rx.badge(S.waitlist.to_string() + " waiting", variant="soft", size="2"),
            rx.text(S.price, weight="bold"),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", on_click=S.refresh, variant="ghost", size="1"),
            spacing="3", wrap="wrap", align="center",
        ),
        rx.cond(S.my_text != "", rx.callout(S.my_text, icon="info"), rx.fragment()),
        rx.cond(S.message != "", rx.callout(S.message, color_scheme="red", icon="triangle_alert"), rx.fragment()),
        rx.cond(S.conflicts.length() > 0,
                rx.unordered_list(rx.foreach(S.conflicts, lambda c: rx.list_item(c, size="2"))), rx.fragment()),
        _student_actions(),
        _owner_actions(),
        rx.cond(S.description != "", rx.text(S.description, white_space="pre-wrap"), rx.fragment()),
        rx.heading("Schedule", size="4", as_="h2"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("#"), rx.table.column_header_cell("Your time"),
                    rx.table.column_header_cell("Tutor's time"), rx.table.column_header_cell("Status"),
                )),
                rx.table.body(rx.foreach(S.sessions, _session)),
                width="100%",
            ),
            overflow_x="auto", width="100%",
        ),
        spacing="4", width="100%", padding_bottom="40px",
    )


def class_page() -> rx.Component:
    return page(gate(S.status, _ready(), what="class"))
