"""Study plans: /plans (your plans and "ask for a plan") and /plans/[plan_id] (the plan: weeks →
topics → tasks as a checklist, who drafted it, a tutor's edits, comments and history).
All text is shown as text: nothing a model wrote is rendered as HTML."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, select_field, submit_button, text_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, link_button, section
from tutorhub.services.learning.plan_edits import PlanEventOut
from tutorhub.services.learning.plan_views import PlanTaskOut, PlanTopicOut, PlanWeekOut
from tutorhub.state.learning.study_plans import PlanRow, PlanState, StudyPlansState

GRADES = [("primary", "Primary (1–5)"), ("middle", "Middle school (6–8)"), ("high", "High school (9–10)"),
          ("senior", "Senior secondary (11–12)"), ("cbse-10", "CBSE class 10"), ("cbse-12", "CBSE class 12"),
          ("icse-10", "ICSE class 10"), ("isc-12", "ISC class 12"), ("university", "University"),
          ("adult", "Adult / professional")]
WEEK_CHOICES = [(str(n), f"Week {n}") for n in range(1, 5)]


def _ask_form() -> rx.Component:
    S = StudyPlansState
    return rx.form(
        rx.vstack(
            form_message(S.message),
            rx.grid(
                text_field("Subject", "subject", errors=S.errors, placeholder="Mathematics"),
                select_field("Grade or exam board", "grade", GRADES, errors=S.errors, default_value="high"),
                text_field("Hours per week", "hours_per_week", errors=S.errors, default_value="5",
                           type="number", min="1", max="40"),
                text_field("Exam date (optional)", "exam_date", errors=S.errors, type="date"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
            textarea_field("Goal or exam", "goal", errors=S.errors, rows="2",
                           placeholder="e.g. Score 90% in the CBSE class 10 board exam"),
            text_field("Weak areas (optional, comma-separated, up to 5)", "weak_areas", errors=S.errors,
                       placeholder="quadratic equations, trigonometry"),
            rx.cond(S.viewer_role == "guardian",
                    text_field("Your child's student id", "student_id", errors=S.errors,
                               hint="Shown on your guardian page beside each child."),
                    rx.fragment()),
            rx.flex(
                submit_button("Draft my plan", loading=S.drafting),
                rx.cond(S.drafting, rx.hstack(rx.spinner(size="2"), rx.text("Drafting your 4-week plan…", size="2"),
                                              role="status", align="center"), rx.fragment()),
                gap="12px", align="center", wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=StudyPlansState.ask,
        key=S.form_key,
        width="100%",
        aria_label="Ask for a study plan",
    )


def _plan_row(row: PlanRow) -> rx.Component:
    return rx.card(
        rx.link(
            rx.flex(
                rx.vstack(
                    rx.text(row.title, weight="bold"),
                    rx.text(row.student_name, " · ", row.source_label, size="2", color=rx.color("gray", 11)),
                    spacing="1",
                ),
                rx.hstack(rx.progress(value=row.progress, width="100px", aria_label="Plan progress"),
                          rx.text(row.progress, "%", size="2"), align="center"),
                justify="between", align="center", gap="12px", wrap="wrap", width="100%",
            ),
            href=row.href, underline="none", color="inherit",
        ),
        width="100%",
    )


def study_plans_page() -> rx.Component:
    S = StudyPlansState
    ready = rx.vstack(
        page_header("Study plans", "A 4-week plan for a goal or an exam: weeks, topics and tasks you tick off."),
        rx.cond(
            (S.viewer_role == "student") | (S.viewer_role == "guardian"),
            section("Ask for a new plan", _ask_form(),
                    description="Claude drafts it when configured, otherwise our offline planner does; the plan says which."),
            rx.fragment(),
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, _plan_row), spacing="3", width="100%"),
            empty_state("list-checks", "No study plans yet", "Plans you ask for (or your students' plans) appear here."),
        ),
        spacing="5",
        width="100%",
    )
    return page(gate(S.status, ready, what="page"))


def _task(task: PlanTaskOut) -> rx.Component:
    S = PlanState
    tutor = S.viewer == "tutor"
    return rx.flex(
        rx.cond(
            S.viewer == "student",
            rx.checkbox(checked=task.done, on_change=lambda v: PlanState.toggle_task(task.id, v),
                        aria_label="Done: " + task.title, size="3"),
            rx.icon(rx.cond(task.done, "circle-check", "circle"), size=18, aria_label=rx.cond(task.done, "done", "to do")),
        ),
        rx.vstack(
            rx.text(task.title, weight="medium", text_decoration=rx.cond(task.done, "line-through", "none")),
            rx.cond(task.description != "", rx.text(task.description, size="2", color=rx.color("gray", 11)),
                    rx.fragment()),
            rx.hstack(
                rx.badge(task.minutes, " min", variant="soft", color_scheme="gray"),
                rx.cond(task.book_url, rx.link("Book a lesson on this", href=task.book_url.to(str), size="2"),
                        rx.fragment()),
                spacing="3", align="center", wrap="wrap",
            ),
            spacing="1", flex="1",
        ),
        rx.cond(
            tutor,
            rx.hstack(
                rx.select(["1", "2", "3", "4"], placeholder="Move", size="1", aria_label="Move to week",
                          on_change=lambda w: PlanState.move_task(task.id, w)),
                rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red",
                               aria_label="Remove task", on_click=PlanState.remove_task(task.id)),
                spacing="2",
            ),
            rx.fragment(),
        ),
        gap="12px", align="start", width="100%",
    )


def _topic(topic: PlanTopicOut) -> rx.Component:
    return rx.vstack(rx.heading(topic.title, size="3", as_="h3"), rx.foreach(topic.tasks, _task),
                     spacing="2", width="100%")


def _week(week: PlanWeekOut) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading("Week ", week.week, size="4", as_="h2"),
                rx.text(week.done, " of ", week.total, " done · ", week.minutes, " min", size="2",
                        color=rx.color("gray", 11)),
                justify="between", align="center", wrap="wrap", width="100%",
            ),
            rx.foreach(week.topics, _topic),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _event(event: PlanEventOut) -> rx.Component:
    return rx.vstack(
        rx.text(rx.text.strong(event.who), " · ", event.action, " · ", event.created_at, size="1",
                color=rx.color("gray", 10)),
        rx.text(event.body, size="2", white_space="pre-wrap"),
        spacing="0", width="100%",
    )


def _add_task_form() -> rx.Component:
    S = PlanState
    return rx.form(
        rx.vstack(
            form_message(S.message),
            rx.grid(
                select_field("Week", "week", WEEK_CHOICES, errors=S.errors, default_value="1"),
                text_field("Topic", "topic", errors=S.errors),
                text_field("Task", "title", errors=S.errors),
                text_field("Minutes", "minutes", errors=S.errors, default_value="30", type="number", min="5", max="600"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            textarea_field("Description (optional)", "description", errors=S.errors, rows="2"),
            rx.checkbox("Suggest booking a lesson on it", name="book_lesson"),
            submit_button("Add task"),
            spacing="3", width="100%",
        ),
        on_submit=PlanState.add_task, key=S.form_key, width="100%", aria_label="Add a task",
    )


def plan_page() -> rx.Component:
    S = PlanState
    ready = rx.vstack(
        page_header(S.header, S.details,
                    rx.hstack(rx.badge(S.source_label, size="2", color_scheme=rx.cond(S.source_label.contains("Claude"),
                                                                                       "violet", "gray")),
                              rx.text("For ", S.student_name, size="2"), spacing="3", align="center", wrap="wrap"),
                    rx.cond(S.fallback_reason != "",
                            rx.text("Claude was not used: ", S.fallback_reason, size="1", color=rx.color("gray", 10)),
                            rx.fragment()),
                    rx.hstack(rx.progress(value=S.progress, width="200px", aria_label="Plan progress"),
                              rx.text(S.progress, "% done", size="2"), align="center")),
        rx.cond(S.plan_status == "generating",
                rx.vstack(
                    rx.callout("This plan is still being drafted. Reload in a moment.", icon="loader", role="status"),
                    rx.cond((S.viewer == "student") | (S.viewer == "guardian"),
                            rx.button("Retry with the offline planner", size="2", variant="soft", on_click=S.retry,
                                      aria_label="Retry drafting this plan"),
                            rx.fragment()),
                    spacing="2", width="100%"),
                rx.fragment()),
        rx.grid(rx.foreach(S.weeks, _week), columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        rx.cond(S.viewer == "tutor", section("Add a task", _add_task_form(),
                                             description="Weeks cannot go over the student's hours per week."),
                rx.fragment()),
        section(
            "Comments and history",
            rx.form(
                rx.vstack(
                    textarea_field("Add a comment", "body", errors=S.errors, rows="2"),
                    submit_button("Comment", size="2"),
                    spacing="2", width="100%",
                ),
                on_submit=PlanState.comment, key=S.form_key, width="100%", aria_label="Comment on the plan",
            ),
            rx.vstack(rx.foreach(S.history, _event), spacing="3", width="100%"),
        ),
        link_button("All study plans", href="/plans", variant="soft"),
        spacing="5", width="100%",
    )
    return page(gate(S.status, ready, what="study plan"))
