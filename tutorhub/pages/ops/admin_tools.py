"""Admin tools: the outbox (every outgoing message with its sending and delivery status) and the login log."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import (
    empty_state,
    gate,
    loading_block,
    not_allowed_block,
    pager,
)
from tutorhub.state.ops.admin_tools import AdminLoginsState as L
from tutorhub.state.ops.admin_tools import AdminOutboxState as O
from tutorhub.state.ops.admin_tools import LoginRow, OutboxRow

_DELIVERY_COLOURS = {"queued": "gray", "sent": "blue", "delivered": "green", "read": "green",
                     "failed": "red", "undelivered": "red"}


def _delivery(row: OutboxRow) -> rx.Component:
    """Our sending status, then the provider's delivery report with its error and time."""
    return rx.flex(
        rx.badge(row.status, variant="outline", color_scheme=rx.cond(row.status == "failed", "red", "gray")),
        rx.cond(
            row.delivery != "",
            rx.badge(row.delivery, color_scheme=rx.match(row.delivery, *_DELIVERY_COLOURS.items(), "gray"),
                     high_contrast=True, class_name="outbox-delivery"),  # green on green fails axe otherwise
        ),
        rx.cond(row.provider != "", rx.text("via ", row.provider, size="1", color=rx.color("gray", 11))),
        rx.cond(row.delivery_when != "", rx.text(row.delivery_when, size="1", color=rx.color("gray", 11))),
        gap="6px",
        wrap="wrap",
        align="center",
    )


def _outbox_row(row: OutboxRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.badge(row.channel),
                rx.text(row.recipient, weight="medium", size="2"),
                rx.spacer(),
                rx.text(row.when, size="1", color=rx.color("gray", 11)),
                gap="8px",
                wrap="wrap",
                align="center",
                width="100%",
            ),
            _delivery(row),
            rx.cond(row.delivery_error != "",
                    rx.text(row.delivery_error, size="1", color=rx.color("red", 11), class_name="outbox-error")),
            rx.cond((row.error != "") & (row.delivery_error == ""),
                    rx.text(row.error, size="1", color=rx.color("red", 11), class_name="outbox-error")),
            rx.cond(row.note != "", rx.text(row.note, size="1", color=rx.color("gray", 11))),
            rx.text(row.subject, weight="bold", size="2"),
            rx.cond(row.body != "", rx.text(row.body, size="2", white_space="pre-wrap", class_name="outbox-body")),
            spacing="1",
            width="100%",
        ),
        size="2",
        width="100%",
    )


def outbox_page() -> rx.Component:
    filters = rx.cond(
        O.problems,
        rx.link("Show all messages", href="/admin/outbox", size="2"),
        rx.link("Show delivery problems only", href="/admin/outbox?problems=1", size="2"),
    )
    ready = rx.vstack(
        page_header(
            "Outbox",
            "Every e-mail, SMS and WhatsApp message, newest first, with the provider's delivery report.",
            rx.button(rx.icon("refresh-cw", size=16), "Refresh", variant="soft", on_click=O.load, loading=O.refreshing),
        ),
        filters,
        rx.cond(O.bodies_hidden, rx.text("Message texts are not shown in production (they hold login codes).",
                                         size="1", color=rx.color("gray", 11))),
        rx.cond(
            O.rows.length() > 0,
            rx.vstack(rx.foreach(O.rows, _outbox_row), spacing="3", width="100%"),
            empty_state("mail", "Nothing here", "One-time codes and notifications will appear here."),
        ),
        spacing="3",
        width="100%",
    )
    body = rx.match(
        O.status,
        ("ready", ready),
        ("forbidden", not_allowed_block()),
        ("unavailable", empty_state("mail-x", "Not available", "The outbox is not available.")),
        loading_block(),
    )
    return page(body, width="900px")


def _result_badge(row: LoginRow) -> rx.Component:
    return rx.cond(
        row.success,
        rx.badge("success", color_scheme="green"),
        rx.badge(rx.cond(row.reason != "", row.reason, "failed"), color_scheme="red", high_contrast=True),
    )


def _login_row(row: LoginRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when, white_space="nowrap"),
        rx.table.cell(row.identifier),
        rx.table.cell(row.method),
        rx.table.cell(_result_badge(row)),
        rx.table.cell(row.ip, white_space="nowrap"),
        rx.table.cell(rx.text(row.user_agent, size="1", color=rx.color("gray", 11)), max_width="280px"),
    )


def _login_card(row: LoginRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row.identifier, weight="medium", size="2", truncate=True),
                rx.spacer(),
                _result_badge(row),
                width="100%",
                align="center",
            ),
            rx.text(row.when, " · ", row.method, " · ", row.ip, size="1", color=rx.color("gray", 11)),
            rx.text(row.user_agent, size="1", color=rx.color("gray", 11), truncate=True, max_width="100%"),
            spacing="1",
            width="100%",
        ),
        size="1",
        width="100%",
    )


def logins_page() -> rx.Component:
    table = rx.table.root(
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Time", "Who", "Method", "Result", "IP", "Browser")]
            )
        ),
        rx.table.body(rx.foreach(L.rows, _login_row)),
        variant="surface",
        size="1",
        width="100%",
    )
    ready = rx.vstack(
        page_header("Login log", "Every password, code and token login attempt, newest first."),
        rx.mobile_only(rx.vstack(rx.foreach(L.rows, _login_card), spacing="2", width="100%"), width="100%"),
        rx.tablet_and_desktop(rx.box(table, overflow_x="auto", width="100%"), width="100%"),
        pager(L.prev_href, L.next_href, L.page, L.pages),
        spacing="3",
        width="100%",
    )
    return page(gate(L.status, ready), width="1120px")
