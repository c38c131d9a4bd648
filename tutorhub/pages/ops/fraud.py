"""/admin/fraud: fraud flags from the hourly scan; an admin reviews each and resolves it with a note."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, pager
from tutorhub.models.fraud import FraudKind
from tutorhub.services.ops.fraud_review import KIND_LABELS
from tutorhub.state.ops.fraud import AdminFraudState as F
from tutorhub.state.ops.fraud import FlagUserLink, FraudRow

SHOW = [("OPEN", "Open"), ("RESOLVED", "Resolved"), ("all", "All")]


def _user(link: FlagUserLink) -> rx.Component:
    return rx.hstack(rx.link(link.name, href=link.href, size="2"),
                     rx.cond(link.suspended, rx.badge("suspended", color_scheme="red", size="1")), spacing="1")


def _resolve(row: FraudRow) -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="flag_id", value=row.id.to_string()),
            rx.input(name="resolution", placeholder="What you found or did", aria_label="Resolution note",
                     max_length=1000, required=True, flex="1", min_width="200px"),
            rx.button("Resolve", type="submit", variant="soft", loading=F.working == row.id),
            gap="8px", wrap="wrap", width="100%",
        ),
        on_submit=F.resolve, reset_on_submit=True, width="100%",
    )


def _flag(row: FraudRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.badge(row.kind_label, color_scheme="amber", high_contrast=True),
                rx.spacer(),
                rx.text("last seen ", row.seen, size="1", color=rx.color("gray", 11)),
                gap="8px", wrap="wrap", align="center", width="100%",
            ),
            rx.text(row.reason, size="2"),
            rx.flex(rx.foreach(row.users, _user), gap="12px", wrap="wrap"),
            rx.cond(row.resolved, rx.text("Resolved: ", row.resolution, size="2", color=rx.color("green", 11)),
                    _resolve(row)),
            spacing="2", width="100%",
        ),
        width="100%", class_name="fraud-flag",
    )


def fraud_page() -> rx.Component:
    tabs = rx.flex(
        *[rx.button(label, variant=rx.cond((F.show == value) | ((value == "all") & (F.show == "")), "solid", "soft"),
                    on_click=F.filter(value, F.kind), size="2") for value, label in SHOW],
        rx.el.select(rx.el.option("Every signal", value=""),
                     *[rx.el.option(KIND_LABELS[k], value=k) for k in FraudKind.ALL],
                     value=F.kind, aria_label="Signal", on_change=lambda v: F.filter(rx.cond(F.show == "", "all",
                                                                                              F.show), v),
                     class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface",
                     style={"padding": "0 8px"}),
        gap="8px", wrap="wrap", align="center",
    )
    ready = rx.vstack(
        page_header("Fraud flags", "Patterns in logins, payments and payouts the hourly scan found. "
                                   "Review each one; suspend an account from its page if needed."),
        tabs,
        rx.cond(F.rows.length() > 0, rx.vstack(rx.foreach(F.rows, _flag), spacing="3", width="100%"),
                empty_state("shield-check", "Nothing to review", "No flags with this filter.")),
        pager(F.prev_href, F.next_href, F.page, F.pages),
        spacing="3", width="100%",
    )
    return page(gate(F.status, ready), width="900px")
