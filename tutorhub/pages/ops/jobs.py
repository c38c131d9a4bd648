"""/admin/jobs: the periodic jobs, their last run and outcome, and "Run now"."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate
from tutorhub.state.ops.jobs import AdminJobsState, JobRow

J = AdminJobsState


def _outcome(value: rx.Var) -> rx.Component:
    return rx.match(
        value,
        ("ok", rx.badge("ok", color_scheme="green")),
        ("error", rx.badge("error", color_scheme="red", high_contrast=True)),
        ("running", rx.badge("running", color_scheme="blue")),
        ("", rx.badge("never ran", color_scheme="gray")),
        rx.badge(value, color_scheme="gray"),
    )


def _job(row: JobRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row.name, weight="bold"),
                _outcome(row.last_outcome),
                rx.spacer(),
                rx.button(rx.icon("play", size=14), "Run now", size="1", variant="soft",
                          loading=J.running == row.job_id, disabled=J.running != "",
                          on_click=J.run_now(row.job_id), aria_label="Run now: " + row.name),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text(row.description, size="2", color=rx.color("gray", 11)),
            rx.text(row.schedule, " · job ", rx.code(row.job_id, size="1"), size="1", color=rx.color("gray", 11)),
            rx.cond(
                row.last_when != "",
                rx.text("Last run: ", row.last_when, " (", row.last_trigger, ")", size="1", color=rx.color("gray", 11)),
                rx.fragment(),
            ),
            rx.cond(row.last_detail != "", rx.code(row.last_detail, size="1", white_space="pre-wrap",
                                                     word_break="break-word"), rx.fragment()),
            rx.cond(row.recent != "", rx.text("Recent: ", row.recent, size="1", color=rx.color("gray", 11)),
                    rx.fragment()),
            spacing="1",
            width="100%",
        ),
        width="100%",
        class_name="job-row",
    )


def admin_jobs_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Jobs",
            "Periodic jobs run by the elected scheduler leader; every run is recorded. Times in your zone.",
            rx.button(rx.icon("refresh-cw", size=16), "Refresh", variant="soft", on_click=J.load, loading=J.refreshing),
        ),
        rx.vstack(rx.foreach(J.rows, _job), spacing="2", width="100%"),
        spacing="3",
        width="100%",
    )
    return page(gate(J.status, ready), width="900px")
