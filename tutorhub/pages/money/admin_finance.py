"""Admin money pages: finance overview (/admin/finance), payouts (/admin/payouts), disputes
(/admin/disputes)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.money_ui import bar_chart, figure_card, figure_grid, payout_item
from tutorhub.components.ui import download_button, empty_state, gate, link_button, section
from tutorhub.state.money.admin_finance import AdminDisputesState as AD
from tutorhub.state.money.admin_finance import AdminFinanceState as AF
from tutorhub.state.money.admin_finance import AdminPayoutsState as AP
from tutorhub.state.money.admin_finance import DisputeRow
from tutorhub.state.money.views import PayoutRow


def _finance_controls() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            rx.segmented_control.item("By day", value="day"),
            rx.segmented_control.item("By week", value="week"),
            value=AF.bucket,
            on_change=AF.set_bucket,
            aria_label="Chart period",
            id="finance-bucket",
        ),
        rx.cond(
            AF.currencies.length() > 1,
            rx.segmented_control.root(
                rx.foreach(AF.currencies, lambda c: rx.segmented_control.item(c, value=c)),
                value=AF.currency,
                on_change=AF.set_currency,
                aria_label="Currency",
            ),
            rx.fragment(),
        ),
        spacing="3",
        wrap="wrap",
    )


def _settings() -> rx.Component:
    return section(
        "Money settings",
        rx.form(
            rx.vstack(
                rx.box(
                    text_field(
                        "Commission (%)",
                        "commission_percent",
                        errors=AF.settings_errors,
                        default_value=AF.commission_percent,
                        key=AF.commission_percent,
                        input_mode="numeric",
                        field_id="commission-percent",
                        hint="Taken from each lesson when it is settled.",
                    ),
                    max_width="240px",
                    width="100%",
                ),
                rx.vstack(
                    rx.el.label("Cancellation refunds go", html_for="refund-destination",
                                class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
                    rx.el.select(
                        rx.el.option("to the original payment method", value="original"),
                        rx.el.option("to the student's wallet", value="wallet"),
                        name="refund_destination",
                        id="refund-destination",
                        default_value=AF.refund_destination,
                        key=AF.refund_destination,
                        style={"height": "32px", "border_radius": "6px", "padding": "0 8px",
                               "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)},
                    ),
                    spacing="1",
                ),
                rx.text("Payout minimum: ", AF.payout_minimum, size="1", color=rx.color("gray", 10)),
                form_message(AF.settings_message),
                submit_button("Save settings", loading=AF.busy, size="2", id="settings-submit"),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=AF.save_settings,
            width="100%",
        ),
    )


def finance_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Finance",
            "Money through TutorHub (last 30 days by day, 12 weeks by week).",
            rx.hstack(
                link_button(rx.icon("landmark", size=14), "Payouts", href="/admin/payouts", variant="soft", size="2"),
                link_button(rx.icon("scale", size=14), "Disputes", href="/admin/disputes", variant="soft", size="2"),
                link_button(rx.icon("tag", size=14), "Promo codes, plans, packs", href="/admin/catalog",
                            variant="soft", size="2"),
                spacing="2",
                wrap="wrap",
            ),
            _finance_controls(),
        ),
        figure_grid(
            figure_card("GMV", AF.gmv, "Lesson and credit sales", id="fin-gmv"),
            figure_card("Platform revenue", AF.revenue, "Commission and sales", id="fin-revenue"),
            figure_card("Escrow outstanding", AF.escrow, "Paid lessons not settled", id="fin-escrow"),
            figure_card("Payouts pending", AF.payouts_pending, "Requested or approved", id="fin-payouts"),
            figure_card("Refunds", AF.refunds, "Returned to students", id="fin-refunds"),
        ),
        section(
            "GMV, revenue and refunds",
            rx.cond(
                AF.points.length() > 0,
                bar_chart(
                    AF.points,
                    [("a", "GMV", "var(--accent-9)"), ("b", "Revenue", "var(--green-9)"), ("c", "Refunds", "var(--red-9)")],
                    label="Bar chart of GMV, platform revenue and refunds per period",
                ),
                empty_state("chart-column", "No money moved yet", "Charts appear with the first payments."),
            ),
        ),
        _settings(),
        rx.hstack(
            rx.link("Payouts →", href="/admin/payouts"),
            rx.link("Disputes →", href="/admin/disputes"),
            rx.link("Promo codes, plans and packs →", href="/admin/catalog"),
            spacing="5",
            wrap="wrap",
        ),
        spacing="4",
        width="100%",
    )
    return page(gate(AF.status, ready), width="1000px")


def _confirm_dialog(title, text, label, on_confirm, on_cancel, *, dialog_id: str) -> rx.Component:
    """Asks before money moves: the title and text state the amount and who receives it."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text, size="2"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Go back", variant="soft", color_scheme="gray", on_click=on_cancel)),
                rx.alert_dialog.action(rx.button(label, on_click=on_confirm, id=f"{dialog_id}-yes")),
                gap="12px",
                justify="end",
                margin_top="16px",
            ),
            max_width="460px",
            id=dialog_id,
        ),
        open=title != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), on_cancel),
    )


