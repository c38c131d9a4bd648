"""The time parts of the public tutor profile: the week-by-week free times and "Best times for you"."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.slot_times import slot_label, slot_time
from tutorhub.components.ui import link_button
from tutorhub.state.booking.dialog import BookingState
from tutorhub.state.scheduling.tutor_times import TutorSlotsState as T
from tutorhub.state.scheduling.views import DayView, ProposalView, SlotView


def _chip(slot: SlotView) -> rx.Component:
    """A free time; clicking it opens the booking dialog (or login / a note for non-students)."""
    label = slot_label(slot)
    return rx.el.button(
        rx.text(slot_time(slot), size="2", weight="medium", class_name="slot-time"),
        rx.cond(
            slot.tutor_time != "",
            rx.text(slot.tutor_time, " tutor", size="1", color=rx.color("gray", 11), class_name="slot-tutor-time"),
            rx.fragment(),
        ),
        title=label,
        aria_label="Book " + label,
        type="button",
        on_click=BookingState.pick(slot.start),
        class_name="slot-chip",
        cursor="pointer",
        color="inherit",
        font="inherit",
        padding="4px 8px",
        border_radius="8px",
        background_color=rx.color("accent", 3),
        border=f"1px solid {rx.color('accent', 5)}",
        min_width="64px",
        text_align="center",
        line_height="1.2",
    )


def _day(day: DayView) -> rx.Component:
    """One day: a column of the week on wide screens, a row (date left, times right) on phones."""
    narrow_row = rx.breakpoints(initial="row", md="column")
    return rx.flex(
        rx.flex(
            rx.text(day.weekday, size="2", weight="bold"),
            rx.text(day.date, size="2", color=rx.color("gray", 11)),
            rx.cond(day.is_today, rx.badge("Today", size="1"), rx.fragment()),
            direction=narrow_row,
            gap=rx.breakpoints(initial="6px", md="0"),
            align=rx.breakpoints(initial="baseline", md="start"),
            min_width=rx.breakpoints(initial="104px", md="0"),
            flex_shrink="0",
        ),
        rx.cond(
            day.slots.length() > 0,
            rx.flex(
                rx.foreach(day.slots, _chip),
                rx.cond(
                    day.more > 0,
                    rx.text("+", day.more.to_string(), " more", size="1", color=rx.color("gray", 11)),
                    rx.fragment(),
                ),
                gap="6px",
                wrap="wrap",
                role="group",
                aria_label=day.weekday + " " + day.date,
            ),
            rx.text("—", size="2", color=rx.color("gray", 9)),
        ),
        direction=narrow_row,
        gap=rx.breakpoints(initial="12px", md="8px"),
        align="start",
        width="100%",
        min_width="0",
        padding_bottom=rx.breakpoints(initial="10px", md="0"),
        border_bottom=rx.breakpoints(initial=f"1px solid {rx.color('gray', 4)}", md="none"),
        class_name="slot-day",
        custom_attrs={"data-date": day.key},
    )


def _week_nav() -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("chevron-left", size=18),
            variant="soft",
            aria_label="Previous week",
            disabled=T.week <= 0,
            on_click=T.prev_week,
        ),
        rx.text(T.week_title, size="3", weight="medium", id="week-title", text_align="center", flex="1"),
        rx.icon_button(
            rx.icon("chevron-right", size=18),
            variant="soft",
            aria_label="Next week",
            disabled=T.week >= T.weeks - 1,
            on_click=T.next_week,
        ),
        align="center",
        width="100%",
        spacing="3",
    )


def _length_picker() -> rx.Component:
    return rx.cond(
        T.lengths.length() > 1,
        rx.segmented_control.root(
            rx.foreach(T.lengths, lambda n: rx.segmented_control.item(n + " min", value=n)),
            value=T.duration,
            on_change=T.set_duration,
            size="1",
            aria_label="Lesson length",
        ),
        rx.text(T.duration, "-minute lessons", size="2", color=rx.color("gray", 11)),
    )


def _week_body() -> rx.Component:
    week = rx.cond(
        T.slot_count > 0,
        rx.grid(
            rx.foreach(T.days, _day),
            columns=rx.breakpoints(initial="1", md="7"),
            spacing="3",
            width="100%",
            id="week-slots",
        ),
        rx.center(
            rx.vstack(
                rx.icon("calendar-off", size=24, color=rx.color("gray", 9)),
                # No button here: the pager above is the one way to another week (the section
                # already opens on the first week with a free time).
                rx.text("No free times this week", size="2", color=rx.color("gray", 11), id="no-slots"),
                align="center",
                spacing="2",
            ),
            padding_y="24px",
            width="100%",
        ),
    )
    return rx.box(
        week,
        opacity=rx.cond(T.week_loading, "0.45", "1"),
        transition="opacity 120ms",
        aria_busy=rx.cond(T.week_loading, "true", "false"),
        width="100%",
    )


def available_times() -> rx.Component:
    legend = rx.text(
        "Times are in your timezone (",
        T.zone,
        ")",
        rx.cond(
            T.zone != T.tutor_zone,
            rx.fragment("; the tutor's own time (", T.tutor_zone, ") is shown under each."),
            ".",
        ),
        size="1",
        color=rx.color("gray", 11),
    )
    loading = rx.vstack(
        rx.skeleton(height="32px", width="100%"),
        rx.skeleton(height="80px", width="100%"),
        spacing="3",
        width="100%",
        role="status",
        aria_label="Loading free times",
    )
    return rx.cond(
        T.slots_status == "hidden",
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.heading("Available times", size="4", as_="h2"),
                    rx.spacer(),
                    rx.cond(T.slots_status == "ready", _length_picker(), rx.fragment()),
                    align="center",
                    gap="8px",
                    wrap="wrap",
                    width="100%",
                ),
                rx.cond(
                    T.slots_status == "ready",
                    rx.vstack(legend, _week_nav(), _week_body(), spacing="3", width="100%"),
                    loading,
                ),
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="available-times",
        ),
    )


def _proposal(p: ProposalView) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(p.day, " · ", p.time, size="2", weight="bold"),
            rx.cond(
                p.tutor_time != "",
                rx.text(p.tutor_time, " for your tutor", size="1", color=rx.color("gray", 11)),
                rx.fragment(),
            ),
            rx.text(p.why, size="1", color=rx.color("gray", 11)),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.vstack(
            rx.badge(p.fit, color_scheme=rx.cond(p.score >= 100, "green", "gray"), variant="soft", size="2",
                     high_contrast=True, white_space="nowrap"),
            rx.button("Book", size="1", variant="soft", on_click=BookingState.pick(p.start), class_name="best-book"),
            spacing="2",
            align="end",
        ),
        align="start",
        width="100%",
        class_name="best-time",
    )


def best_times_box() -> rx.Component:
    edit = rx.link("Change your preferred times", href="/student/times", size="1")
    ready = rx.vstack(
        rx.cond(
            T.best.length() > 0,
            rx.vstack(rx.foreach(T.best, _proposal), spacing="3", width="100%"),
            rx.text(
                "This tutor has no free time inside your preferred times in the next 14 days.",
                size="2",
                color=rx.color("gray", 11),
            ),
        ),
        rx.text(
            "Best fits are inside your preferred hours and leave the tutor's day in one piece; "
            "ties go to the earliest. ",
            T.best_length.to_string(),
            "-minute lessons, your timezone (",
            T.best_zone,
            ").",
            size="1",
            color=rx.color("gray", 11),
        ),
        edit,
        spacing="3",
        width="100%",
    )
    body = rx.match(
        T.best_status,
        ("ready", ready),
        (
            "no_windows",
            rx.vstack(
                rx.text(
                    "Tell us when you can take lessons and we will suggest the best times with this tutor.", size="2"
                ),
                link_button("Set your preferred times", href="/student/times", variant="soft", size="2"),
                spacing="2",
            ),
        ),
        (
            "anonymous",
            rx.vstack(
                rx.text("Sign up or log in as a student to see the lesson times that suit you best.", size="2"),
                link_button("Sign up", href="/signup?next=" + T.router.url.path, variant="soft", size="2"),
                spacing="2",
            ),
        ),
        rx.fragment(),
    )
    show = (T.best_status != "") & (T.best_status != "not_student") & (T.slots_status == "ready")
    return rx.cond(
        show,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("sparkles", size=18, color=rx.color("accent", 10)),
                    rx.heading("Best times for you", size="4", as_="h2"),
                    align="center",
                ),
                body,
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="best-times",
        ),
        rx.fragment(),
    )
