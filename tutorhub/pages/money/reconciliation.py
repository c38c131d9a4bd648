"""Admin: daily payment reconciliation — one row per gateway and day; a row opens its differences."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, loading_block, not_allowed_block
from tutorhub.state.money.reconciliation import AdminReconciliationState as S
from tutorhub.state.money.reconciliation import ItemRow, ReportRow


def _item(item: ItemRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.problem),
        rx.table.cell(item.kind),
        rx.table.cell(rx.code(item.gateway_ref), max_width="220px"),
        rx.table.cell(item.reference),
        rx.table.cell(item.gateway_amount, white_space="nowrap"),
        rx.table.cell(item.ledger_amount, white_space="nowrap"),
    )


def _items() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(*[rx.table.column_header_cell(h) for h in
                           ("Problem", "Kind", "Gateway id", "Our reference", "Gateway amount", "Our amount")])
        ),
        rx.table.body(rx.foreach(S.items, _item)),
        variant="surface",
        size="1",
        width="100%",
    )


def _row(row: ReportRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text(row.day, weight="bold"),
                rx.badge(row.gateway, variant="soft"),
                rx.badge(row.status, color_scheme=row.color),
                rx.spacer(),
                rx.text(
                    row.matched.to_string(), " matched · ", row.gateway_records.to_string(), " at the gateway · ",
                    row.ledger_records.to_string(), " in our books",
                    size="2", color=rx.color("gray", 11),
                ),
                rx.cond(
                    row.differences > 0,
                    rx.button(
                        rx.cond(S.selected == row.id, "Hide", "Show"), " ", row.differences.to_string(), " differences",
                        size="1", variant="soft", on_click=S.show(row.id),
                        aria_expanded=rx.cond(S.selected == row.id, "true", "false"),
                    ),
                ),
                gap="8px",
                wrap="wrap",
                align="center",
                width="100%",
            ),
            rx.cond(row.error != "", rx.text(row.error, color=rx.color("red", 11), size="2")),
            rx.cond(S.selected == row.id, rx.box(_items(), overflow_x="auto", width="100%")),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def reconciliation_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Reconciliation",
            "Each night, yesterday's movements at every payment gateway are compared with our payments, "
            "refunds, payouts and ledger (UTC days).",
            rx.button(rx.icon("refresh-cw", size=16), "Refresh", variant="soft", on_click=S.load, loading=S.refreshing),
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, _row), spacing="3", width="100%"),
            empty_state("scale", "No reports yet", "The first report appears after the nightly run (02:30 UTC)."),
        ),
        spacing="3",
        width="100%",
    )
    body = rx.match(S.status, ("ready", ready), ("forbidden", not_allowed_block()), loading_block())
    return page(body, width="1000px")
