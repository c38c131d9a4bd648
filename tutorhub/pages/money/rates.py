"""/admin/rates: the exchange rates used to show prices in each viewer's currency (admins only)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, section
from tutorhub.state.money.rates import AdminRatesState as R
from tutorhub.state.money.rates import RateRow


def _row(row: RateRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(row.code)),
        rx.table.cell(row.rate),
        rx.table.cell(row.source),
        rx.table.cell(row.when),
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("Currency"),
            rx.table.column_header_cell("Units per 1 USD"),
            rx.table.column_header_cell("Source"),
            rx.table.column_header_cell("Set"),
        )),
        rx.table.body(rx.foreach(R.rows, _row)),
        width="100%",
        variant="surface",
        aria_label="Exchange rates",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(text_field("Currency code", "code", errors=R.errors, placeholder="EUR", field_id="rate-code",
                              max_length=3), width=rx.breakpoints(initial="100%", sm="9em")),
            rx.box(text_field("1 USD buys", "rate", errors=R.errors, placeholder="0.92", input_mode="decimal",
                              field_id="rate-value", max_length=20), flex="1"),
            rx.box(submit_button("Save rate", loading=R.saving), padding_top=rx.breakpoints(initial="0", sm="26px")),
            gap="12px",
            direction=rx.breakpoints(initial="column", sm="row"),
            align="start",
            width="100%",
        ),
        rx.cond(R.message != "", rx.callout(R.message, icon="triangle-alert", color_scheme="red", size="1",
                                            margin_top="8px"), rx.fragment()),
        on_submit=R.save,
        key=R.form_key,
        width="100%",
        aria_label="Set an exchange rate",
    )


def admin_rates_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Exchange rates",
            "Prices are shown to each viewer converted at these rates (marked ≈, beside the listing's own price) "
            "and search compares prices with them. Nothing is charged at them. Every change is in the audit log.",
        ),
        section("Set a rate", _form(), description="USD is the base and stays 1; up to 6 decimals."),
        section("Rates in force", _table()),
        spacing="4",
        width="100%",
    )
    return page(gate(R.status, ready), width="900px")
