"""The lesson page (/lessons/[booking_id]) for its student, its tutor and admins."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.countdown import countdown
from tutorhub.components.layout import page
from tutorhub.components.pay_panel import pay_panel
from tutorhub.components.ui import gate
from tutorhub.pages.learning.lesson_changes import cancel_dialog, offers_card, reschedule_dialog
from tutorhub.pages.learning.lesson_report import report_card
from tutorhub.pages.messaging.lesson_chat import lesson_chat_card
from tutorhub.pages.rooms.room_panel import video_panel
from tutorhub.state.checkout.pay import LessonPayState as LP
from tutorhub.state.learning.lesson_changes import LessonChangeState as L
from tutorhub.state.lesson_views import EventRow


def _has(action: str) -> rx.Var:
    return L.actions.contains(action)


def _header() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("My lessons"), spacing="1", align="center"),
            href="/lessons",
            size="2",
        ),
        rx.hstack(
            rx.heading(L.title, size=rx.breakpoints(initial="5", sm="6"), as_="h1"),
            rx.badge(L.b_status_label, color_scheme=L.b_color, size="2", high_contrast=True, id="lesson-status"),
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        rx.text(L.when, size="4", weight="medium", id="lesson-when"),
        rx.cond(L.other_time != "", rx.text(L.other_time, size="2", color=rx.color("gray", 11)), rx.fragment()),
        rx.text(L.with_whom, " · ", L.price, size="2", color=rx.color("gray", 11)),
        rx.cond(L.refund_text != "", rx.text(L.refund_text, size="2", color=rx.color("green", 11)), rx.fragment()),
        rx.cond(L.actual_length != "", rx.text(L.actual_length, size="2", color=rx.color("gray", 11),
                                               id="lesson-actual-length"), rx.fragment()),
        spacing="1",
        width="100%",
    )


def _hold_box() -> rx.Component:
    return rx.cond(
        LP.pay_open,
        rx.card(
            rx.vstack(
                rx.callout(
                    rx.text("This time is held for you — ", countdown(L.hold_expires), " left to pay."),
                    icon="timer",
                    color_scheme="blue",
                    width="100%",
                ),
                pay_panel(LP, L.price),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="lesson-pay",
        ),
        rx.fragment(),
    )


def _room() -> rx.Component:
    """The video room, for the two parties while the lesson is confirmed or running."""
    return rx.cond(L.meeting_url != "", video_panel(), rx.fragment())


def _actions() -> rx.Component:
    no_show = rx.popover.root(
        rx.popover.trigger(rx.button("Report a no-show", variant="soft", color_scheme="orange", high_contrast=True, size="2")),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    rx.text("Tell us the other side did not come. They can dispute it within 48 hours.", size="2"),
                    rx.input(name="reason", placeholder="What happened (optional)", max_length=500, width="100%"),
                    rx.button("Report", type="submit", color_scheme="orange", high_contrast=True, size="2"),
                    spacing="2",
                ),
                on_submit=L.report_no_show,
            ),
            max_width="320px",
        ),
    )
    dispute = rx.popover.root(
        rx.popover.trigger(rx.button("Dispute", variant="soft", color_scheme="red", high_contrast=True, size="2",
                                     id="open-dispute")),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    rx.text(
                        "Something went wrong? Tell us what happened. The payment stays on hold until an admin "
                        "decides (a full or partial refund, or paying the tutor).",
                        size="2",
                    ),
                    rx.el.label("What happened", html_for="dispute-reason", class_name="rt-Text rt-r-size-2"),
                    rx.text_area(name="reason", id="dispute-reason", max_length=500, width="100%", required=True),
                    rx.button("Open dispute", type="submit", color_scheme="red", high_contrast=True, size="2", loading=L.busy == "dispute"),
                    spacing="2",
                ),
                on_submit=L.dispute,
            ),
            max_width="340px",
        ),
    )
    return rx.flex(
        rx.cond(
            _has("start"),
            rx.button(
                rx.icon("play", size=16),
                "Start lesson",
                on_click=L.start_lesson,
                loading=L.busy == "start",
                id="start-lesson",
            ),
            rx.fragment(),
        ),
        rx.cond(
            _has("complete"),
            rx.button(
                rx.icon("square", size=16),
                "End lesson",
                on_click=L.end_lesson(False),
                loading=L.busy == "complete",
                id="end-lesson",
            ),
            rx.fragment(),
        ),
        rx.cond(
            _has("reschedule"),
            rx.button("Reschedule", variant="soft", on_click=L.open_reschedule, loading=L.resched_loading),
            rx.fragment(),
        ),
        rx.cond(
            _has("cancel"),
            rx.button("Cancel lesson", variant="soft", color_scheme="red", high_contrast=True, on_click=L.open_cancel),
            rx.fragment(),
        ),
        rx.cond(_has("no_show"), no_show, rx.fragment()),
        rx.cond(_has("dispute"), dispute, rx.fragment()),
        gap="8px",
        wrap="wrap",
        width="100%",
    )


def end_early_dialog() -> rx.Component:
    """Opened when the tutor ends a lesson before its scheduled end: the service said how long it
    ran; ending now records that length and tells the student."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("End the lesson early?"),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.text(L.end_confirm, id="end-early-text"),
                    rx.text("Your student will be told the lesson ended early; they can dispute it within 48 hours.",
                            size="2", color=rx.color("gray", 11)),
                    spacing="2",
                ),
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button("Keep teaching", variant="soft", color_scheme="gray", on_click=L.keep_teaching)
                ),
                rx.alert_dialog.action(
                    rx.button("End now", color_scheme="red", high_contrast=True, on_click=L.end_lesson(True), id="end-early-confirm")
                ),
                gap="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
        ),
        open=L.end_confirm != "",
    )


