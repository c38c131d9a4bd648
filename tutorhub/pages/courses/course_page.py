"""/courses/[course_id]: the course — player and notes, chapters with progress, the pay panel, reviews."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import select_field, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button
from tutorhub.state.base import AppState
from tutorhub.state.courses.course_page import ChapterRow, ReviewRow
from tutorhub.state.courses.course_page import CoursePageState as S


def _chapter(row: ChapterRow) -> rx.Component:
    mark = rx.cond(row.completed, rx.icon("circle-check", color=rx.color("green", 10), size=18, aria_label="Completed"),
                   rx.icon("circle", color=rx.color("gray", 8), size=18, aria_label="Not completed"))
    return rx.hstack(
        mark,
        rx.text(row.label, size="2", weight=rx.cond(row.id == S.current_id, "bold", "regular"), flex="1"),
        rx.cond(row.preview, rx.badge("Free preview", color_scheme="green", variant="soft"), rx.fragment()),
        rx.cond(row.playable,
                rx.button("Play", size="1", variant=rx.cond(row.id == S.current_id, "solid", "soft"),
                          on_click=S.play(row.id), aria_label="Play " + row.label),
                rx.icon("lock", size=16, color=rx.color("gray", 9), aria_label="Enrol to watch")),
        width="100%", align="center", spacing="2", class_name="chapter-row", padding_y="6px",
    )


def _player() -> rx.Component:
    return rx.cond(
        S.video_src != "",
        rx.vstack(
            rx.el.video(src=S.video_src, controls=True, id="course-video", key=S.current_id, preload="metadata",
                        custom_attrs={"data-chapter": S.current_id.to_string()},
                        plays_inline=True, width="100%", style={"background": "#000", "border_radius": "8px",
                                                                "max_height": "480px"}),
            rx.heading(S.current_title, size="4", as_="h2"),
            rx.cond(S.notes_html != "", rx.box(rx.html(S.notes_html), class_name="chapter-notes", width="100%"),
                    rx.fragment()),
            spacing="3", width="100%",
        ),
        rx.card(rx.vstack(
            rx.icon("circle-play", size=40, color=rx.color("gray", 9)),
            rx.text(rx.cond(AppState.viewer_role == "", "Log in to watch the free preview, or enrol for the whole "
                            "course.", "Enrol to watch every chapter."), size="2"),
            align="center", spacing="2", padding="40px"), width="100%"),
    )


def _method(value: str, title: str, detail: rx.Var | str, ok: rx.Var | bool) -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(rx.text(title, weight="bold", size="2"),
                  rx.text(detail, size="1", color=rx.cond(ok, rx.color("gray", 11), rx.color("red", 11))),
                  spacing="0", align="start"),
        value=value, width="100%", justify_content="start")


def _pay_panel() -> rx.Component:
    methods = rx.radio_cards.root(
        _method("gateway", "Card / UPI", "Secure payment page", True),
        _method("wallet", "Wallet", S.wallet_text, S.wallet_ok),
        rx.cond(S.credits_offered, _method("credits", "Credits", S.credits_text, S.credits_ok), rx.fragment()),
        value=S.pay_method, on_value_change=S.set_pay_method,
        columns=rx.cond(S.credits_offered, "3", "2"),
        size="1", width="100%", aria_label="Payment method",
    )
    return rx.card(rx.vstack(
        rx.hstack(rx.text("Price", size="2"), rx.spacer(), rx.text(S.price, weight="bold", size="4", id="course-price"),
                  width="100%", align="baseline"),
        rx.cond(S.credit_price != "", rx.text(S.credit_price, size="1", color=rx.color("gray", 11),
                                              id="course-credit-price", align="right", width="100%"), rx.fragment()),
        rx.cond(S.free, rx.fragment(), methods),
        rx.cond(AppState.viewer_role == "guardian",
                rx.cond(S.children.length() > 0,
                        rx.vstack(rx.text("For", size="2"),
                                  rx.select.root(rx.select.trigger(aria_label="Which child the course is for"),
                                                 rx.select.content(rx.foreach(S.children, lambda c: rx.select.item(
                                                     c[1], value=c[0]))),
                                                 value=S.child_id, on_change=S.set_child),
                                  spacing="1", width="100%"),
                        rx.text("Link your child's account first (Guardians page).", size="2",
                                color=rx.color("red", 11))),
                rx.fragment()),
        rx.text(rx.cond(S.pay_method == "credits",
                        "Full refund of the minutes within 7 days if you watched less than 20 %.",
                        "Full refund to your wallet within 7 days if you watched less than 20 %."), size="1",
                color=rx.color("gray", 11)),
        rx.cond(S.message != "", rx.text(S.message, color=rx.color("red", 11), size="2", role="alert"), rx.fragment()),
        rx.button(rx.cond(S.free, "Enrol for free", rx.cond(S.pay_method == "credits", "Enrol — pay with credits",
                                                             "Enrol")), on_click=S.enrol, loading=S.working, size="3",
                  width="100%", id="enrol-course"),
        spacing="3", width="100%"), width="100%", id="pay-panel")


def _side() -> rx.Component:
    enrolled = S.enrolment == "ACTIVE"
    return rx.vstack(
        rx.cond(enrolled, rx.card(rx.vstack(
            rx.text("Your progress", size="2"),
            rx.progress(value=S.progress_percent, max=100, aria_label="Course progress"),
            rx.text(S.progress_percent.to_string() + " % of chapters completed", size="2", id="course-progress"),
            rx.button("Ask for a refund", variant="ghost", size="1", color_scheme="red", on_click=S.refund),
            spacing="2", width="100%"), width="100%"), rx.fragment()),
        rx.cond(S.enrolment == "PENDING",
                rx.callout("Your payment is being confirmed — this page updates when it arrives.", icon="clock"),
                rx.fragment()),
        rx.cond(((AppState.viewer_role == "student") | (AppState.viewer_role == "guardian")) & ~enrolled
                & (S.course_status == "PUBLISHED"), _pay_panel(), rx.fragment()),
        rx.cond(AppState.viewer_role == "", link_button("Log in to enrol", href="/login", width="100%"), rx.fragment()),
        rx.cond(S.is_owner, link_button("Edit course", href="/teach/courses/" + S.course_id.to_string(),
                                        variant="soft", width="100%"), rx.fragment()),
        rx.card(rx.vstack(rx.heading("Chapters", size="3", as_="h2"), rx.foreach(S.chapters, _chapter), spacing="1",
                          width="100%"), width="100%"),
        rx.cond((AppState.viewer_role == "admin") & (S.course_status == "PUBLISHED"), _admin_tools(), rx.fragment()),
        spacing="3", width="100%",
    )


def _admin_tools() -> rx.Component:
    return rx.card(rx.form(rx.vstack(
        rx.heading("Moderation", size="3", as_="h2"),
        textarea_field("Reason for unpublishing", "reason", rows="2",
                       hint="Recorded in the audit log; enrolled students keep access."),
        rx.button("Unpublish course", type="submit", color_scheme="red", variant="soft", id="unpublish-course"),
        spacing="2", width="100%"), on_submit=S.unpublish, width="100%"), width="100%")


def _review(row: ReviewRow) -> rx.Component:
    return rx.vstack(rx.text(row.stars + " " + row.author, size="2", weight="bold"), rx.text(row.body, size="2"),
                     spacing="1", width="100%")


def _reviews() -> rx.Component:
    form = rx.form(rx.vstack(
        select_field("Your rating", "rating", [("5", "5 — excellent"), ("4", "4"), ("3", "3"), ("2", "2"), ("1", "1")],
                     default_value="5"),
        textarea_field("Your review (optional)", "body", rows="2"),
        rx.cond(S.review_error != "", rx.text(S.review_error, color=rx.color("red", 11), size="2"), rx.fragment()),
        rx.button("Post review", type="submit"), spacing="2", width="100%"), on_submit=S.review, width="100%")
    return rx.vstack(
        rx.heading("Reviews", size="4", as_="h2"),
        rx.cond(S.reviews.length() > 0, rx.foreach(S.reviews, _review),
                rx.text("No reviews yet.", size="2", color=rx.color("gray", 11))),
        rx.cond(S.enrolment == "ACTIVE", form, rx.fragment()),
        spacing="3", width="100%",
    )


def _ready() -> rx.Component:
    return rx.vstack(
        page_header(S.title, S.subtitle, rx.text(S.rating, size="2")),
        rx.grid(
            rx.vstack(_player(),
                      rx.hstack(rx.cond(S.cover_src != "", rx.image(src=S.cover_src, alt="Course cover", width="96px",
                                                                    border_radius="6px"), rx.fragment()),
                                rx.text(S.description, size="2", white_space="pre-wrap"), spacing="3", align="start"),
                      spacing="3", width="100%"),
            _side(),
            columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%",
            style={"grid_template_columns": rx.breakpoints(initial="1fr", md="2fr 1fr")},
        ),
        _reviews(),
        rx.el.button("Refresh", id="course-refresh", on_click=S.refresh, hidden=True, aria_hidden="true"),
        spacing="5", width="100%", padding_bottom="40px",
    )


def course_page() -> rx.Component:
    return page(rx.script(src="/courses.js"), gate(S.status, _ready(), what="course"))
