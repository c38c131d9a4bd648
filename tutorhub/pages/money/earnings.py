"""The tutor's earnings (/earnings): escrow, available, paid out, commission, a monthly chart,
statements, payouts and lead credits."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.money_ui import bar_chart, figure_card, figure_grid, payout_item
from tutorhub.components.ui import empty_state, gate, section
from tutorhub.pages.courses.earnings import course_earnings_card
from tutorhub.pages.money.payout_account import connect_prompt, payout_account_section
from tutorhub.state.money.earnings import EarningsState as E


def _currency_switch() -> rx.Component:
    return rx.cond(
        E.currencies.length() > 1,
        rx.segmented_control.root(
            rx.foreach(E.currencies, lambda c: rx.segmented_control.item(c, value=c)),
            value=E.currency,
            on_change=E.set_currency,
            aria_label="Currency",
        ),
        rx.fragment(),
    )


def _figures() -> rx.Component:
    return rx.vstack(_figure_grid(), _approx_note(), spacing="2", width="100%")


def _approx_note() -> rx.Component:
    """Says what the small ≈ amounts are: a conversion for reading, never what is paid out."""
    return rx.cond(
        E.approx["held"] != "",
        rx.text("≈ amounts are in ", E.display_currency, " at the platform's exchange rates, for reading only; "
                "you are paid in ", E.currency, ".", size="1", color=rx.color("gray", 11)),
        rx.fragment(),
    )


def _figure_grid() -> rx.Component:
    return figure_grid(
        figure_card("Held in escrow", E.held, "Paid lessons not settled yet", approx=E.approx["held"], id="earn-held"),
        figure_card("Available", E.available, "Ready to pay out", approx=E.approx["available"], id="earn-available"),
        figure_card("Paid out", E.paid_out, rx.text.span("Pending: ", E.pending), approx=E.approx["paid_out"],
                    id="earn-paid"),
        figure_card(
            "Commission taken", E.commission, rx.text.span(E.commission_percent.to_string(), "% of each lesson"),
            approx=E.approx["commission"], id="earn-commission",
        ),
    )


def _chart() -> rx.Component:
    return section(
        "Earnings by month",
        rx.cond(
            E.points.length() > 0,
            bar_chart(
                E.points,
                [("a", "You earned", "var(--accent-9)"), ("b", "Commission", "var(--gray-8)")],
                label="Bar chart of your earnings and the commission taken, by month",
                stacked=True,
            ),
            empty_state("chart-column", "No earnings yet", "Settled lessons show up here by month."),
        ),
    )


def _payout_form() -> rx.Component:
    return section(
        "Request a payout",
        rx.form(
            rx.vstack(
                text_field(
                    "Amount",
                    "amount",
                    errors=E.payout_errors,
                    placeholder="e.g. 100.00",
                    input_mode="decimal",
                    field_id="payout-amount",
                    hint="",
                ),
                rx.text("Minimum ", E.payout_min, " · available ", E.available, size="1", color=rx.color("gray", 10)),
                form_message(E.payout_message),
                submit_button("Request payout", loading=E.busy == "payout", id="payout-submit"),
                spacing="2",
                width="100%",
                align="start",
            ),
            on_submit=E.request_payout,
            reset_on_submit=False,
            width="100%",
        ),
        description="An admin approves each payout; the money then goes to your payout account.",
    )


def _payouts() -> rx.Component:
    return section(
        "Payout history",
        rx.cond(
            E.payouts.length() > 0,
            rx.vstack(rx.foreach(E.payouts, lambda r: payout_item(r)), spacing="0", width="100%", id="payout-list"),
            empty_state("landmark", "No payouts yet", "Payouts you request are listed here."),
        ),
    )


def _statement() -> rx.Component:
    return section(
        "Monthly statement",
        rx.form(
            rx.flex(
                rx.el.label("Month", html_for="statement-month", class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
                rx.el.select(
                    rx.foreach(E.months, lambda m: rx.el.option(m, value=m)),
                    name="month",
                    id="statement-month",
                    style={"height": "32px", "border_radius": "6px", "padding": "0 8px",
                           "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)},
                ),
                rx.button(rx.icon("download", size=14), "Download CSV", type="submit", variant="soft", size="2"),
                gap="12px",
                align="center",
                wrap="wrap",
            ),
            on_submit=E.download_statement,
            width="100%",
        ),
        description="Every lesson settled, the commission and your payouts in one month.",
    )


def _leads() -> rx.Component:
    return section(
        "Lead credits",
        rx.text("You have ", rx.text.strong(E.lead_balance.to_string(), id="lead-balance"), " lead credits.", size="2"),
        rx.form(
            rx.vstack(
                rx.box(
                    text_field("How many", "quantity", errors=E.lead_errors, default_value="5", input_mode="numeric",
                               field_id="lead-quantity"),
                    max_width="200px",
                    width="100%",
                ),
                rx.cond(E.lead_price != "", rx.text(E.lead_price, " each", size="1", color=rx.color("gray", 10)),
                        rx.fragment()),
                rx.segmented_control.root(
                    rx.segmented_control.item("Card / UPI", value="gateway"),
                    rx.segmented_control.item("From my earnings", value="earnings"),
                    value=E.lead_method,
                    on_change=E.set_lead_method,
                    aria_label="Pay with",
                ),
                submit_button("Buy lead credits", loading=E.busy == "leads", size="2"),
                spacing="2",
                width="100%",
                align="start",
            ),
            on_submit=E.buy_leads,
            width="100%",
        ),
        description="Each credit lets you answer one student request in the lead inbox.",
    )


def earnings_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Earnings", "What your lessons earned, what is on its way, and your payouts.", _currency_switch()),
        _figures(),
        _chart(),
        rx.grid(rx.cond(E.payout_verified, _payout_form(), connect_prompt()), _statement(),
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        payout_account_section(),
        _payouts(),
        course_earnings_card(),
        _leads(),
        spacing="4",
        width="100%",
    )
    return page(gate(E.status, ready), width="1000px")