def _notes() -> rx.Component:
    editable = rx.form(
        rx.vstack(
            rx.text_area(
                name="notes",
                default_value=L.notes,
                key=L.notes_info,
                rows="6",
                max_length=5000,
                width="100%",
                placeholder="Agenda, homework, links — both of you can edit these.",
                id="lesson-notes",
            ),
            rx.hstack(
                rx.text(L.notes_info, size="1", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button("Save notes", type="submit", size="2", variant="soft", loading=L.busy == "notes"),
                width="100%",
                align="center",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=L.save_notes,
        width="100%",
    )
    return rx.card(
        rx.vstack(
            rx.heading("Shared notes", size="3", as_="h2"),
            rx.cond(
                _has("notes"),
                editable,
                rx.text(rx.cond(L.notes != "", L.notes, "No notes."), size="2", white_space="pre-wrap"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _review() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.heading("How was the lesson?", size="3", as_="h2"),
            rx.radio_group.root(
                rx.flex(
                    *[
                        rx.el.label(
                            rx.radio_group.item(value=str(n), aria_label=f"{n} stars"),
                            rx.text(f"{n} ★", size="2"),
                            display="flex",
                            align_items="center",
                            gap="6px",
                            cursor="pointer",
                        )
                        for n in range(1, 6)
                    ],
                    gap="16px",
                    wrap="wrap",
                ),
                name="rating",
                size="3",
                id="review-rating",
            ),
            rx.text("1 (poor) – 5 (excellent)", size="1", color=rx.color("gray", 11)),
            rx.text_area(
                name="comment",
                placeholder="What went well? (shown on the tutor's profile)",
                max_length=2000,
                width="100%",
                id="review-comment",
            ),
            rx.button("Post review", type="submit", loading=L.busy == "review"),
            spacing="2",
            width="100%",
        ),
        on_submit=L.submit_review,
        width="100%",
    )
    shown = rx.vstack(
        rx.heading("Review", size="3", as_="h2"),
        rx.text(L.review_stars, color=rx.color("amber", 10), size="4"),
        rx.text(L.review_comment, size="2", white_space="pre-wrap"),
        rx.cond(
            L.review_reply != "",
            rx.box(
                rx.text("Tutor's reply: ", weight="bold", size="2"),
                rx.text(L.review_reply, size="2", white_space="pre-wrap"),
            ),
            rx.fragment(),
        ),
        rx.cond(
            _has("reply"),
            rx.form(
                rx.vstack(
                    rx.text_area(name="reply", placeholder="Reply once, publicly", max_length=2000, width="100%"),
                    rx.button("Post reply", type="submit", size="2", loading=L.busy == "reply"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=L.submit_reply,
                width="100%",
            ),
            rx.fragment(),
        ),
        spacing="2",
        width="100%",
    )
    return rx.cond(
        _has("review"),
        rx.card(form, width="100%", id="review-form"),
        rx.cond(L.has_review, rx.card(shown, width="100%", id="review-shown"), rx.fragment()),
    )


def _event(e: EventRow) -> rx.Component:
    return rx.hstack(
        rx.box(
            width="8px",
            height="8px",
            border_radius="999px",
            background=rx.color("accent", 9),
            margin_top="6px",
            flex_shrink="0",
        ),
        rx.vstack(
            rx.text(e.text, " · ", e.who, size="2", weight="medium"),
            rx.text(e.at, size="1", color=rx.color("gray", 11)),
            rx.cond(e.reason != "", rx.text(e.reason, size="1", color=rx.color("gray", 11)), rx.fragment()),
            spacing="0",
        ),
        align="start",
        spacing="2",
    )


def _history() -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading("History", size="3", as_="h2"), rx.foreach(L.events, _event), spacing="2", width="100%"),
        width="100%",
        id="lesson-history",
    )


def _body() -> rx.Component:
    return rx.vstack(
        _header(),
        rx.cond(
            L.error != "",
            rx.callout(L.error, icon="circle-alert", color_scheme="red", high_contrast=True, width="100%", id="lesson-error"),
            rx.fragment(),
        ),
        _hold_box(),
        _actions(),
        # The call with the chat and the shared notes beside it (below it on a phone).
        rx.grid(
            _room(),
            rx.vstack(lesson_chat_card(), _notes(), spacing="4", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        offers_card(),
        _review(),
        report_card(),
        _history(),
        cancel_dialog(),
        end_early_dialog(),
        reschedule_dialog(),
        spacing="4",
        width="100%",
    )


def lesson_page() -> rx.Component:
    return page(gate(L.lesson_status, _body(), what="lesson"), width="1180px")
