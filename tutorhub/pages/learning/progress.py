"""Progress: hours per subject per month and homework scores (charts), plan completion, the latest
lesson reports, and the monthly report to print or download."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, section
from tutorhub.services.learning.progress import PlanProgress, ReportSummary
from tutorhub.state.learning.progress import SLOTS, ProgressState

COLORS = ["#3e63dd", "#12a594", "#e54666", "#f76b15"]


def _stat(label: str, value: rx.Var) -> rx.Component:
    return rx.card(rx.vstack(rx.text(label, size="1", color=rx.color("gray", 11)), rx.heading(value, size="5"),
                             spacing="1"), width="100%")


def _hours_chart() -> rx.Component:
    S = ProgressState
    return rx.recharts.bar_chart(
        *[rx.recharts.bar(data_key=f"s{i}", name=S.slot_names[i], stack_id="hours", fill=COLORS[i])
          for i in range(SLOTS)],
        rx.recharts.x_axis(data_key="month"),
        rx.recharts.y_axis(allow_decimals=True),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        data=S.hour_rows, width="100%", height=280,
    )


def _scores_chart() -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.line(data_key="score", stroke=COLORS[0], name="Score"),
        rx.recharts.x_axis(data_key="date"),
        rx.recharts.y_axis(domain=[0, 100]),
        rx.recharts.graphing_tooltip(),
        data=ProgressState.score_rows, width="100%", height=240,
    )


def _plan(p: PlanProgress) -> rx.Component:
    return rx.link(rx.flex(rx.text(p.title, size="2"), rx.hstack(rx.progress(value=p.progress, width="120px",
                                                                             aria_label="Plan progress"),
                                                              rx.text(p.progress, "%", size="2"), align="center"),
                           justify="between", align="center", gap="12px", wrap="wrap", width="100%"),
                   href="/plans/" + p.id.to(str), underline="none", color="inherit", width="100%")


def _report(r: ReportSummary) -> rx.Component:
    return rx.vstack(
        rx.text(r.date, " · ", r.subject, size="2", weight="bold"),
        rx.text("Topics: ", r.topics, size="2"),
        rx.cond(r.mistakes != "", rx.text("Mistakes to work on: ", r.mistakes, size="2"), rx.fragment()),
        rx.cond(r.notes != "", rx.text(r.notes, size="2", color=rx.color("gray", 11), white_space="pre-wrap"),
                rx.fragment()),
        spacing="1", width="100%",
    )


def _download(month: rx.Var) -> rx.Component:
    S = ProgressState
    return rx.link(month, href="/api/v1/students/" + S.student_id.to(str) + "/progress/report?month=" + month,
                   is_external=True, size="2")


def progress_page() -> rx.Component:
    S = ProgressState
    ready = rx.vstack(
        page_header(rx.cond(S.student_name != "", "Progress · " + S.student_name, "Progress"),
                    "Hours of lessons, study plans, homework and the tutor's reports.",
                    rx.button(rx.icon("printer", size=16), "Print", variant="soft", on_click=S.print_page)),
        rx.grid(_stat("Hours of lessons", S.total_hours), _stat("Lessons", S.lessons),
                _stat("Average homework score", S.average_score),
                _stat("Open homework (overdue)", S.open_homework.to(str) + " (" + S.overdue_homework.to(str) + ")"),
                columns=rx.breakpoints(initial="2", md="4"), spacing="3", width="100%"),
        section("Hours per subject", rx.cond(S.hour_rows.length() > 0, _hours_chart(),
                                             rx.text("No lessons taught yet.", size="2"))),
        section("Homework scores", rx.cond(S.scores.length() > 0, _scores_chart(),
                                           rx.text("No reviewed homework yet.", size="2"))),
        section("Study plans", rx.cond(S.plans.length() > 0, rx.vstack(rx.foreach(S.plans, _plan), spacing="3",
                                                                       width="100%"),
                                       rx.text("No study plans yet.", size="2"))),
        section("Latest lesson reports", rx.cond(S.reports.length() > 0,
                                                 rx.vstack(rx.foreach(S.reports, _report), spacing="4", width="100%"),
                                                 empty_state("file-text", "No reports yet",
                                                             "Tutors write a report after each lesson."))),
        section("Monthly reports", rx.cond(S.months.length() > 0,
                                           rx.flex(rx.foreach(S.months, _download), gap="12px", wrap="wrap"),
                                           rx.text("A report appears for each month with lessons.", size="2")),
                description="Plain-text reports to download, print or keep."),
        spacing="4", width="100%",
    )
    return page(gate(S.status, ready, what="student"))
