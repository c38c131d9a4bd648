"""The "Pay" choices for a held booking: card / UPI, wallet, credits, and a promo code.

Used by the booking dialog and the lesson page; `S` is a state class with PayMixin.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.components.forms import text_field


def _method(value: str, title: str, detail: Any, ok: Any = True, disabled: Any = False) -> rx.Component:
    return rx.radio_cards.item(
        rx.vstack(
            rx.text(title, weight="bold", size="2"),
            rx.text(detail, size="1", color=rx.cond(ok, rx.color("gray", 11), rx.color("red", 11))),
            spacing="0",
            align="start",
        ),
        value=value,
        disabled=disabled,
        width="100%",
        justify_content="start",
    )


def pay_total(S: Any, price: Any, *, total_id: str = "pay-total") -> rx.Component:
    """What will be charged: the price, or — with a checked promo code — the old price struck
    through and the discounted one (the same amount the Pay button and the checkout show)."""
    return rx.hstack(
        rx.cond(S.pay_list_total != "",
                rx.text(S.pay_list_total, as_="s", size="2", color=rx.color("gray", 10), id="pay-list-total",
                        aria_label=rx.Var.create("was ") + S.pay_list_total),
                rx.fragment()),
        rx.text(rx.cond(S.pay_total != "", S.pay_total, price), weight="bold", size="4", id=total_id),
        align="baseline",
        spacing="2",
    )


def pay_panel(S: Any, price: Any, *, series_note: bool = True, show_total: bool = True) -> rx.Component:
    """`show_total=False` when the caller shows `pay_total` itself (the booking dialog's Total row)."""
    methods = rx.radio_cards.root(
        _method("gateway", "Card / UPI", rx.cond(S.pay_series, "One lesson at a time", "Secure payment page"),
                disabled=S.pay_series),
        _method("wallet", "Wallet", S.pay_wallet, S.pay_wallet_ok),
        _method("credits", "Lesson credits", S.pay_credits, S.pay_credits_ok),
        value=S.pay_method,
        on_value_change=S.set_pay_method,
        columns=rx.breakpoints(initial="1", sm="3"),
        size="1",
        width="100%",
        aria_label="Payment method",
    )
    promo = rx.vstack(
        text_field(
            "Promo code (optional)",
            "promo_code",
            errors=S.pay_promo_errors,
            placeholder="e.g. WELCOME10",
            field_id="pay-promo",
            max_length=32,
            size="2",
            on_blur=S.check_pay_promo,
        ),
        rx.cond(
            S.pay_promo_note != "",
            rx.text(S.pay_promo_note, size="1", color=rx.color("green", 11), id="pay-promo-note"),
            rx.fragment(),
        ),
        spacing="1",
        width="100%",
    )
    return rx.form(
        rx.vstack(
            methods,
            rx.cond(S.pay_method != "credits", promo, rx.fragment()),
            rx.cond(
                S.pay_error != "",
                rx.callout(S.pay_error, icon="circle-alert", color_scheme="red", size="1", role="alert", id="pay-error",
                           width="100%"),
                rx.fragment(),
            ),
            rx.text(
                rx.cond(
                    S.pay_method == "gateway",
                    "You will pay on the payment page and come back here. The payment is held safely until "
                    "the lesson has taken place.",
                    "The payment is held safely until the lesson has taken place.",
                ),
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.hstack(rx.text("To pay", size="2"), rx.spacer(), pay_total(S, price), width="100%", align="center")
            if show_total else rx.fragment(),
            rx.button(
                rx.cond(S.pay_method == "credits", "Pay with credits",
                        rx.text.span("Pay ", rx.cond(S.pay_total != "", S.pay_total, price))),
                type="submit",
                loading=S.pay_busy,
                id="pay-submit",
                width="100%",
                size="3",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.pay,
        width="100%",
        id="pay-form",
    )
