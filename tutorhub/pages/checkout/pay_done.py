"""/pay/done?ref=… — where the payment page sends the payer back: the outcome of the payment."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page
from tutorhub.components.ui import gate, link_button
from tutorhub.state.checkout.pay_done import PayDoneState as D


def _outcome(icon: str, colour: str, title: str, text: str | rx.Component) -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon(icon, size=30, color=rx.color(colour, 10)),
            background=rx.color(colour, 3),
            border_radius="999px",
            width="64px",
            height="64px",
        ),
        rx.heading(title, size="5", text_align="center", as_="h1"),
        rx.text(text, color=rx.color("gray", 11), text_align="center", max_width="440px"),
        align="center",
        spacing="3",
    )


def _body() -> rx.Component:
    detail = rx.text(D.what, " · ", D.amount, " · ", D.reference, size="2", color=rx.color("gray", 10))
    outcome = rx.match(
        D.outcome,
        (
            "processing",
            rx.vstack(
                _outcome(
                    "loader",
                    "blue",
                    "Processing your payment…",
                    "We are waiting for the payment provider to confirm it. This usually takes a few seconds.",
                ),
                rx.hstack(rx.spinner(size="2"), rx.text("Checking…", size="2"), align="center",
                          role="status", aria_live="polite"),
                rx.button("Check again", variant="soft", on_click=D.refresh, size="2"),
                align="center",
                spacing="3",
            ),
        ),
        ("succeeded", _outcome("circle-check", "green", "Payment received", "Thank you! The payment is confirmed.")),
        ("refunded", _outcome("rotate-ccw", "gray", "Payment refunded", "This payment was refunded (see your wallet).")),
        (
            "cancelled",
            _outcome("circle-x", "amber", "Payment cancelled", "Nothing was charged. You can try again."),
        ),
        (
            "expired",
            _outcome("clock", "gray", "Payment expired",
                     "This checkout was not paid in time, so nothing was charged. You can start the payment again."),
        ),
        _outcome("circle-x", "red", "The payment did not go through", "Nothing was charged. You can try again."),
    )
    return rx.center(
        rx.card(
            rx.vstack(
                outcome,
                detail,
                link_button(D.next_label, href=D.next_href, size="3", id="pay-done-next"),
                align="center",
                spacing="4",
                padding_y="16px",
            ),
            width="100%",
            max_width="520px",
            id="pay-outcome",
            custom_attrs={"data-outcome": D.outcome},
        ),
        width="100%",
        padding_y="24px",
    )


def pay_done_page() -> rx.Component:
    return page(gate(D.status, _body(), what="payment"), width="720px")
