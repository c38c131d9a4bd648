"""A student's preferred lesson times: the weekly grid in their timezone and a lesson length."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import error_text, form_message, select_field, submit_button
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button, section
from tutorhub.components.week_grid import week_grid
from tutorhub.services.scheduling.schedule_input import LESSON_LENGTHS
from tutorhub.state.scheduling.student_times import StudentTimesState as S

LENGTHS = [(str(n), f"{n} minutes") for n in LESSON_LENGTHS]


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_message(S.message),
            section(
                "When can you take lessons?",
                rx.text(
                    "Times are in your timezone, ",
                    rx.text.strong(S.timezone),
                    ". ",
                    rx.link("Change it in your learning profile", href="/onboarding/student", underline="always"),
                    ".",
                    size="2",
                ),
                week_grid(
                    S,
                    hint="Mark the half-hours that suit you: click or tap one, or drag across several. "
                    "On a phone, pick a day first.",
                ),
                error_text("Times", S.errors.get("windows", "")),
            ),
            section(
                "Lesson length",
                rx.box(
                    select_field(
                        "Preferred lesson length",
                        "lesson_length",
                        LENGTHS,
                        errors=S.errors,
                        default_value=S.lesson_length,
                    ),
                    max_width="320px",
                    width="100%",
                ),
                description="Tutors who do not offer this length are matched with their closest one.",
            ),
            rx.flex(
                submit_button("Save my times"),
                rx.cond(S.grid_dirty, rx.badge("Unsaved changes", color_scheme="amber", high_contrast=True, size="2"), rx.fragment()),
                rx.cond(
                    S.saved_once,
                    link_button("Find tutors free at these times", href="/tutors?free=1", variant="soft", size="3"),
                    rx.fragment(),
                ),
                gap="12px",
                align="center",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=S.save,
        key=S.form_key,
        width="100%",
        aria_label="Preferred times",
    )


def student_times_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Your preferred lesson times",
            "We use them to suggest the best lesson times with each tutor and to find tutors who are free then.",
        ),
        _form(),
        width="100%",
    )
    return page(gate(S.status, ready), width="960px")
