"""The booking dialog on the public tutor profile: choose, hold (15-minute countdown), confirm."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.countdown import countdown
from tutorhub.components.pay_panel import pay_panel, pay_total
from tutorhub.components.ui import link_button
from tutorhub.state.booking.dialog import BookingState as B
from tutorhub.state.lesson_views import OccurrenceRow


def _kind_option(value: str, title: rx.Component | str, detail: rx.Component | str) -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(
            rx.text(title, weight="bold", size="2"),
            rx.text(detail, size="1", color=rx.color("gray", 11)),
            spacing="0",
            align="start",
        ),
        value=value,
        width="100%",
        justify_content="start",
    )


def _kind_picker() -> rx.Component:
    trial = rx.cond(
        B.trial_available,
        _kind_option(
            "trial", "Trial lesson", rx.text(B.trial_price, " · ", B.trial_discount.to_string(), "% off, once")
        ),
        rx.fragment(),
    )
    return rx.radio_cards.root(
        _kind_option("single", "Single lesson", B.single_price),
        trial,
        _kind_option("series", "Weekly lessons", rx.text(B.single_price, " each, same time every week")),
        value=B.book_kind,
        on_value_change=B.set_book_kind,
        columns=rx.breakpoints(initial="1", sm="3"),
        size="1",
        width="100%",
        aria_label="Kind of booking",
    )


def _occurrence(o: OccurrenceRow) -> rx.Component:
    return rx.hstack(
        rx.icon(
            rx.cond(o.ok, "circle-check", "circle-x"), size=16, color=rx.cond(o.ok, "green", "red"), flex_shrink="0"
        ),
        rx.vstack(
            rx.text(
                o.index.to_string(),
                ". ",
                o.when,
                rx.cond(o.tutor_time != "", rx.text.span(" · ", o.tutor_time, " for your tutor"), rx.fragment()),
                size="2",
            ),
            rx.cond(
                o.ok,
                rx.fragment(),
                rx.vstack(
                    rx.text(o.reason, size="1", color=rx.color("red", 11)),
                    rx.cond(
                        o.alternatives.length() > 0,
                        rx.text(
                            "Nearby free: ",
                            rx.foreach(o.alternatives, lambda a: rx.text.span(a, "; ")),
                            size="1",
                            color=rx.color("gray", 11),
                        ),
                        rx.text("No free time nearby.", size="1", color=rx.color("gray", 11)),
                    ),
                    spacing="0",
                ),
            ),
            spacing="0",
            min_width="0",
        ),
        align="start",
        width="100%",
        class_name=rx.cond(o.ok, "occurrence ok", "occurrence conflict"),
    )


def _series_box() -> rx.Component:
    weeks = rx.hstack(
        rx.text("Weeks", size="2"),
        rx.input(
            value=B.book_weeks,
            on_change=B.set_book_weeks,
            type="number",
            min=2,
            max=52,
            width="80px",
            id="book-weeks",
            aria_label="Number of weekly lessons",
        ),
        rx.button("Check dates", variant="soft", size="2", on_click=B.check_series, loading=B.book_busy),
        align="center",
        spacing="3",
        wrap="wrap",
    )
    listing = rx.cond(
        B.series_checked,
        rx.vstack(
            rx.cond(
                B.series_conflicts > 0,
                rx.callout(
                    B.series_conflicts.to_string() + " of the weeks cannot be booked at this time (see below). "
                    "Holding books the free ones only.",
                    icon="triangle-alert",
                    color_scheme="amber", high_contrast=True,
                    size="1",
                ),
                rx.callout("Every week is free.", icon="circle-check", color_scheme="green", size="1"),
            ),
            rx.scroll_area(
                rx.vstack(rx.foreach(B.occurrences, _occurrence), spacing="2", width="100%", padding_right="8px"),
                max_height="220px",
                type="auto",
                scrollbars="vertical",
            ),
            spacing="2",
            width="100%",
            id="series-occurrences",
        ),
        rx.fragment(),
    )
    return rx.vstack(weeks, listing, spacing="3", width="100%")


def _hold_limit_note() -> rx.Component:
    """Said before the student tries: at most a few single lessons can wait for payment at once."""
    return rx.cond(
        B.unpaid_holds >= B.max_unpaid_holds,
        rx.callout(
            rx.text(
                "You have ", B.unpaid_holds.to_string(), " held lessons awaiting payment (at most ",
                B.max_unpaid_holds.to_string(), " at a time). Pay for one or release it in ",
                rx.link("My lessons", href="/lessons"), " before holding another.",
            ),
            icon="info",
            color_scheme="amber", high_contrast=True,
            size="1",
            id="hold-limit-note",
        ),
        rx.fragment(),
    )


def _form_step() -> rx.Component:
    lengths = rx.cond(
        B.book_lengths.length() > 1,
        rx.segmented_control.root(
            rx.foreach(B.book_lengths, lambda n: rx.segmented_control.item(n + " min", value=n)),
            value=B.book_length,
            on_change=B.set_book_length,
            size="1",
            aria_label="Lesson length",
        ),
        rx.text(B.book_length, " minutes", size="2"),
    )
    return rx.vstack(
        rx.hstack(rx.text("Length", size="2", weight="medium"), lengths, align="center", spacing="3", wrap="wrap"),
        _kind_picker(),
        rx.cond(B.book_kind == "series", _series_box(), _hold_limit_note()),
        rx.text(
            "We hold the time for ",
            B.hold_minutes.to_string(),
            " minutes while you confirm.",
            rx.cond(B.instant, "", " This tutor approves each request (within 24 hours)."),
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.flex(
            rx.button("Cancel", variant="soft", color_scheme="gray", on_click=B.release),
            rx.button(
                rx.cond(B.book_kind == "series", "Hold these weeks", "Hold this time"),
                on_click=B.hold,
                loading=B.book_busy,
                disabled=(B.book_kind == "series") & ~B.series_checked,
                id="book-hold",
            ),
            gap="12px",
            justify="end",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _held_step() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text(
                "Held for you — ",
                countdown(B.hold_expires, id="hold-countdown"),
                " left to pay.",
            ),
            icon="timer",
            color_scheme="blue",
            size="1",
        ),
        rx.hstack(
            rx.text(rx.cond(B.held_count > 1, B.held_count.to_string() + " lessons", "Total"), size="2"),
            rx.spacer(),
            pay_total(B, B.held_price, total_id="held-price"),  # the discounted total once a promo code is checked
            width="100%",
        ),
        pay_panel(B, B.held_price, show_total=False),
        rx.flex(
            rx.button("Release the time", variant="soft", color_scheme="gray", on_click=B.release),
            gap="12px",
            justify="end",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _done_step() -> rx.Component:
    return rx.vstack(
        rx.callout(B.done_text, icon="circle-check", color_scheme="green", id="book-done"),
        rx.flex(
            rx.button("Close", variant="soft", color_scheme="gray", on_click=B.close_done),
            link_button("Go to the lesson", href=B.lesson_href),
            gap="12px",
            justify="end",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def booking_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Book a lesson"),
            rx.vstack(
                rx.text(B.book_when, weight="bold", size="3", id="book-when"),
                rx.text(
                    "Your time (",
                    B.zone,
                    ")",
                    rx.cond(B.book_tutor_time != "", rx.text.span(" · ", B.book_tutor_time), ""),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="1",
                margin_bottom="12px",
            ),
            rx.cond(
                B.book_error != "",
                rx.callout(
                    B.book_error,
                    icon="circle-alert",
                    color_scheme="red", high_contrast=True,
                    size="1",
                    margin_bottom="12px",
                    id="book-error",
                ),
                rx.fragment(),
            ),
            rx.match(B.book_step, ("held", _held_step()), ("done", _done_step()), _form_step()),
            max_width="520px",
            on_escape_key_down=rx.prevent_default,
            on_pointer_down_outside=rx.prevent_default,
        ),
        open=B.book_open,
    )
