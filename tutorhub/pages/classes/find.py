"""/classes: find a group class (subject, grade), your classes, and a tutor's "new class" form."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import select_field, text_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.search_tabs import search_tabs
from tutorhub.components.ui import empty_state, link_button, loading_block
from tutorhub.services.classes.classes import DURATIONS
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.base import AppState
from tutorhub.state.classes.find import ClassRow
from tutorhub.state.classes.find import FindClassesState as S


def _card(row: ClassRow) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(rx.heading(row.title, size="4", as_="h3"), rx.spacer(),
                          rx.badge(row.seats, color_scheme="green", variant="soft"), width="100%", wrap="wrap"),
                rx.text(row.subject + " · " + row.grade + " · with " + row.tutor, size="2", color=rx.color("gray", 11)),
                rx.text("Starts " + row.when + " (your time) · " + row.sessions, size="2"),
                rx.hstack(rx.text(row.price, weight="bold"), rx.badge(row.status, variant="outline"), spacing="3"),
                spacing="2", width="100%",
            ),
            width="100%",
        ),
        href=row.href, underline="none", width="100%", class_name="class-card",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            text_field("Subject", "subject", placeholder="e.g. mathematics", field_id="class-subject"),
            text_field("Grade", "grade", placeholder="e.g. high, 9", field_id="class-grade"),
            select_field("Mode", "mode", [("online", "Online"), ("home", "Home"), ("centre", "Centre")],
                         placeholder="Any mode"),
            text_field("Max seat price", "max_price", placeholder="e.g. 100", field_id="class-max-price",
                       input_mode="decimal"),
            rx.el.label(rx.checkbox(name="seats_only", aria_label="Seats left only"), rx.text("Seats left only", size="2"),
                        display="flex", gap="6px", align_items="center", align_self="end", padding_bottom="8px"),
            rx.button("Search", type="submit", size="3", align_self="end"),
            spacing="3", width="100%", align="end", wrap="wrap",
        ),
        rx.cond(S.filter_error != "", rx.text(S.filter_error, color=rx.color("red", 11), size="2"), rx.fragment()),
        on_submit=S.search, width="100%",
    )


def _results() -> rx.Component:
    return rx.cond(
        S.status == "loading",
        loading_block(),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(
                rx.text(S.total.to_string() + " classes", size="2", color=rx.color("gray", 11)),
                rx.grid(rx.foreach(S.rows, _card), columns=rx.breakpoints(initial="1", md="2"), spacing="3",
                        width="100%"),
                rx.hstack(
                    rx.button("Previous", on_click=S.prev_page, variant="soft", disabled=S.page <= 1),
                    rx.text("Page " + S.page.to_string() + " of " + S.pages.to_string(), size="2"),
                    rx.button("Next", on_click=S.next_page, variant="soft", disabled=S.page >= S.pages),
                    align="center", spacing="3",
                ),
                spacing="3", width="100%",
            ),
            empty_state("users", "No classes match", "Try another subject or grade, or book a 1:1 lesson.",
                        link_button("Find tutors", href="/tutors", variant="soft")),
        ),
    )


def _new_class_form() -> rx.Component:
    e = S.create_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New class", size="4", as_="h2"),
                rx.text("Sessions repeat on an RFC 5545 rule in your local time, e.g. FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8. "
                        "You publish it from its page once you have checked the dates.", size="2",
                        color=rx.color("gray", 11)),
                rx.cond(S.create_message != "", rx.callout(S.create_message, color_scheme="red", icon="triangle_alert"),
                        rx.fragment()),
                text_field("Title", "title", errors=e),
                rx.grid(
                    text_field("Subject", "subject", errors=e, field_id="new-subject"),
                    text_field("Grade", "grade", errors=e, hint="optional", field_id="new-grade"),
                    select_field("Mode", "mode", [("online", "Online (2–8 seats)"), ("home", "Home"),
                                                   ("centre", "Centre")], errors=e, default_value="online"),
                    text_field("Capacity", "capacity", errors=e, input_mode="numeric", default_value="6"),
                    text_field("Minimum size", "min_size", errors=e, input_mode="numeric", default_value="3",
                               hint="cancelled and refunded 24 h before the start if fewer enrol"),
                    text_field("Seat price (whole course)", "price", errors=e, input_mode="decimal"),
                    select_field("Currency", "currency", [(c, c) for c in CURRENCIES], errors=e, default_value="EUR"),
                    select_field("Session length", "duration_min", [(str(d), f"{d} min") for d in DURATIONS],
                                 errors=e, default_value="60"),
                    text_field("Timezone", "timezone", errors=e, default_value=AppState.viewer_tz),
                    text_field("First session (local)", "first_start_local", errors=e, type="datetime-local"),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                text_field("Recurrence rule", "rrule", errors=e, default_value="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8"),
                textarea_field("Description", "description", errors=e, rows="3"),
                rx.button("Create draft", type="submit", size="3"),
                spacing="3", width="100%",
            ),
            on_submit=S.create, reset_on_submit=False,
        ),
        width="100%", id="new-class",
    )


def find_page() -> rx.Component:
    return page(
        search_tabs("classes"),
        page_header("Group classes", "Small live classes on a fixed schedule — fewer minutes, same tutors."),
        rx.vstack(
            _filters(),
            _results(),
            rx.cond(
                S.mine.length() > 0,
                rx.vstack(rx.heading("Your classes", size="4", as_="h2"),
                          rx.grid(rx.foreach(S.mine, _card), columns=rx.breakpoints(initial="1", md="2"), spacing="3",
                                  width="100%"), spacing="3", width="100%"),
                rx.fragment(),
            ),
            rx.cond(AppState.viewer_role == "tutor", _new_class_form(), rx.fragment()),
            spacing="5", width="100%", padding_bottom="40px",
        ),
    )
