"""The "From video courses" card on /earnings (state/courses/earnings.py)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ui import link_button
from tutorhub.state.courses.earnings import CourseEarningsState as S
from tutorhub.state.courses.earnings import CourseMoneyRow


def _row(row: CourseMoneyRow) -> rx.Component:
    return rx.table.row(rx.table.cell(row.currency), rx.table.cell(row.sales.to_string()),
                        rx.table.cell(row.in_window), rx.table.cell(row.earned, weight="bold"))


def course_earnings_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("From video courses", size="4", as_="h2"),
        rx.text("A course sale becomes yours (minus the platform commission) 7 days after the student enrolled, "
                "once the refund window has passed; it is then in your available balance above.", size="2",
                color=rx.color("gray", 11)),
        rx.cond(S.rows.length() > 0,
                rx.table.root(rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Currency"), rx.table.column_header_cell("Paid enrolments"),
                    rx.table.column_header_cell("In the refund window"), rx.table.column_header_cell("Earned"))),
                    rx.table.body(rx.foreach(S.rows, _row)), width="100%"),
                rx.hstack(rx.text("No course sales yet.", size="2"),
                          link_button("Create a course", href="/courses", variant="soft", size="1"), align="center")),
        spacing="3", width="100%"), width="100%", id="course-earnings")
