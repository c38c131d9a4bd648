"""/notifications (the full list with mark read) and /settings/notifications (channel choices)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, link_button
from tutorhub.pages.growth.analytics_consent import analytics_consent_section
from tutorhub.state.messaging.notifications import (
    NoteRow,
    NotificationPrefsState,
    NotificationsPageState,
    PrefCell,
    PrefRow,
)

N = NotificationsPageState
P = NotificationPrefsState

CHANNEL_LABELS = {"email": "Email", "sms": "SMS", "whatsapp": "WhatsApp"}


def _note(row: NoteRow) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.cond(row.read, rx.fragment(), rx.badge("new", color_scheme="blue", size="1")),
                    rx.text(row.title, weight=rx.cond(row.read, "regular", "bold"), size="3"),
                    spacing="2",
                    align="center",
                ),
                rx.text(row.body, size="2", color=rx.color("gray", 11), white_space="pre-line"),
                rx.hstack(
                    rx.text(row.when, size="1", color=rx.color("gray", 11)),
                    rx.cond(row.link != "", rx.link("Open", href=row.link, size="1"), rx.fragment()),
                    spacing="3",
                ),
                spacing="1",
                align="start",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                row.read,
                rx.fragment(),
                rx.button("Mark read", size="1", variant="soft", on_click=N.mark_read(row.id),
                          aria_label="Mark " + row.title + " read"),
            ),
            align="start",
            width="100%",
            spacing="3",
        ),
        width="100%",
        class_name="notification-row",
    )


def notifications_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Notifications",
            rx.cond(N.unread > 0, N.unread.to_string() + " unread", "All caught up."),
            rx.hstack(
                rx.button("Mark all read", on_click=N.mark_all_read, disabled=N.unread == 0, variant="soft"),
                link_button("Preferences", href="/settings/notifications", variant="ghost"),
                spacing="3",
                wrap="wrap",
            ),
        ),
        rx.cond(
            N.items.length() > 0,
            rx.vstack(rx.foreach(N.items, _note), spacing="2", width="100%"),
            empty_state("bell", "No notifications yet", "Booking updates, reminders and messages will show up here."),
        ),
        rx.cond(N.has_more, rx.button("Load older", on_click=N.load_more, loading=N.loading_more, variant="soft"),
                rx.fragment()),
        spacing="3",
        width="100%",
    )
    return page(gate(N.status, ready), width="760px")


def _cell(cell: PrefCell) -> rx.Component:
    return rx.table.cell(
        rx.vstack(
            rx.checkbox(name=cell.key, default_checked=cell.enabled, aria_label=cell.key, size="2"),
            rx.cond(cell.needs_phone, rx.text("no phone", size="1", color=rx.color("gray", 11)), rx.fragment()),
            spacing="1",
            align="center",
        ),
        text_align="center",
    )


def _pref_row(row: PrefRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.label, size="2")),
        rx.table.cell(rx.checkbox(checked=True, disabled=True, aria_label=row.kind + ":in-app"), text_align="center"),
        rx.foreach(row.cells, _cell),
    )


def notification_settings_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Notification preferences",
                    "In-app notifications (the bell) are always on. Choose where else each kind should reach you."),
        rx.cond(
            P.has_phone,
            rx.fragment(),
            rx.callout("SMS and WhatsApp need a phone number on your account; until you add one, those choices "
                       "are saved but nothing is sent there.", icon="info", color_scheme="amber", high_contrast=True, size="1"),
        ),
        rx.form(
            rx.vstack(
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Kind"),
                            rx.table.column_header_cell("In-app", text_align="center"),
                            *[rx.table.column_header_cell(label, text_align="center")
                              for label in CHANNEL_LABELS.values()],
                        )),
                        rx.table.body(rx.foreach(P.rows, _pref_row)),
                        width="100%",
                        variant="surface",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                rx.cond(P.form_error != "", rx.callout(P.form_error, icon="triangle-alert", color_scheme="red", high_contrast=True,
                                                       role="alert"), rx.fragment()),
                rx.hstack(
                    rx.button("Save preferences", type="submit", loading=P.saving),
                    rx.text(P.saved_note, size="2", color=rx.color("green", 12), aria_live="polite"),
                    align="center",
                    spacing="3",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=P.save,
            reset_on_submit=False,
            width="100%",
        ),
        analytics_consent_section(),
        spacing="4",
        width="100%",
    )
    return page(gate(P.status, ready), width="860px")
