"""Building blocks of the money pages: figure cards, a bar chart, payment and payout lists."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.state.money.views import PaymentRow, PayoutRow


def _hint(hint: rx.Var | str | rx.Component) -> rx.Component:
    if isinstance(hint, rx.Component):
        return rx.box(hint, font_size="var(--font-size-1)", color=rx.color("gray", 10))
    if isinstance(hint, rx.Var):
        return rx.cond(hint != "", rx.text(hint, size="1", color=rx.color("gray", 10)), rx.fragment())
    return rx.text(hint, size="1", color=rx.color("gray", 10)) if hint else rx.fragment()


def _approx(approx: rx.Var | str) -> rx.Component:
    if isinstance(approx, rx.Var):
        return rx.cond(approx, rx.text(approx, size="2", color=rx.color("gray", 11), class_name="figure-approx"),
                       rx.fragment())
    return rx.text(approx, size="2", color=rx.color("gray", 11), class_name="figure-approx") if approx else rx.fragment()


def figure_card(label: str, value: rx.Var | str, hint: rx.Var | str | rx.Component = "", *,
                approx: rx.Var | str = "", **props: Any) -> rx.Component:
    """One number that matters, big, with what it means underneath; `approx` is the same amount in
    the viewer's display currency ("≈ €123.40"), shown small beside it when not empty."""
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color=rx.color("gray", 11), weight="medium"),
            rx.text(value, size=rx.breakpoints(initial="5", sm="6"), weight="bold", class_name="figure-value"),
            _approx(approx),
            _hint(hint),
            spacing="1",
            align="start",
        ),
        width="100%",
        **props,
    )


def figure_grid(*cards: rx.Component) -> rx.Component:
    return rx.grid(*cards, columns=rx.breakpoints(initial="2", md=str(min(len(cards), 5))), spacing="3", width="100%")


def bar_chart(
    data: rx.Var, bars: list[tuple[str, str, str]], *, label: str, stacked: bool = False, height: int = 260
) -> rx.Component:
    """Bars per period: `bars` are (data key, legend name, colour). `label` names the chart for
    screen readers (the same numbers are in the cards and tables next to it)."""
    return rx.box(
        rx.recharts.bar_chart(
            *[
                rx.recharts.bar(data_key=key, name=name, fill=colour, stack_id="s" if stacked else None)
                for key, name, colour in bars
            ],
            rx.recharts.x_axis(data_key="label", font_size=12),
            rx.recharts.y_axis(font_size=12, width=56),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=data,
            width="100%",
            height=height,
        ),
        width="100%",
        role="img",
        aria_label=label,
    )


def status_badge(text: rx.Var, color: rx.Var) -> rx.Component:
    return rx.badge(text, color_scheme=color, variant="soft", class_name="status-badge")


def _list_row(*children: rx.Component, class_name: str, custom_attrs: dict[str, Any]) -> rx.Component:
    """A row of a money list: stacked on phones, side by side from `sm`, a hairline underneath."""
    return rx.flex(
        *children,
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="8px",
        align=rx.breakpoints(initial="start", sm="center"),
        width="100%",
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name=class_name,
        custom_attrs=custom_attrs,
    )


def payment_item(row: PaymentRow, on_receipt: Any) -> rx.Component:
    return _list_row(
        rx.vstack(
            rx.hstack(
                rx.text(row.what, size="2", weight="bold"),
                status_badge(row.status_label, row.color),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(row.at, " · ", row.reference, size="1", color=rx.color("gray", 10)),
            rx.cond(row.refunded != "", rx.text(row.refunded, size="1", color=rx.color("green", 11)), rx.fragment()),
            spacing="1",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            rx.text(row.amount, size="3", weight="bold", class_name="payment-amount"),
            rx.cond(
                row.href != "",
                rx.link("Lesson", href=row.href, size="2"),
                rx.fragment(),
            ),
            rx.cond(
                row.receipt,
                rx.button(
                    rx.icon("download", size=14),
                    "Receipt",
                    size="1",
                    variant="soft",
                    on_click=on_receipt(row.reference),
                    aria_label="Download the receipt for " + row.reference,
                ),
                rx.fragment(),
            ),
            spacing="3",
            align="center",
        ),
        class_name="payment-row",
        custom_attrs={"data-reference": row.reference},
    )


def payout_item(row: PayoutRow, actions: rx.Component | None = None) -> rx.Component:
    return _list_row(
        rx.vstack(
            rx.hstack(
                rx.text(row.amount, size="3", weight="bold"),
                status_badge(row.status_label, row.color),
                rx.cond(row.tutor != "", rx.text(row.tutor, size="2"), rx.fragment()),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text("Requested ", row.at, " · ", row.reference, size="1", color=rx.color("gray", 10)),
            rx.cond(
                row.destination_label != "",
                rx.hstack(
                    rx.text("To ", rx.code(rx.cond(row.destination != "", row.destination, "—"), size="1"), size="1"),
                    rx.badge(row.destination_label, color_scheme=row.destination_color, variant="outline", size="1"),
                    spacing="2", align="center", class_name="payout-destination",
                ),
                rx.fragment(),
            ),
            rx.cond(row.note != "", rx.text("Note: ", row.note, size="1", color=rx.color("gray", 11)), rx.fragment()),
            spacing="1",
            align="start",
            flex="1",
            min_width="0",
        ),
        actions if actions is not None else rx.fragment(),
        class_name="payout-row",
        custom_attrs={"data-status": row.status},
    )


def simple_pager(page: rx.Var, pages: rx.Var, go: Any) -> rx.Component:
    """Previous / next buttons for a list kept in the state (hidden when it fits on one page)."""
    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=14), "Previous", size="1", variant="soft", disabled=page <= 1,
                on_click=go(page - 1),
            ),
            rx.text("Page ", page.to_string(), " of ", pages.to_string(), size="1", color=rx.color("gray", 11)),
            rx.button(
                "Next", rx.icon("chevron-right", size=14), size="1", variant="soft", disabled=page >= pages,
                on_click=go(page + 1),
            ),
            justify="center",
            align="center",
            spacing="3",
            width="100%",
            padding_top="8px",
            as_="nav",
            aria_label="Pagination",
        ),
        rx.fragment(),
    )
