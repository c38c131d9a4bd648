"""The tutor's availability page: weekly hours grid, dates that differ, booking settings."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import (
    checkbox_group,
    error_text,
    field_label,
    form_message,
    select_field,
    submit_button,
    text_field,
    timezone_field,
)
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button, section
from tutorhub.components.week_grid import week_grid
from tutorhub.pages.scheduling.busy_calendars import busy_calendars_card
from tutorhub.services.scheduling.schedule_input import LESSON_LENGTHS
from tutorhub.state.scheduling.availability import AvailabilityState as S
from tutorhub.state.scheduling.views import OverrideRow
from tutorhub.state.scheduling.week_grid import SLOT_LABELS

START_TIMES = [(t, t) for t in SLOT_LABELS]
END_TIMES = [(t, t) for t in (*SLOT_LABELS[1:], "24:00")]
KIND_LABELS = [("off", "Day off"), ("holiday", "Holiday (several days)"), ("hours", "Different hours")]
KIND_ICONS = {"off": "calendar-x", "holiday": "plane", "hours": "calendar-clock"}


def _weekly() -> rx.Component:
    return section(
        "Weekly hours",
        rx.form(
            rx.vstack(
                timezone_field(
                    "timezone",
                    errors=S.errors,
                    default_value=S.timezone,
                    hint="Your hours are in this timezone; students see them in theirs.",
                ),
                week_grid(
                    S,
                    hint="Click a half-hour to switch it on or off, or press and drag across several. "
                    "On a phone, pick a day, then tap times or slide a finger across several.",
                ),
                rx.cond(
                    S.weekly_errors.length() > 0,
                    rx.callout(
                        rx.vstack(rx.foreach(S.weekly_errors, lambda m: rx.text(m, size="2")), spacing="1"),
                        icon="circle-alert",
                        color_scheme="red", high_contrast=True,
                        role="alert",
                        width="100%",
                    ),
                    rx.fragment(),
                ),
                rx.flex(
                    submit_button("Save weekly hours"),
                    rx.cond(
                        S.grid_dirty,
                        rx.fragment(
                            rx.button(
                                "Discard changes",
                                type="button",
                                variant="soft",
                                color_scheme="gray",
                                size="3",
                                on_click=S.discard_weekly,
                            ),
                            rx.badge("Unsaved changes", color_scheme="amber", high_contrast=True, size="2"),
                        ),
                        rx.fragment(),
                    ),
                    gap="12px",
                    align="center",
                    wrap="wrap",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=S.save_weekly,
            key=S.form_key,
            width="100%",
            aria_label="Weekly hours",
        ),
        description="The hours you can teach in a normal week. Several blocks per day are fine.",
    )


def _override_row(row: OverrideRow) -> rx.Component:
    return rx.hstack(
        rx.match(
            row.kind,
            *[(kind, rx.icon(icon, size=18, color=rx.color("accent", 10))) for kind, icon in KIND_ICONS.items()],
            rx.icon("calendar", size=18),
        ),
        rx.vstack(
            rx.text(row.title, size="2", weight="medium"),
            rx.text(row.detail, size="1", color=rx.color("gray", 11)),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.icon_button(
            rx.icon("trash-2", size=16),
            type="button",
            variant="ghost",
            color_scheme="red", high_contrast=True,
            aria_label="Remove " + row.title,
            on_click=S.remove_override(row.key),
        ),
        width="100%",
        align="center",
        spacing="3",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="override-row",
    )


def _add_override() -> rx.Component:
    errors = S.override_errors
    kind = rx.radio_group.root(
        rx.flex(
            *[
                rx.text(
                    rx.flex(rx.radio_group.item(value=v), label, spacing="2", align="center"), as_="label", size="2"
                )
                for v, label in KIND_LABELS
            ],
            gap="16px",
            wrap="wrap",
        ),
        value=S.override_kind,
        on_change=S.set_override_kind,
        aria_label="What changes",
    )
    return rx.form(
        rx.vstack(
            kind,
            rx.grid(
                rx.cond(
                    S.override_kind == "holiday",
                    text_field("First day", "date", errors=errors, type="date", min=S.today, field_id="override-date"),
                    text_field("Date", "date", errors=errors, type="date", min=S.today, field_id="override-date"),
                ),
                rx.cond(
                    S.override_kind == "holiday",
                    text_field(
                        "Last day", "end_date", errors=errors, type="date", min=S.today, field_id="override-end"
                    ),
                    rx.fragment(),
                ),
                rx.cond(
                    S.override_kind == "hours",
                    select_field("From", "start", START_TIMES, errors=errors, default_value="09:00"),
                    rx.fragment(),
                ),
                rx.cond(
                    S.override_kind == "hours",
                    select_field("To", "end", END_TIMES, errors=errors, default_value="12:00"),
                    rx.fragment(),
                ),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
            ),
            form_message(errors.get("form", "")),
            rx.button(rx.icon("plus", size=16), "Add", type="submit", size="2", variant="soft"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.add_override,
        key=S.override_key,
        width="100%",
        aria_label="Add a date",
    )


def _overrides() -> rx.Component:
    return section(
        "Dates that differ",
        rx.cond(
            S.overrides.length() > 0,
            rx.vstack(rx.foreach(S.overrides, _override_row), spacing="0", width="100%", id="override-list"),
            rx.text("No upcoming changes: every date follows your weekly hours.", size="2", color=rx.color("gray", 11)),
        ),
        rx.cond(
            S.past_overrides > 0,
            rx.text(S.past_overrides.to_string() + " past date(s) not shown.", size="1", color=rx.color("gray", 11)),
            rx.fragment(),
        ),
        rx.separator(),
        rx.heading("Add a date", size="3", as_="h3"),
        _add_override(),
        description="Days off, holidays, or a date with other hours than usual (it replaces that day's weekly hours).",
    )


def _settings() -> rx.Component:
    errors = S.settings_errors
    return section(
        "Booking settings",
        rx.form(
            rx.vstack(
                checkbox_group(
                    "Lesson lengths you offer",
                    [(f"length__{n}", f"{n} minutes") for n in LESSON_LENGTHS],
                    checked=lambda name: S.lesson_lengths.contains(int(name.removeprefix("length__"))),
                    error=errors.get("lesson_lengths", ""),
                    columns=rx.breakpoints(initial="2", sm="4"),
                ),
                rx.grid(
                    text_field(
                        "Break before a lesson (minutes)",
                        "buffer_before_min",
                        errors=errors,
                        default_value=S.buffer_before_min,
                        type="number",
                        min="0",
                        max="120",
                        input_mode="numeric",
                    ),
                    text_field(
                        "Break after a lesson (minutes)",
                        "buffer_after_min",
                        errors=errors,
                        default_value=S.buffer_after_min,
                        type="number",
                        min="0",
                        max="120",
                        input_mode="numeric",
                    ),
                    text_field(
                        "Minimum notice (hours)",
                        "min_notice_hours",
                        errors=errors,
                        default_value=S.min_notice_hours,
                        type="number",
                        min="0",
                        max="720",
                        input_mode="numeric",
                        hint="How long before a lesson it can still be booked.",
                    ),
                    text_field(
                        "Booking window (days)",
                        "booking_window_days",
                        errors=errors,
                        default_value=S.booking_window_days,
                        type="number",
                        min="1",
                        max="365",
                        input_mode="numeric",
                        hint="How far ahead students can book (up to 365 days).",
                    ),
                    text_field(
                        "Most lessons per day",
                        "max_lessons_per_day",
                        errors=errors,
                        default_value=S.max_lessons_per_day,
                        type="number",
                        min="1",
                        max="48",
                        input_mode="numeric",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                rx.el.fieldset(
                    rx.el.legend(field_label("New bookings", "booking-mode"), style={"margin_bottom": "8px"}),
                    rx.radio_group.root(
                        rx.vstack(
                            rx.text(
                                rx.flex(rx.radio_group.item(value="instant"), "Confirm instantly", spacing="2"),
                                as_="label",
                                size="2",
                            ),
                            rx.text(
                                rx.flex(rx.radio_group.item(value="approval"), "I approve each request", spacing="2"),
                                as_="label",
                                size="2",
                            ),
                            spacing="2",
                        ),
                        name="booking_mode",
                        default_value=rx.cond(S.instant_booking, "instant", "approval"),
                        id="booking-mode",
                    ),
                    error_text("New bookings", errors.get("instant_booking", "")),
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                submit_button("Save settings"),
                spacing="4",
                width="100%",
            ),
            on_submit=S.save_settings,
            key=S.form_key,
            width="100%",
            aria_label="Booking settings",
        ),
    )


def availability_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Your availability",
            "Students see your free times in their own timezone and can book inside them.",
            rx.flex(
                link_button(
                    rx.icon("user", size=14), "Your tutor profile", href="/tutor/profile", variant="soft", size="2"
                ),
                rx.cond(
                    S.approved,
                    link_button(
                        rx.icon("eye", size=14),
                        "Preview what students see",
                        href="/tutors/" + S.tutor_id.to_string(),
                        variant="soft",
                        color_scheme="gray",
                        size="2",
                    ),
                    rx.fragment(),
                ),
                gap="8px",
                wrap="wrap",
            ),
        ),
        _weekly(),
        _overrides(),
        _settings(),
        busy_calendars_card(),
        spacing="4",
        width="100%",
    )
    return page(gate(S.status, ready), width="960px")