def _payout_actions(row: PayoutRow) -> rx.Component:
    return rx.cond(
        row.status == "requested",
        rx.flex(
            rx.input(
                placeholder="Note (required to reject)",
                max_length=500,
                size="2",
                aria_label="Note for " + row.reference,
                min_width="180px",
                flex="1",
                on_blur=lambda v: AP.set_note(row.id, v),
            ),
            rx.button("Approve", size="2", loading=AP.busy == row.id, class_name="payout-approve",
                      on_click=AP.decide(row.id, "approve")),
            rx.button("Mark paid by hand", size="2", variant="soft", on_click=AP.decide(row.id, "approve_manual")),
            rx.button("Reject", size="2", variant="soft", color_scheme="red", class_name="payout-reject",
                      on_click=AP.decide(row.id, "reject")),
            gap="8px",
            wrap="wrap",
            align="center",
            width=rx.breakpoints(initial="100%", sm="auto"),
        ),
        rx.fragment(),
    )


def payouts_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Payouts",
            "Tutors' payout requests: approve (paid through the gateway) or reject with a note.",
            rx.hstack(
                rx.segmented_control.root(
                    rx.segmented_control.item("Waiting", value="requested"),
                    rx.segmented_control.item("All", value="all"),
                    value=AP.show,
                    on_change=AP.set_show,
                    aria_label="Which payouts",
                ),
                # The list's choice, as a file (the export route authorizes by the session cookie and streams).
                download_button("Download CSV", rx.cond(AP.show == "requested",
                                                        "/api/v1/admin/exports/payouts.csv?status=requested",
                                                        "/api/v1/admin/exports/payouts.csv"),
                                aria_label="Download these payouts as CSV", id="payouts-csv"),
                spacing="3", align="center", wrap="wrap",
            ),
        ),
        rx.cond(
            AP.rows.length() > 0,
            rx.card(
                rx.vstack(rx.foreach(AP.rows, lambda r: payout_item(r, _payout_actions(r))), spacing="0",
                          width="100%", id="admin-payouts"),
                width="100%",
            ),
            empty_state("landmark", "No payouts waiting", "New requests show up here."),
        ),
        _confirm_dialog(AP.confirm_title, AP.confirm_text, AP.confirm_label, AP.confirm_decision, AP.cancel_confirm,
                        dialog_id="payout-confirm"),
        spacing="3",
        width="100%",
    )
    return page(gate(AP.status, ready), width="1000px")


def _dispute(row: DisputeRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(row.title, href=row.href, weight="bold"),
                rx.spacer(),
                rx.text(row.price, weight="bold"),
                width="100%",
                wrap="wrap",
            ),
            rx.text(row.when, " · ", row.with_whom, size="2", color=rx.color("gray", 11)),
            rx.text(rx.text.strong("Reason given: "), rx.cond(row.reason != "", row.reason, "(none given)"), size="2",
                    class_name="dispute-reason"),
            rx.text(rx.text.strong("Lesson length: "), row.ran, size="2", class_name="dispute-length",
                    color=rx.cond(row.short, rx.color("amber", 11), rx.color("gray", 12))),
            rx.cond(row.video != "", rx.text(rx.text.strong("Video room: "), row.video, size="2",
                                              class_name="dispute-video"), rx.fragment()),
            rx.flex(
                rx.input(placeholder="Decision notes", max_length=500, size="2", flex="1", min_width="180px",
                         aria_label="Decision notes", on_blur=lambda v: AD.set_field(row.id, "notes", v)),
                rx.input(placeholder="%", size="2", width="64px", input_mode="numeric",
                         aria_label="Partial refund percent", on_blur=lambda v: AD.set_field(row.id, "percent", v)),
                rx.button("Refund part", size="2", variant="soft", on_click=AD.resolve(row.id, "partial")),
                rx.button("Refund in full", size="2", color_scheme="red", variant="soft",
                          on_click=AD.resolve(row.id, "full")),
                rx.button("Release to tutor", size="2", loading=AD.busy == row.id,
                          on_click=AD.resolve(row.id, "release")),
                gap="8px",
                wrap="wrap",
                align="center",
                width="100%",
            ),
            rx.cond(
                AD.errors.get(row.id.to_string(), "") != "",
                rx.text(AD.errors.get(row.id.to_string(), ""), size="1", color=rx.color("red", 11), role="alert"),
                rx.fragment(),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="dispute",
    )


def disputes_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Disputes", "Disputed lessons: refund the student in full or in part, or release to the tutor."),
        rx.cond(
            AD.rows.length() > 0,
            rx.vstack(rx.foreach(AD.rows, _dispute), spacing="3", width="100%"),
            empty_state("scale", "No open disputes", "Disputed lessons show up here."),
        ),
        _confirm_dialog(AD.confirm_title, AD.confirm_text, "Confirm", AD.confirm_resolve, AD.cancel_confirm,
                        dialog_id="dispute-confirm"),
        spacing="3",
        width="100%",
    )
    return page(gate(AD.status, ready), width="900px")
