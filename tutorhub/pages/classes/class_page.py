"""/classes/[class_id]: the class, its schedule in your time and the tutor's, seats left, your actions."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.components.forms import select_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button
from tutorhub.services.classes.attendance import RosterRow
from tutorhub.state.base import AppState
from tutorhub.state.classes.class_page import ClassPageState as S
from tutorhub.state.classes.class_page import ReviewRow, SessionRow


def _session(row: SessionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.seq.to_string()),
        rx.table.cell(row.yours),
        rx.table.cell(row.tutors, color=rx.color("gray", 11)),
        rx.table.cell(row.status),
        rx.table.cell(rx.cond(S.is_owner, rx.hstack(
            rx.button("Attendance", size="1", variant="soft", on_click=S.open_roster(row.id.to_string()),
                      aria_label="Attendance for session " + row.seq.to_string()),
            rx.cond((row.status == "scheduled") & (S.class_status != "DRAFT"),
                    rx.button("Cancel", size="1", variant="ghost", color_scheme="red",
                              on_click=S.cancel_session(row.id.to_string()),
                              aria_label="Cancel session " + row.seq.to_string()), rx.fragment()),
            spacing="1"), rx.fragment()),
            rx.cond((S.is_owner | (S.my_status == "ENROLLED")) & (row.status == "scheduled"),
                    rx.el.a("Video room", href="/classes/" + S.class_id.to_string() + "/sessions/"
                            + row.id.to_string() + "/room", class_name="rt-Text rt-r-size-1",
                            aria_label="Video room for session " + row.seq.to_string()),
                    rx.fragment())),
    )


def _mark_button(row: RosterRow, value: str, label: str, color: str) -> rx.Component:
    return rx.button(label, size="1", color_scheme=color, variant=rx.cond(row.mark == value, "solid", "outline"),
                     on_click=S.mark(row.student_id.to_string(), value),
                     aria_label=label + ": " + row.name, aria_pressed=row.mark == value)


def _roster_row(row: RosterRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.name, size="2", min_width="140px"),
        _mark_button(row, "present", "Present", "green"),
        _mark_button(row, "late", "Late", "amber"),
        _mark_button(row, "absent", "Absent", "red"),
        spacing="2", wrap="wrap", align="center", class_name="roster-row",
    )


def _tutor_tools() -> rx.Component:
    return rx.cond(
        S.is_owner & ((S.class_status == "PUBLISHED") | (S.class_status == "IN_PROGRESS")),
        rx.grid(
            rx.card(rx.form(
                rx.vstack(
                    rx.heading("Message every enrolled student", size="3", as_="h2"),
                    textarea_field("Update", "body", rows="3", hint="Goes to the class chat and to each student's "
                                   "notifications (email / SMS / WhatsApp as they chose)."),
                    rx.cond(S.broadcast_error != "", rx.text(S.broadcast_error, color=rx.color("red", 11), size="2"),
                            rx.fragment()),
                    rx.button("Send update", type="submit", id="broadcast"),
                    spacing="2", width="100%",
                ),
                on_submit=S.send_broadcast, reset_on_submit=True,
            ), width="100%"),
            rx.card(rx.vstack(
                rx.heading("Attendance", size="3", as_="h2"),
                rx.cond(S.roster_session == "",
                        rx.text("Pick a session's Attendance button in the schedule below (open from 15 minutes "
                                "before it starts).", size="2", color=rx.color("gray", 11)),
                        rx.vstack(rx.text(S.roster_label, weight="bold", size="2"),
                                  rx.cond(S.roster.length() > 0, rx.foreach(S.roster, _roster_row),
                                          rx.text("Nobody is enrolled yet.", size="2")),
                                  spacing="2", width="100%")),
                spacing="2", width="100%",
            ), width="100%", id="attendance"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
        ),
        rx.fragment(),
    )


def _pay_method(value: str, title: str, detail: Any, ok: Any) -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(rx.text(title, weight="bold", size="2"),
                  rx.text(detail, size="1", color=rx.cond(ok, rx.color("gray", 11), rx.color("red", 11))),
                  spacing="0", align="start"),
        value=value, width="100%", justify_content="start", id=f"pay-{value}",
    )


def _pay_choice() -> rx.Component:
    """Card / UPI, wallet, or credit minutes at the group rate (shown when a seat can be paid for)."""
    return rx.cond(
        (S.my_status == "OFFERED") | ((S.my_status == "") & (S.seats_left > 0)),
        rx.radio_cards.root(
            _pay_method("gateway", "Card / UPI", "Secure payment page; the seat is held while you pay", True),
            _pay_method("wallet", "Wallet", S.pay_wallet, S.pay_wallet_ok),
            _pay_method("credits", "Lesson credits (group rate)", S.pay_credits, S.pay_credits_ok),
            value=S.pay_method, on_value_change=S.set_pay_method, columns=rx.breakpoints(initial="1", sm="3"),
            size="1", width="100%", aria_label="Payment method",
        ),
        rx.fragment(),
    )


def _student_actions() -> rx.Component:
    return rx.cond(
        AppState.viewer_role == "student",
        rx.vstack(_pay_choice(), rx.hstack(
            rx.cond(
                (S.my_status == "") | (S.my_status == "OFFERED"),
                rx.button(rx.cond(S.seats_left > 0,
                                  rx.match(S.pay_method, ("credits", "Enrol — pay with credits"),
                                           ("gateway", "Enrol — pay by card / UPI"), "Enrol — pay from wallet"),
                                  "Join the waitlist"),
                          on_click=S.enrol, loading=S.working, size="3", id="enrol"),
                rx.button("Leave", on_click=S.leave, loading=S.working, variant="soft", color_scheme="red", size="3",
                          high_contrast=True,
                          id="leave"),
            ),
            rx.cond(S.my_status == "OFFERED",
                    rx.button("Decline the seat", on_click=S.leave, variant="soft", size="3"), rx.fragment()),
            spacing="3", wrap="wrap",
        ), spacing="3", width="100%"),
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
                              color_scheme="red", size="3", high_contrast=True), rx.fragment()),
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
                     size="2", high_contrast=True, id="seats-left"),
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
        rx.cond(S.chat_href != "", link_button(rx.icon("message-circle", size=16), "Class chat", href=S.chat_href,
                                               variant="soft"), rx.fragment()),
        _tutor_tools(),
        rx.cond(S.description != "", rx.text(S.description, white_space="pre-wrap"), rx.fragment()),
        rx.heading("Schedule", size="4", as_="h2"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("#"), rx.table.column_header_cell("Your time"),
                    rx.table.column_header_cell("Tutor's time"), rx.table.column_header_cell("Status"),
                    rx.table.column_header_cell(rx.cond(S.is_owner, "Roster", "")),
                )),
                rx.table.body(rx.foreach(S.sessions, _session)),
                width="100%",
            ),
            overflow_x="auto", width="100%",
        ),
        _reviews(),
        spacing="4", width="100%", padding_bottom="40px",
    )


def _review(row: ReviewRow) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(row.stars, color=rx.color("amber", 10), aria_label="rating"), rx.text(row.who, weight="bold",
                  size="2"), rx.text(row.when, size="1", color=rx.color("gray", 11)), spacing="2", wrap="wrap"),
        rx.cond(row.comment != "", rx.text(row.comment, size="2", white_space="pre-wrap"), rx.fragment()),
        spacing="1"), width="100%")


def _reviews() -> rx.Component:
    form = rx.card(rx.form(rx.vstack(
        rx.heading("Review this class", size="3", as_="h3"),
        select_field("Rating", "rating", [("5", "★★★★★ Excellent"), ("4", "★★★★ Good"), ("3", "★★★ Fair"),
                                          ("2", "★★ Poor"), ("1", "★ Bad")], errors=S.review_errors),
        textarea_field("Comment (optional)", "comment", rows="3", errors=S.review_errors, max_length=2000),
        rx.button("Post review", type="submit", id="post-review"),
        spacing="2", width="100%"), on_submit=S.submit_review, reset_on_submit=True), width="100%")
    return rx.vstack(
        rx.heading("Reviews", size="4", as_="h2"),
        rx.cond(S.review_summary != "", rx.text(S.review_summary, weight="bold", id="review-summary"),
                rx.text("No reviews yet: students who attended a session can review the class.", size="2",
                        color=rx.color("gray", 11))),
        rx.cond(S.can_review, form, rx.fragment()),
        rx.foreach(S.reviews, _review),
        spacing="2", width="100%", id="reviews",
    )


def class_page() -> rx.Component:
    return page(gate(S.status, _ready(), what="class"))
