"""Homework: /homework (the list, overdue flagged) and /homework/[homework_id] (send, answer,
review). Everything is shown as plain text."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, link_button, section
from tutorhub.services.learning.homework_views import ExerciseOut, HomeworkFileOut
from tutorhub.settings import get_settings
from tutorhub.state.learning.homework import HomeworkListState, HomeworkRow, HomeworkState

UPLOAD_ID = "homework-files"
ACCEPT = {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"],
          "image/webp": [".webp"]}
STATUS_COLORS = {"generating": "gray", "draft": "gray", "assigned": "blue", "submitted": "amber", "reviewed": "green"}


def _status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(status, color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"), size="2")


def _row(row: HomeworkRow) -> rx.Component:
    return rx.card(rx.link(rx.flex(
        rx.vstack(rx.text(row.title, weight="bold"), rx.text(row.who, " · due ", row.due_label, size="2",
                                                              color=rx.color("gray", 11)), spacing="1"),
        rx.hstack(rx.cond(row.overdue, rx.badge("Overdue", color_scheme="red", size="2"), rx.fragment()),
                  _status_badge(row.status), rx.cond(row.score != "", rx.badge(row.score, size="2"), rx.fragment()),
                  spacing="2"),
        justify="between", align="center", gap="12px", wrap="wrap", width="100%"),
        href=row.href, underline="none", color="inherit"), width="100%")


def homework_list_page() -> rx.Component:
    S = HomeworkListState
    ready = rx.vstack(
        page_header("Homework", "Set after lessons from the tutor's report: answer, attach your work, see the review."),
        rx.cond(S.rows.length() > 0, rx.vstack(rx.foreach(S.rows, _row), spacing="3", width="100%"),
                empty_state("notebook-pen", "No homework yet", "Homework appears here once a tutor sends it.")),
        spacing="4", width="100%",
    )
    return page(gate(S.status, ready))


def _exercise(e: ExerciseOut) -> rx.Component:
    S = HomeworkState
    return rx.card(rx.vstack(
        rx.text(e.number, ". ", e.prompt, weight="medium", white_space="pre-wrap"),
        rx.cond((S.viewer == "student") & ((S.hw_status == "assigned") | (S.hw_status == "submitted")),
                rx.text_area(name="answer_" + (e.number - 1).to(str), default_value=e.answer, rows="3", width="100%",
                             aria_label="Answer to exercise " + e.number.to(str)),
                rx.cond(e.answer != "", rx.text("Answer: ", e.answer, size="2", white_space="pre-wrap"),
                        rx.fragment())),
        rx.cond((S.viewer == "tutor") & (S.hw_status == "submitted"),
                rx.text_area(name="feedback_" + (e.number - 1).to(str), rows="2", width="100%",
                             placeholder="Feedback on this answer", aria_label="Feedback on exercise " + e.number.to(str)),
                rx.cond(e.feedback != "", rx.text("Feedback: ", e.feedback, size="2", color=rx.color("green", 11),
                                                  white_space="pre-wrap"), rx.fragment())),
        spacing="2", width="100%"), width="100%")


def _file(f: HomeworkFileOut) -> rx.Component:
    return rx.link(rx.hstack(rx.icon("paperclip", size=14), rx.text(f.name, size="2")), href=f.url, is_external=True)


def _send_form() -> rx.Component:
    S = HomeworkState
    return section("Edit and send", rx.form(rx.vstack(
        form_message(S.message),
        text_field("Title", "title", errors=S.errors, default_value=S.title),
        textarea_field("Exercises (a blank line between exercises)", "exercises", errors=S.errors,
                       default_value=S.exercises_text, rows="10"),
        text_field("Due date", "due_date", errors=S.errors, type="date", hint="Due at 18:00 UTC that day; default in 7 days."),
        submit_button("Send to the student"),
        spacing="3", width="100%"), on_submit=S.send, key=S.form_key, width="100%", aria_label="Send homework"))


def _upload() -> rx.Component:
    S = HomeworkState
    limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
    return rx.upload(
        rx.vstack(rx.icon("upload", size=20), rx.text(f"Attach a photo or PDF of your work (up to {limit_mb} MB)",
                                                      size="2"), align="center", spacing="1"),
        id=UPLOAD_ID, accept=ACCEPT, max_files=1, multiple=False, max_size=limit_mb * 1024 * 1024,
        on_drop=S.upload(rx.upload_files(upload_id=UPLOAD_ID)), on_drop_rejected=S.reject_files,
        border=f"2px dashed {rx.color('accent', 7)}", border_radius="var(--radius-4)", padding="16px", width="100%",
        cursor="pointer", aria_label="Attach a file to your answer",
    )


def homework_page() -> rx.Component:
    S = HomeworkState
    answering = (S.viewer == "student") & ((S.hw_status == "assigned") | (S.hw_status == "submitted"))
    reviewing = (S.viewer == "tutor") & (S.hw_status == "submitted")
    exercises = rx.vstack(rx.foreach(S.exercises, _exercise), spacing="3", width="100%")
    ready = rx.vstack(
        page_header(S.title, S.who, rx.hstack(
            _status_badge(S.hw_status), rx.badge(S.source_label, variant="soft", color_scheme="violet"),
            rx.text("Due ", S.due_label, size="2"),
            rx.cond(S.overdue, rx.badge("Overdue", color_scheme="red"), rx.fragment()),
            rx.cond(S.score != "", rx.badge("Score ", S.score, color_scheme="green", size="2"), rx.fragment()),
            spacing="3", align="center", wrap="wrap")),
        rx.cond((S.viewer == "tutor") & (S.hw_status == "draft"), _send_form(), rx.fragment()),
        rx.cond(answering, rx.form(rx.vstack(
            form_message(S.message), exercises,
            textarea_field("Anything else for your tutor (optional)", "answer_text", errors=S.errors,
                           default_value=S.answer_text, rows="3"),
            _upload(), rx.foreach(S.files, _file),
            submit_button(rx.cond(S.hw_status == "submitted", "Submit again", "Submit homework")),
            spacing="3", width="100%"), on_submit=S.submit, key=S.form_key, width="100%", aria_label="Your answers"),
            rx.cond(reviewing, rx.form(rx.vstack(
                form_message(S.message), exercises,
                rx.cond(S.answer_text != "", rx.text(S.answer_text, white_space="pre-wrap"), rx.fragment()),
                rx.foreach(S.files, _file),
                text_field("Score (0–100)", "score", errors=S.errors, type="number", min="0", max="100"),
                textarea_field("Overall feedback", "overall", errors=S.errors, rows="3"),
                submit_button("Send review"),
                spacing="3", width="100%"), on_submit=S.review, key=S.form_key, width="100%", aria_label="Review"),
                rx.vstack(exercises,
                          rx.cond(S.answer_text != "", rx.text(S.answer_text, white_space="pre-wrap"), rx.fragment()),
                          rx.foreach(S.files, _file),
                          rx.cond(S.overall_feedback != "", rx.callout(S.overall_feedback, icon="message-square"),
                                  rx.fragment()),
                          spacing="3", width="100%"))),
        link_button("All homework", href="/homework", variant="soft"),
        spacing="4", width="100%",
    )
    return page(gate(S.status, ready, what="homework"), width="860px")
