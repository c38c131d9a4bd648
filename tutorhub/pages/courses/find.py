"""/courses: find a recorded course (subject, grade, price, rating), your courses, and a tutor's "new course" form."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import select_field, text_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.search_tabs import search_tabs
from tutorhub.components.ui import empty_state, link_button, loading_block
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.base import AppState
from tutorhub.state.courses.find import CourseRow
from tutorhub.state.courses.find import FindCoursesState as S


def course_card(row: CourseRow) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(rx.heading(row.title, size="4", as_="h3"), rx.spacer(),
                          rx.badge(row.price, color_scheme="green", variant="soft"), width="100%", wrap="wrap"),
                rx.text(row.subtitle, size="2", color=rx.color("gray", 11)),
                rx.hstack(rx.text(row.rating, size="2"), rx.badge(row.status, variant="outline"), spacing="3"),
                spacing="2", width="100%",
            ),
            width="100%",
        ),
        href=row.href, underline="none", width="100%", class_name="course-card",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            text_field("Subject", "subject", placeholder="e.g. mathematics", field_id="course-subject"),
            text_field("Grade", "grade", placeholder="e.g. high, 9", field_id="course-grade"),
            text_field("Max price", "max_price", placeholder="e.g. 50", field_id="course-max-price",
                       input_mode="decimal"),
            select_field("Rating", "min_rating", [("4", "4 stars and up"), ("3", "3 stars and up")],
                         placeholder="Any rating"),
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
                rx.text(S.total.to_string() + " courses", size="2", color=rx.color("gray", 11)),
                rx.grid(rx.foreach(S.rows, course_card), columns=rx.breakpoints(initial="1", md="2"), spacing="3",
                        width="100%"),
                rx.hstack(
                    rx.button("Previous", on_click=S.prev_page, variant="soft", disabled=S.page <= 1),
                    rx.text("Page " + S.page.to_string() + " of " + S.pages.to_string(), size="2"),
                    rx.button("Next", on_click=S.next_page, variant="soft", disabled=S.page >= S.pages),
                    align="center", spacing="3",
                ),
                spacing="3", width="100%",
            ),
            empty_state("video", "No courses match", "Try another subject, or find a tutor for live lessons.",
                        link_button("Find tutors", href="/tutors", variant="soft")),
        ),
    )


def _new_course_form() -> rx.Component:
    e = S.create_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New course", size="4", as_="h2"),
                rx.text("Create the course, then add chapters and upload their videos on its builder page. Students "
                        "can buy it once you publish.", size="2", color=rx.color("gray", 11)),
                rx.cond(S.create_message != "", rx.callout(S.create_message, color_scheme="red", icon="triangle_alert"),
                        rx.fragment()),
                text_field("Title", "title", errors=e, field_id="new-course-title"),
                rx.grid(
                    text_field("Subject", "subject", errors=e, field_id="new-course-subject"),
                    text_field("Grade", "grade", errors=e, hint="optional", field_id="new-course-grade"),
                    text_field("Price", "price", errors=e, input_mode="decimal", hint="0 for a free course",
                               field_id="new-course-price"),
                    select_field("Currency", "currency", [(c, c) for c in CURRENCIES], errors=e, default_value="EUR"),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                ),
                textarea_field("Description", "description", errors=e, rows="3"),
                rx.button("Create draft", type="submit", size="3", id="create-course"),
                spacing="3", width="100%",
            ),
            on_submit=S.create, reset_on_submit=False,
        ),
        width="100%", id="new-course",
    )


def find_page() -> rx.Component:
    return page(
        search_tabs("courses"),
        page_header("Courses", "Recorded video courses by our tutors — learn at your own pace, from a free preview."),
        rx.vstack(
            _filters(),
            _results(),
            rx.cond(
                S.mine.length() > 0,
                rx.vstack(rx.heading("Your courses", size="4", as_="h2"),
                          rx.grid(rx.foreach(S.mine, course_card), columns=rx.breakpoints(initial="1", md="2"),
                                  spacing="3", width="100%"), spacing="3", width="100%"),
                rx.fragment(),
            ),
            rx.cond(AppState.viewer_role == "tutor", _new_course_form(), rx.fragment()),
            spacing="5", width="100%", padding_bottom="40px",
        ),
    )
