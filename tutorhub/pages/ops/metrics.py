"""/admin/metrics: KPI cards, money and people charts by day / week / month over a date range,
the cohort retention heat map (each cell shows its percentage as text), and CSV downloads."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.money_ui import bar_chart, figure_card, figure_grid
from tutorhub.components.ui import download_button, empty_state, gate, section
from tutorhub.state.ops.metrics import AdminMetricsState as M
from tutorhub.state.ops.metrics import CohortCell, CohortRow, ExportLink


def _controls() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(text_field("From", "from", errors=M.range_errors, default_value=M.date_from, key=M.date_from,
                              type="date", field_id="metrics-from", size="2"), min_width="150px"),
            rx.box(text_field("To", "to", errors=M.range_errors, default_value=M.date_to, key=M.date_to,
                              type="date", field_id="metrics-to", size="2"), min_width="150px"),
            submit_button("Show", loading=M.busy, size="2", id="metrics-apply"),
            rx.segmented_control.root(
                rx.segmented_control.item("Day", value="day"),
                rx.segmented_control.item("Week", value="week"),
                rx.segmented_control.item("Month", value="month"),
                value=M.interval, on_change=M.set_interval, aria_label="Chart interval", id="metrics-interval",
            ),
            rx.cond(
                M.currencies.length() > 1,
                rx.segmented_control.root(
                    rx.foreach(M.currencies, lambda c: rx.segmented_control.item(c, value=c)),
                    value=M.currency, on_change=M.set_currency, aria_label="Currency",
                ),
                rx.fragment(),
            ),
            gap="12px", align="end", wrap="wrap", width="100%",
        ),
        on_submit=M.apply_range,
        width="100%",
    )


def _cards() -> rx.Component:
    return rx.vstack(
        figure_grid(
            figure_card("GMV", M.cards["gmv_minor"], "Lesson and credit sales", id="kpi-gmv"),
            figure_card("Platform revenue", M.cards["revenue_minor"], "Commission, sales and ads", id="kpi-revenue"),
            figure_card("Escrow outstanding", M.cards["escrow_minor"], "At the end of the range", id="kpi-escrow"),
            figure_card("Payouts pending", M.cards["payouts_pending_minor"], "Requested, not yet paid", id="kpi-payouts"),
            figure_card("Refunds", M.cards["refunds_minor"], "Returned to students", id="kpi-refunds"),
        ),
        figure_grid(
            figure_card("Ad spend", M.cards["ad_spend_minor"], "Advertisers' spend", id="kpi-ads"),
            figure_card("Active students", M.cards["active_students"], "In the range", id="kpi-students"),
            figure_card("Active tutors", M.cards["active_tutors"], "In the range", id="kpi-tutors"),
            figure_card("New sign-ups", M.cards["signups"], "Students, tutors, guardians", id="kpi-signups"),
            figure_card("Booking conversion", M.cards["conversion"], "Holds that were paid", id="kpi-conversion"),
        ),
        rx.text("Daily / weekly / monthly active (to the range's last day): ", M.cards["dau_mau"], size="2",
                color=rx.color("gray", 11), id="kpi-dau"),
        spacing="3", width="100%",
    )


def _people_chart() -> rx.Component:
    return rx.box(
        rx.recharts.line_chart(
            rx.recharts.line(data_key="students", name="Active students", stroke="var(--accent-9)", type_="monotone"),
            rx.recharts.line(data_key="tutors", name="Active tutors", stroke="var(--green-9)", type_="monotone"),
            rx.recharts.line(data_key="signups", name="New sign-ups", stroke="var(--amber-9)", type_="monotone"),
            rx.recharts.x_axis(data_key="label", font_size=12),
            rx.recharts.y_axis(font_size=12, width=40, allow_decimals=False),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=M.people_points, width="100%", height=260,
        ),
        width="100%", role="img", aria_label="Line chart of active students, active tutors and sign-ups per period",
    )


_TD = {"padding": "6px 8px", "border_bottom": "1px solid var(--gray-4)", "font_size": "var(--font-size-1)"}


def _cell(cell: CohortCell) -> rx.Component:
    return rx.el.td(
        cell.text, background=cell.background, text_align="center", aria_label=cell.label, title=cell.label,
        font_weight=rx.cond(cell.strong, "bold", "normal"), class_name="cohort-cell", **_TD,
    )


def _cohort_row(row: CohortRow) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row.cohort, scope="row", white_space="nowrap", text_align="left", **_TD),
        rx.el.td(row.size, text_align="right", **_TD),
        rx.foreach(row.cells, _cell),
    )


def _cohorts() -> rx.Component:
    return section(
        "Cohort retention",
        rx.cond(
            M.cohorts.length() > 0,
            rx.box(  # a plain table in a focusable region: it scrolls sideways on phones, by keyboard too
                rx.el.table(
                    rx.el.thead(rx.el.tr(
                        rx.el.th("Sign-up month", scope="col", text_align="left", **_TD),
                        rx.el.th("Size", scope="col", text_align="right", **_TD),
                        rx.foreach(M.cohort_header, lambda h: rx.el.th(h, scope="col", text_align="center", **_TD)),
                    )),
                    rx.el.tbody(rx.foreach(M.cohorts, _cohort_row)),
                    id="cohort-table", border_collapse="collapse", width="100%",
                ),
                overflow_x="auto", width="100%", tab_index=0, role="region", aria_label="Cohort retention table",
            ),
            empty_state("grid-3x3", "No cohorts yet", "Sign-ups appear here by month."),
        ),
        description="Share of each month's sign-ups active in each later month (M0 = the sign-up month). Active = a "
                    "booking or lesson, a login, or a payment.",
    )


def _export(link: ExportLink) -> rx.Component:
    return download_button(link.label, link.href, class_name="export-link", aria_label="Download CSV: " + link.label)


def _exports() -> rx.Component:
    return section(
        "CSV exports",
        rx.flex(rx.foreach(M.exports, _export), gap="8px", wrap="wrap"),
        description="Everything created in the range above, as CSV files (opened safely in spreadsheets).",
    )


def metrics_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Dashboard",
            "Money, people and retention by UTC day, week or month. Figures are refreshed every hour.",
            rx.text("Last computed: ", M.fresh, size="1", color=rx.color("gray", 11), id="metrics-fresh"),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh now", variant="soft", size="2", loading=M.busy,
                      on_click=M.refresh_now, id="metrics-refresh"),
        ),
        _controls(),
        rx.cond(M.busy, rx.hstack(rx.spinner(size="2"), rx.text("Loading figures…", size="2"), role="status"),
                rx.fragment()),
        _cards(),
        section(
            "Money",
            rx.cond(
                M.has_money,
                bar_chart(M.money_points, [("a", "GMV", "var(--accent-9)"), ("b", "Revenue", "var(--green-9)"),
                                           ("c", "Refunds", "var(--red-9)"), ("d", "Ad spend", "var(--amber-9)")],
                          label="Bar chart of GMV, revenue, refunds and ad spend per period"),
                empty_state("chart-column", "No money moved in this range", "Pick a longer range or wait for payments."),
            ),
        ),
        section(
            "People",
            rx.cond(M.has_people, _people_chart(),
                    empty_state("users", "Nobody active in this range", "Logins, bookings and payments count.")),
        ),
        _cohorts(),
        _exports(),
        spacing="4",
        width="100%",
    )
    return page(gate(M.status, ready), width="1100px")
