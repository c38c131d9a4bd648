"""The earnings page's payout account section: the tutor's connected accounts with their status,
and the ways to connect one (Stripe's hosted onboarding, a Razorpay linked account form, the
sandbox's instant demo account). Without a verified account the payout form is replaced by this."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.money_ui import status_badge
from tutorhub.components.ui import section
from tutorhub.state.money.earnings import EarningsState as E
from tutorhub.state.money.payout_account import ConnectOption, PayoutAccountRow


def _account(row: PayoutAccountRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(row.label, weight="medium", size="2"),
            rx.code(row.account, size="1"),
            rx.cond(row.detail != "", rx.text(row.detail, size="1", color=rx.color("gray", 10)), rx.fragment()),
            spacing="1",
            align="start",
        ),
        rx.flex(
            status_badge(row.status_label, row.color),
            rx.cond(
                row.status != "verified",
                rx.button("Refresh status", size="1", variant="soft", loading=E.busy == "account",
                          on_click=E.refresh_payout(row.gateway), aria_label="Refresh the account status"),
                rx.fragment(),
            ),
            gap="8px",
            align="center",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="8px",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-gateway": row.gateway, "data-status": row.status},
    )


def _connect_button(option: ConnectOption) -> rx.Component:
    return rx.button(option.label, size="2", variant="surface", loading=E.busy == "account",
                     on_click=E.connect_payout(option.gateway), custom_attrs={"data-connect": option.gateway})


def _razorpay_form() -> rx.Component:
    field = lambda label, name, **p: text_field(label, name, errors=E.account_errors, size="2", **p)  # noqa: E731
    return rx.form(
        rx.vstack(
            rx.text("Razorpay linked account (payouts in INR)", weight="medium", size="2"),
            rx.grid(
                field("Phone", "phone", input_mode="tel", auto_complete="tel"),
                field("Bank account number", "bank_account_number", input_mode="numeric"),
                field("IFSC", "bank_ifsc", placeholder="HDFC0001234"),
                field("Street", "street", auto_complete="street-address"),
                field("City", "city"),
                field("State", "state"),
                field("PIN code", "postal_code", input_mode="numeric"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="2",
                width="100%",
            ),
            submit_button("Send to Razorpay", loading=E.busy == "account", size="2"),
            spacing="2",
            width="100%",
            align="start",
        ),
        on_submit=E.connect_razorpay,
        reset_on_submit=False,
        width="100%",
    )


def payout_account_section() -> rx.Component:
    return section(
        "Payout account",
        rx.cond(
            E.payout_accounts.length() > 0,
            rx.vstack(rx.foreach(E.payout_accounts, _account), spacing="0", width="100%", id="payout-accounts"),
            rx.text("No payout account yet.", size="2", color=rx.color("gray", 10)),
        ),
        form_message(E.account_message),
        rx.flex(rx.foreach(E.connect_options, _connect_button), gap="8px", wrap="wrap"),
        rx.cond(E.razorpay_available, _razorpay_form(), rx.fragment()),
        description="Payouts are sent to this account. Stripe and Razorpay keep your identity and bank details.",
    )


def connect_prompt() -> rx.Component:
    """Shown instead of the payout form until an account is verified."""
    return section(
        "Request a payout",
        rx.callout("Connect a payout account to request payouts.", icon="landmark", color_scheme="amber",
                   id="connect-payout-account"),
        rx.text("Available ", E.available, size="1", color=rx.color("gray", 10)),
        description="Your earnings stay safe here until an account is connected and verified.",
    )
