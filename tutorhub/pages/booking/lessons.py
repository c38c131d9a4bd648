"""'My lessons' (/lessons): upcoming and past lessons, and a tutor's pending requests."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.schedule_pager import event_pager
from tutorhub.components.ui import empty_state, gate, link_button
from tutorhub.state.booking.lessons import MyLessonsState as M
from tutorhub.state.lesson_views import LessonRow


def lesson_card(row: LessonRow, *, actions: rx.Component | None = None) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.badge(row.status_label, color_scheme=row.color, variant="soft", high_contrast=True,
                             class_name="status-badge"),
                    rx.text(row.title, size="2", weight="bold"),
                    align="center",
                    wrap="wrap",
                    spacing="2",
                ),
                rx.text(row.when, size="3", weight="medium", class_name="lesson-when"),
                rx.cond(
                    row.other_time != "",
                    rx.text(row.other_time, size="1", color=rx.color("gray", 11), class_name="lesson-other-time"),
                    rx.fragment(),
                ),
                rx.text(row.with_whom, " · ", row.price, size="2", color=rx.color("gray", 11)),
                spacing="1",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.flex(
                actions if actions is not None else rx.fragment(),
                link_button("Open", href=row.href, variant="soft", size="2"),
                gap="8px",
                wrap="wrap",
                justify="end",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="12px",
            align=rx.breakpoints(initial="stretch", sm="center"),
            width="100%",
        ),
        width="100%",
        class_name="lesson-card",
        custom_attrs={"data-lesson": row.id.to_string()},
    )


def _request_actions(row: LessonRow) -> rx.Component:
    return rx.fragment(
        rx.button(
            "Decline",
            variant="soft",
            color_scheme="red", high_contrast=True,
            size="2",
            on_click=M.decline(row.id),
            loading=M.acting_on == row.id,
        ),
        rx.button("Accept", size="2", on_click=M.accept(row.id), loading=M.acting_on == row.id),
    )


def _requests() -> rx.Component:
    return rx.cond(
        M.is_tutor & (M.requests.length() > 0),
        rx.vstack(
            rx.hstack(
                rx.heading("Requests waiting for you", size="4", as_="h2"),
                rx.badge(M.requests.length().to_string(), color_scheme="orange", high_contrast=True),
                align="center",
            ),
            rx.text(
                "Accept or decline within 24 hours; unanswered requests are declined automatically.",
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.foreach(M.requests, lambda r: lesson_card(r, actions=_request_actions(r))),
            spacing="3",
            width="100%",
            id="pending-requests",
            margin_bottom="24px",
        ),
        rx.fragment(),
    )


def _list() -> rx.Component:
    empty = rx.cond(
        M.tab == "upcoming",
        empty_state(
            "calendar",
            "No upcoming lessons",
            rx.cond(
                M.is_tutor,
                "Students book your free times on your public profile.",
                "Find a tutor and pick a free time to book a lesson.",
            ),
            rx.cond(M.is_tutor, rx.fragment(), link_button("Find a tutor", href="/tutors", variant="soft")),
        ),
        empty_state("history", "No past lessons yet", "Lessons you have had will appear here."),
    )
    items = rx.vstack(
        rx.foreach(M.rows, lesson_card),
        event_pager(M.page, M.pages, M.go_page),
        spacing="3",
        width="100%",
        id="lesson-list",
    )
    return rx.box(
        rx.cond(M.rows.length() > 0, items, empty),
        opacity=rx.cond(M.list_loading, "0.45", "1"),
        aria_busy=rx.cond(M.list_loading, "true", "false"),
        width="100%",
    )


def _body() -> rx.Component:
    return rx.vstack(
        page_header("My lessons", "Times are in your timezone, with the other side's time beside."),
        _requests(),
        rx.tabs.root(
            rx.tabs.list(rx.tabs.trigger("Upcoming", value="upcoming"), rx.tabs.trigger("Past", value="past")),
            # The shown tab's panel holds the list, so the selected tab controls an element that exists.
            rx.tabs.content(_list(), value=M.tab, padding_top="12px"),
            value=M.tab,
            on_change=M.set_tab,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def lessons_page() -> rx.Component:
    return page(gate(M.lessons_status, _body(), what="page"), width="860px")
