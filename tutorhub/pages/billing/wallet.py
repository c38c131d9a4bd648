"""The student's wallet (/wallet): balances, credit minutes and their expiry, top-up, minute packs,
plans, and every payment and refund with its receipt."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ad_slot import offers_banner
from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.money_ui import figure_card, payment_item, simple_pager
from tutorhub.components.ui import confirm_dialog, empty_state, gate, section
from tutorhub.state.billing.wallet import WalletState as W
from tutorhub.state.money.views import AmountRow, LotRow, PackRow, PlanRow


def _balance(row: AmountRow) -> rx.Component:
    return figure_card(row.label, row.amount, "Available to pay lessons", class_name="wallet-balance")


def _lot(row: LotRow) -> rx.Component:
    return rx.hstack(
        rx.icon("clock", size=14, color=rx.color("accent", 10)),
        rx.text(row.minutes, size="2", weight="medium"),
        rx.text(row.source, size="1", color=rx.color("gray", 11)),
        rx.spacer(),
        rx.text("expires ", row.expires, size="1", color=rx.color("gray", 11)),
        width="100%",
        align="center",
        class_name="credit-lot",
    )


def _balances() -> rx.Component:
    credits = figure_card("Lesson credits", W.credits_total, "Oldest credits are used first", id="credits-total")
    trial = rx.cond(
        W.trial_available,
        rx.callout(
            rx.flex(
                rx.text("New here? Your free plan includes one trial lesson credit (60 minutes)."),
                rx.button("Claim my trial credit", size="2", on_click=W.claim_trial, loading=W.busy == "trial"),
                gap="12px",
                align="center",
                wrap="wrap",
            ),
            icon="gift",
            width="100%",
        ),
        rx.fragment(),
    )
    return rx.vstack(
        rx.grid(
            rx.foreach(W.balances, _balance),
            credits,
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="3",
            width="100%",
            id="wallet-balances",
        ),
        trial,
        rx.cond(
            W.lots.length() > 0,
            rx.card(
                rx.vstack(
                    rx.text("Credits by expiry date", size="2", weight="bold"),
                    rx.foreach(W.lots, _lot),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
                id="credit-lots",
            ),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
    )


def _topup() -> rx.Component:
    return section(
        "Top up your wallet",
        rx.form(
            rx.flex(
                rx.box(
                    text_field(
                        "Amount",
                        "amount",
                        errors=W.topup_errors,
                        placeholder="e.g. 50.00",
                        input_mode="decimal",
                        field_id="topup-amount",
                    ),
                    flex="2",
                    min_width="160px",
                ),
                rx.box(
                    _currency_select(),
                    flex="1",
                    min_width="120px",
                ),
                gap="12px",
                wrap="wrap",
                width="100%",
                align="start",
            ),
            form_message(W.topup_message),
            submit_button("Continue to payment", loading=W.busy == "topup", id="topup-submit", margin_top="12px"),
            on_submit=W.topup,
            width="100%",
        ),
        description="You pay on the payment page; the money shows here as soon as the payment is confirmed.",
    )


def _currency_select() -> rx.Component:
    """The top-up currency (choices are the currencies TutorHub accepts)."""
    return rx.vstack(
        rx.el.label("Currency", html_for="topup-currency", style={"font_size": "var(--font-size-2)", "font_weight": "500"}),
        rx.el.select(
            rx.foreach(W.currency_options, lambda c: rx.el.option(c, value=c)),
            name="currency",
            id="topup-currency",
            default_value=W.default_currency,
            key=W.default_currency,
            style={
                "height": "var(--space-7)",
                "width": "100%",
                "border_radius": "var(--radius-2)",
                "border": f"1px solid {rx.color('gray', 7)}",
                "padding": "0 8px",
                "background": rx.color("gray", 1),
            },
        ),
        rx.cond(
            W.topup_errors.get("currency", "") != "",
            rx.text("Currency ", W.topup_errors.get("currency", ""), size="1", color=rx.color("red", 11), role="alert"),
            rx.fragment(),
        ),
        spacing="1",
        width="100%",
    )


def _promo_field() -> rx.Component:
    return rx.vstack(
        text_field(
            "Promo code (optional)",
            "promo_code",
            errors=W.promo_errors,
            placeholder="e.g. WELCOME10",
            field_id="pack-promo",
            max_length=32,
            on_blur=W.check_promo,
        ),
        rx.cond(W.promo_note != "", rx.text(W.promo_note, size="1", color=rx.color("green", 11)), rx.fragment()),
        spacing="1",
        width="100%",
    )


def _pack(row: PackRow) -> rx.Component:
    return rx.el.label(
        rx.card(
            rx.hstack(
                rx.el.input(
                    type="radio",
                    name="pack",
                    value=row.code,
                    on_change=W.pick_pack(row.code),
                    aria_label=row.name,
                ),
                rx.vstack(
                    rx.text(row.name, weight="bold", size="2"),
                    rx.text(row.minutes, " · valid ", row.validity, size="1", color=rx.color("gray", 11)),
                    spacing="0",
                    flex="1",
                ),
                rx.text(row.price, weight="bold", size="3"),
                align="center",
                width="100%",
            ),
            width="100%",
            class_name="minute-pack",
        ),
        width="100%",
        cursor="pointer",
    )


def _packs() -> rx.Component:
    return section(
        "Buy a minute pack",
        rx.cond(
            W.packs.length() > 0,
            rx.form(
                rx.vstack(
                    rx.el.fieldset(
                        rx.el.legend("Pack", class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
                        rx.vstack(rx.foreach(W.packs, _pack), spacing="2", width="100%"),
                        style={"border": "none", "padding": "0", "margin": "0", "width": "100%"},
                    ),
                    rx.cond(
                        W.pack_errors.get("pack", "") != "",
                        rx.text(W.pack_errors.get("pack", ""), size="1", color=rx.color("red", 11), role="alert"),
                        rx.fragment(),
                    ),
                    _promo_field(),
                    rx.vstack(
                        rx.text("Pay with", size="2", weight="medium", id="pack-method-label"),
                        rx.segmented_control.root(
                            rx.segmented_control.item("Card / UPI", value="gateway"),
                            rx.segmented_control.item("Wallet balance", value="wallet"),
                            value=W.pack_method,
                            on_change=W.set_pack_method,
                            aria_labelledby="pack-method-label",
                        ),
                        spacing="1",
                    ),
                    form_message(W.pack_message),
                    submit_button("Buy pack", loading=W.busy == "pack", id="pack-submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=W.buy_pack,
                width="100%",
            ),
            rx.text("No minute packs are on offer right now.", size="2", color=rx.color("gray", 11)),
        ),
        description="Pay once, use the minutes for any lesson. Credits expire after the pack's validity.",
    )


def _plan(row: PlanRow) -> rx.Component:
    action = rx.match(
        row.action,
        ("current", rx.badge("Your plan", color_scheme="green")),
        ("next", rx.badge("From next period", color_scheme="blue")),
        ("unavailable", rx.badge("Not offered in your plan's currency", color_scheme="gray")),
        (
            "subscribe",
            rx.button("Subscribe", size="2", on_click=W.subscribe(row.code), loading=W.busy == "plan:" + row.code),
        ),
        rx.button(
            rx.cond(row.action == "upgrade", "Upgrade now", "Downgrade at renewal"),
            size="2",
            variant="soft",
            on_click=W.change_plan(row.code),
            loading=W.busy == "plan:" + row.code,
        ),
    )
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(row.name, weight="bold", size="3"),
                rx.text(row.minutes, " of lessons every month", size="2", color=rx.color("gray", 11)),
                rx.text(row.price, " / month", size="2", weight="medium"),
                spacing="1",
                flex="1",
            ),
            action,
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="8px",
            align=rx.breakpoints(initial="start", sm="center"),
            width="100%",
        ),
        width="100%",
        class_name="plan-card",
    )


def _plans() -> rx.Component:
    cancel = confirm_dialog(
        rx.button("Cancel subscription", variant="soft", color_scheme="red", size="2"),
        "Cancel your subscription?",
        rx.text(
            "You keep your plan and its credits until ",
            W.sub_period_end,
            ". It will not renew after that; unused credits stay valid until they expire.",
        ),
        rx.button("Cancel at period end", color_scheme="red", on_click=W.cancel_plan),
    )
    # A failed renewal (past due) is amber with a warning sign; a cancelled plan amber; else green.
    current = rx.cond(
        W.has_sub,
        rx.callout.root(
            rx.callout.icon(rx.cond(W.sub_past_due, rx.icon("triangle-alert"), rx.icon("badge-check"))),
            rx.callout.text(
                rx.flex(
                    rx.text(W.sub_text, id="subscription-text"),
                    rx.cond(
                        W.sub_pay_now,
                        rx.button("Pay now", id="pay-past-due", color_scheme="amber", size="2", on_click=W.pay_now,
                                  loading=W.busy == "pay_now"),
                        rx.fragment(),
                    ),
                    rx.cond(W.sub_cancel_at_end, rx.fragment(), cancel),
                    gap="12px",
                    align="center",
                    wrap="wrap",
                    justify="between",
                    width="100%",
                ),
            ),
            color_scheme=rx.cond(W.sub_cancel_at_end | W.sub_past_due, "amber", "green"),
            width="100%",
        ),
        rx.fragment(),
    )
    return section(
        "Monthly plans",
        current,
        rx.cond(
            W.plans.length() > 0,
            rx.grid(rx.foreach(W.plans, _plan), columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            rx.text("No plans are on offer right now.", size="2", color=rx.color("gray", 11)),
        ),
        description="Plans add lesson credits every month. Unused credits roll over for 60 days. "
        "Upgrades apply now (you pay the prorated difference); downgrades start at your next renewal.",
    )


def _rows_list(title: str, rows: rx.Var, list_id: str) -> rx.Component:
    """A titled list of payment-like rows (refunds, lessons paid for you), hidden when empty."""
    return rx.cond(
        rows.length() > 0,
        rx.vstack(
            rx.heading(title, size="3", as_="h3", margin_top="12px"),
            rx.foreach(rows, lambda r: payment_item(r, W.download_receipt)),
            spacing="0",
            width="100%",
            id=list_id,
        ),
        rx.fragment(),
    )


def _history() -> rx.Component:
    refunds = _rows_list("Refunds", W.refunds, "refund-list")
    paid_for_you = _rows_list("Paid for you", W.paid_for_you, "paid-for-you-list")
    return section(
        "Payments and refunds",
        rx.cond(
            W.payments.length() > 0,
            rx.vstack(
                rx.foreach(W.payments, lambda r: payment_item(r, W.download_receipt)),
                simple_pager(W.pay_page, W.pay_pages, W.go_page),
                spacing="0",
                width="100%",
                id="payment-list",
            ),
            empty_state("receipt", "No payments yet", "Your payments and refunds will be listed here."),
        ),
        paid_for_you,
        refunds,
    )


def wallet_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Wallet", "Your balance, lesson credits, plans and payments."),
        offers_banner(),
        _balances(),
        _topup(),
        _plans(),
        _packs(),
        _history(),
        spacing="4",
        width="100%",
    )
    return page(gate(W.status, ready), width="900px")
