"""The report card on the lesson page: the tutor's form after the lesson, or the report itself."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field, textarea_field
from tutorhub.components.ui import link_button
from tutorhub.state.learning.lesson_report import LessonReportState as R


def _chips(items: rx.Var) -> rx.Component:
    return rx.flex(rx.foreach(items, lambda t: rx.badge(t, variant="soft", size="2")), gap="6px", wrap="wrap")


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_message(R.message),
            text_field("Topics covered (comma-separated)", "topics", errors=R.errors),
            rx.cond(R.suggested.length() > 0, rx.vstack(
                rx.text("Common mistakes to pick from", size="2", weight="medium"),
                rx.foreach(R.suggested, lambda m, i: rx.checkbox(m, name="pick_" + i.to(str), size="2")),
                spacing="1"), rx.fragment()),
            text_field("Other mistakes seen (comma-separated)", "mistakes", errors=R.errors),
            textarea_field("Notes for the student and guardian", "notes", errors=R.errors, rows="3"),
            rx.checkbox("Draft homework from this report", name="homework", default_checked=True),
            rx.flex(submit_button("Save report", loading=R.drafting),
                    rx.cond(R.drafting, rx.text("Drafting homework…", size="2", role="status"), rx.fragment()),
                    gap="12px", align="center"),
            spacing="3", width="100%",
        ),
        on_submit=R.write_report, width="100%", aria_label="Lesson report",
    )


def report_card() -> rx.Component:
    return rx.match(
        R.report_status,
        ("write", rx.card(rx.vstack(rx.heading("Lesson report", size="3", as_="h2"), _form(), spacing="3",
                                    width="100%"), width="100%", id="lesson-report")),
        ("ready", rx.card(rx.vstack(
            rx.heading("Lesson report", size="3", as_="h2"),
            rx.text("Topics covered", size="2", weight="medium"), _chips(R.topics),
            rx.cond(R.mistakes.length() > 0, rx.vstack(rx.text("Mistakes to work on", size="2", weight="medium"),
                                                      _chips(R.mistakes), spacing="1"), rx.fragment()),
            rx.cond(R.notes != "", rx.text(R.notes, size="2", white_space="pre-wrap"), rx.fragment()),
            rx.cond(R.homework_href != "", link_button("Open the homework", href=R.homework_href, variant="soft"),
                    rx.fragment()),
            spacing="2", width="100%"), width="100%", id="lesson-report")),
        rx.fragment(),
    )
