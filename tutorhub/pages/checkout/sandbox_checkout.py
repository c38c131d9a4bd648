"""The sandbox gateway's checkout page: amount, description, and Pay / Fail / Cancel.

Clearly labelled as a sandbox: no real money; the only card field is a test card number, of which
the provider side keeps nothing but a fingerprint (for the shared-card fraud signal). Pay and Fail deliver a signed
webhook to the app (the same path real providers use), then go to the payment's result page.
"""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page
from tutorhub.components.ui import gate
from tutorhub.state.checkout.sandbox_checkout import SandboxCheckoutState as S


def _button(label: str, action: str, handler: rx.EventHandler, **props: object) -> rx.Component:
    return rx.button(
        rx.cond(S.busy == action, rx.spinner(size="2"), rx.fragment()),
        label,
        on_click=handler,
        disabled=(S.busy != "") | (S.charge_status != "pending"),
        size="3",
        width=rx.breakpoints(initial="100%", sm="auto"),
        **props,
    )


def _checkout() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.callout(
                "Sandbox — no real money. This page stands in for a payment provider's checkout.",
                icon="flask-conical",
                color_scheme="amber",
                width="100%",
                role="note",
            ),
            rx.text(S.description, size="3", color=rx.color("gray", 11)),
            rx.heading(S.amount_text, size="8", aria_label="Amount to pay"),
            rx.cond(S.note != "", rx.callout(S.note, icon="info", width="100%")),
            rx.vstack(
                rx.text("Test card number", as_="label", html_for="sandbox-card", size="2", weight="medium"),
                rx.input(id="sandbox-card", value=S.card_number, on_change=S.set_card_number, inputmode="numeric",
                         autocomplete="off", max_length=40, width="100%"),
                rx.text("Any 12–19 digits; the sandbox tells TutorHub only a fingerprint of it, like a provider.",
                        size="1", color=rx.color("gray", 11)),
                spacing="1",
                width="100%",
            ),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%", role="alert")),
            rx.flex(
                _button("Pay", "succeed", S.pay, color_scheme="green"),
                _button("Fail", "fail", S.fail, color_scheme="red", variant="soft"),
                _button("Cancel", "cancel", S.cancel, variant="outline", color_scheme="gray"),
                direction=rx.breakpoints(initial="column", sm="row"),
                gap="12px",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        size="4",
        width="100%",
    )


def sandbox_checkout_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Checkout", size="6"),
            gate(S.status, _checkout(), what="checkout"),
            spacing="4",
            width="100%",
        ),
        width="560px",
    )
