"""Dialogs and cards of the lesson page that change the lesson: cancel, reschedule, offers."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.slot_times import slot_label, slot_time
from tutorhub.state.learning.lesson_changes import LessonChangeState as C
from tutorhub.state.lesson_views import OfferRow
from tutorhub.state.scheduling.views import DayView, SlotView


def cancel_dialog() -> rx.Component:
    tier_color = rx.match(C.cancel_tier, ("full", "green"), ("half", "amber"), "red")
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Cancel this lesson?"),
            rx.form(
                rx.vstack(
                    rx.callout(C.cancel_refund, icon="receipt", color_scheme=tier_color, id="cancel-tier"),
                    rx.cond(
                        C.cancel_by_tutor,
                        rx.text(
                            "Your student gets a full refund and is offered up to 3 other tutors for the same time. "
                            "A tutor-side cancellation counts against your reliability.",
                            size="2",
                        ),
                        rx.text(
                            "Refunds: 24 hours or more before the lesson — full; 12–24 hours — 50%; "
                            "under 12 hours — none.",
                            size="1",
                            color=rx.color("gray", 11),
                        ),
                    ),
                    rx.text_area(
                        name="reason",
                        placeholder="Reason (optional, shared with the other side)",
                        max_length=500,
                        width="100%",
                    ),
                    rx.flex(
                        rx.button(
                            "Keep the lesson",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=C.close_cancel,
                        ),
                        rx.button("Cancel lesson", type="submit", color_scheme="red", high_contrast=True, id="cancel-confirm"),
                        gap="12px",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=C.confirm_cancel,
                reset_on_submit=True,
            ),
            max_width="480px",
        ),
        open=C.cancel_open,
        on_open_change=lambda _open: C.close_cancel(),
    )


def _slot(slot: SlotView) -> rx.Component:
    return rx.button(
        slot_time(slot),
        rx.cond(slot.tutor_time != "", rx.text.span(" · ", slot.tutor_time, size="1"), rx.fragment()),
        size="1",
        variant="soft",
        title=slot_label(slot),
        on_click=C.reschedule_to(slot.start),
        class_name="resched-slot",
    )


def _day(day: DayView) -> rx.Component:
    return rx.cond(
        day.slots.length() > 0,
        rx.vstack(
            rx.text(day.weekday, " ", day.date, size="2", weight="bold"),
            rx.flex(rx.foreach(day.slots, _slot), gap="6px", wrap="wrap"),
            spacing="1",
            width="100%",
        ),
        rx.fragment(),
    )


def reschedule_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Pick a new time"),
            rx.text(
                "Free times of the same tutor, same length, in your timezone (",
                C.resched_zone,
                "). You can reschedule once.",
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.hstack(
                rx.icon_button(
                    rx.icon("chevron-left", size=16),
                    variant="soft",
                    aria_label="Previous week",
                    disabled=C.resched_week <= 0,
                    on_click=C.resched_go(C.resched_week - 1),
                ),
                rx.text(C.resched_title, size="2", weight="medium", flex="1", text_align="center"),
                rx.icon_button(
                    rx.icon("chevron-right", size=16),
                    variant="soft",
                    aria_label="Next week",
                    disabled=C.resched_week >= C.resched_weeks - 1,
                    on_click=C.resched_go(C.resched_week + 1),
                ),
                width="100%",
                align="center",
                margin_y="12px",
            ),
            rx.scroll_area(
                rx.vstack(rx.foreach(C.resched_days, _day), spacing="3", width="100%"),
                max_height="50vh",
                type="auto",
                scrollbars="vertical",
                opacity=rx.cond(C.resched_loading, "0.45", "1"),
            ),
            rx.flex(
                rx.button("Close", variant="soft", color_scheme="gray", on_click=C.close_reschedule),
                justify="end",
                margin_top="12px",
            ),
            max_width="560px",
        ),
        open=C.resched_open,
        on_open_change=lambda _open: C.close_reschedule(),
    )


def _offer(o: OfferRow) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.link(o.tutor_name, href=o.tutor_href, weight="bold", size="2"),
                rx.text(o.headline, size="1", color=rx.color("gray", 11)),
                rx.text(
                    o.when,
                    rx.cond(o.tutor_time != "", rx.text.span(" · ", o.tutor_time, " for the tutor"), ""),
                    rx.cond(o.same_time, " · same time", " · nearest free time"),
                    size="2",
                ),
                rx.text("Rating ", o.rating, " · trust ", o.trust.to_string(), size="1", color=rx.color("gray", 11)),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.button("Book this tutor", size="2", on_click=C.take_offer(o.id), loading=C.busy == "offer"),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="8px",
            align=rx.breakpoints(initial="stretch", sm="center"),
        ),
        width="100%",
        class_name="offer",
    )


def offers_card() -> rx.Component:
    return rx.cond(
        C.actions.contains("replacements"),
        rx.card(
            rx.vstack(
                rx.heading("Your tutor cancelled — pick a replacement", size="4", as_="h2"),
                rx.text(
                    "The full price is kept for you. Take one of these tutors, or get it credited back.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    C.offers.length() > 0,
                    rx.vstack(rx.foreach(C.offers, _offer), spacing="2", width="100%"),
                    rx.text("No replacement tutor is free right now.", size="2"),
                ),
                rx.button(
                    "No thanks — credit me back",
                    variant="soft",
                    color_scheme="gray",
                    on_click=C.decline_offers,
                    loading=C.busy == "offer",
                ),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="offers",
        ),
        rx.fragment(),
    )
