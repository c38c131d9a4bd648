"""The "Other calendars" card of the availability page: outside calendars whose events block slots."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import error_text, field_label, hint_text, submit_button
from tutorhub.components.ui import confirm_dialog, section
from tutorhub.state.scheduling.busy_calendars import BusyCalendarsState as S
from tutorhub.state.scheduling.busy_calendars import CalendarRow


def _row(row: CalendarRow) -> rx.Component:
    busy = S.refreshing.contains(row.id)
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.text(row.url, size="2", weight="medium", style={"wordBreak": "break-all"}),
                rx.flex(
                    rx.badge(row.status_label, color_scheme=rx.match(row.status, ("ok", "green"), ("error", "red"),
                                                                      "gray"), variant="soft"),
                    rx.text(row.fetched, size="1", color=rx.color("gray", 11)),
                    rx.text(row.busy, size="1", color=rx.color("gray", 11)),
                    gap="8px",
                    wrap="wrap",
                    align="center",
                ),
                rx.cond(
                    row.error != "",
                    rx.text(row.error, size="1", color=rx.color("red", 11), role="alert"),
                    rx.fragment(),
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.flex(
                rx.button(rx.icon("refresh-cw", size=14), "Refresh now", size="2", variant="soft", loading=busy,
                          on_click=S.refresh_calendar(row.id)),
                confirm_dialog(
                    rx.button(rx.icon("trash-2", size=14), "Remove", size="2", variant="soft", color_scheme="red"),
                    "Remove this calendar?",
                    "Its events will stop blocking your free times.",
                    rx.button("Remove", color_scheme="red", on_click=S.remove_calendar(row.id)),
                ),
                gap="8px",
                wrap="wrap",
            ),
            gap="12px",
            direction=rx.breakpoints(initial="column", sm="row"),
            justify="between",
            width="100%",
        ),
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
    )


def _add_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field_label("Calendar address (iCalendar / .ics)", "busy-calendar-url"),
            rx.flex(
                rx.input(
                    id="busy-calendar-url", name="url", placeholder="https://calendar.example.com/…/basic.ics",
                    type="url", required=True, size="3", width="100%",
                    custom_attrs={"aria-describedby": "busy-calendar-url-error",
                                  "aria-invalid": rx.cond(S.add_error != "", "true", "false")},
                ),
                submit_button("Add calendar", loading=S.adding),
                gap="8px",
                width="100%",
                direction=rx.breakpoints(initial="column", sm="row"),
            ),
            hint_text("In Google Calendar: Settings → your calendar → “Secret address in iCal format”. "
                      "Apple and Outlook offer a similar “publish” or “share” link."),
            error_text("Calendar address:", S.add_error, "busy-calendar-url-error"),
            spacing="1",
            width="100%",
        ),
        on_submit=S.add_calendar,
        key=S.add_key.to_string(),
        width="100%",
    )


def busy_calendars_card() -> rx.Component:
    body = rx.vstack(
        _add_form(),
        rx.cond(
            S.calendars.length() > 0,
            rx.vstack(rx.foreach(S.calendars, _row), spacing="0", width="100%"),
            rx.text("No outside calendars yet.", size="2", color=rx.color("gray", 11)),
        ),
        spacing="4",
        width="100%",
    )
    return rx.box(
        rx.match(
            S.cal_status,
            ("ready", section(
                "Other calendars",
                body,
                description="Lessons you teach elsewhere or private appointments: events in these calendars "
                "block your TutorHub slots. They are checked every 15 minutes.",
            )),
            ("hidden", rx.fragment()),
            section("Other calendars", rx.spinner(size="3")),
        ),
        on_mount=S.load_calendars,
        width="100%",
    )
