"""Admin pages: flagged tutors (/admin/flags) and the bookings overview (/admin/bookings)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.schedule_pager import event_pager
from tutorhub.components.ui import download_button, empty_state, gate
from tutorhub.models.bookings import BookingStatus
from tutorhub.pages.booking.lessons import lesson_card
from tutorhub.state.booking.admin_bookings import AdminBookingsState as AB
from tutorhub.state.booking.admin_bookings import AdminFlagsState as AF
from tutorhub.state.booking.admin_bookings import FlagRow


def _flag(f: FlagRow) -> rx.Component:
    resolve = rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="flag_id", value=f.id.to_string()),
            rx.input(name="notes", placeholder="What you found / did", max_length=2000, flex="1", min_width="180px"),
            rx.button("Resolve", type="submit", size="2", variant="soft"),
            gap="8px",
            wrap="wrap",
            width="100%",
        ),
        on_submit=AF.resolve,
        reset_on_submit=True,
        width="100%",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(f.tutor_name, href=f.tutor_href, weight="bold"),
                rx.text(f.tutor_email, size="1", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.badge(f.count.to_string() + " cancellations / 30 days", color_scheme="red", high_contrast=True),
                wrap="wrap",
                align="center",
                width="100%",
            ),
            rx.text(f.detail, size="2"),
            rx.text("Flagged ", f.when, size="1", color=rx.color("gray", 11)),
            rx.cond(f.resolved, rx.text("Resolved: ", f.notes, size="2", color=rx.color("green", 11)), resolve),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="flag",
    )


def flags_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Flagged tutors",
            "Tutors with 3 or more tutor-side cancellations within 30 days.",
            rx.hstack(
                rx.switch(checked=AF.show_resolved, on_change=AF.toggle_resolved),
                rx.text("Show resolved", size="2"),
                align="center",
            ),
        ),
        rx.cond(
            AF.flags.length() > 0,
            rx.vstack(rx.foreach(AF.flags, _flag), spacing="3", width="100%"),
            empty_state("shield-check", "No flagged tutors", "Nobody needs a look right now."),
        ),
        width="100%",
    )
    return page(gate(AF.status, ready), width="900px")


def bookings_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Bookings",
            rx.text(AB.total.to_string(), " bookings, latest lesson first."),
            rx.hstack(
                rx.select(
                    ["all", *BookingStatus.ALL],
                    value=rx.cond(AB.filter_status == "", "all", AB.filter_status),
                    on_change=AB.set_filter,
                    aria_label="Status",
                ),
                # The same filter, as a file: the export route authorizes by the session cookie and streams.
                download_button("Download CSV", "/api/v1/admin/exports/bookings.csv" + rx.cond(
                    AB.filter_status == "", "", "?status=" + AB.filter_status),
                    aria_label="Download these bookings as CSV", id="bookings-csv"),
                spacing="3", align="center", wrap="wrap",
            ),
        ),
        rx.cond(
            AB.rows.length() > 0,
            rx.vstack(rx.foreach(AB.rows, lesson_card), spacing="3", width="100%"),
            empty_state("calendar", "No bookings", "Nothing with this status."),
        ),
        event_pager(AB.page, AB.pages, AB.go_page),
        spacing="3",
        width="100%",
    )
    return page(gate(AB.status, ready), width="900px")
