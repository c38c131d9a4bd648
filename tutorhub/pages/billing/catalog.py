"""Admin: promo codes, monthly plans and minute packs (/admin/catalog)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.components.forms import submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, section
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.billing.catalog import AdminCatalogState as C
from tutorhub.state.billing.catalog import CatalogRow

_SELECT_STYLE = {
    "height": "40px",
    "border_radius": "6px",
    "padding": "0 8px",
    "width": "100%",
    "border": f"1px solid {rx.color('gray', 7)}",
    "background": rx.color("gray", 1),
}


def _select(label: str, name: str, fid: str, options: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=fid, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
        rx.el.select(*[rx.el.option(text, value=value) for value, text in options], name=name, id=fid,
                     style=_SELECT_STYLE),
        spacing="1",
        width="100%",
    )


def _currency(fid: str) -> rx.Component:
    return _select("Currency", "currency", fid, [(c, c) for c in CURRENCIES])


def _row(row: CatalogRow, kind: str) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(
                rx.code(row.code),
                rx.text(row.name, weight="bold", size="2"),
                rx.cond(row.active, rx.badge("on", color_scheme="green"), rx.badge("off", color_scheme="gray")),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(row.detail, rx.cond(row.price != "", " · " + row.price, ""), size="1", color=rx.color("gray", 11)),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.button(
            rx.cond(row.active, "Switch off", "Switch on"),
            size="1",
            variant="soft",
            color_scheme=rx.cond(row.active, "red", "green"),
            on_click=C.set_active(kind, row.code, ~row.active),
        ),
        gap="8px",
        align="center",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name=f"catalog-{kind}",
    )


def _grid(*children: Any) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%")


def _catalog(title: str, kind: str, rows: Any, fields: list[rx.Component], submit_label: str, on_submit: Any,
             *, extra: tuple[rx.Component, ...] = (), description: str | None = None) -> rx.Component:
    """One catalogue kind (promo / plan / pack): its rows with on/off switches and a create form.

    The three kinds differ only in their fields; the busy flag and the row class are named by `kind`.
    """
    form = rx.form(
        rx.vstack(
            _grid(*fields),
            *extra,
            submit_button(submit_label, loading=C.busy == kind, size="2"),
            spacing="3",
            width="100%",
        ),
        on_submit=on_submit,
        width="100%",
    )
    listing = rx.vstack(rx.foreach(rows, lambda r: _row(r, kind)), spacing="0", width="100%")
    return section(title, listing, form, description=description)


def _promos() -> rx.Component:
    return _catalog(
        "Promo codes",
        "promo",
        C.promos,
        [
            text_field("Code", "code", errors=C.promo_errors, placeholder="WELCOME10", field_id="promo-code",
                       max_length=32),
            _select("Kind", "kind", "promo-kind", [("percent", "Percent off"), ("fixed", "Fixed amount off")]),
            text_field("Percent off", "percent", errors=C.promo_errors, placeholder="10", input_mode="numeric",
                       field_id="promo-percent", hint="For percent codes"),
            text_field("Amount off", "amount", errors=C.promo_errors, placeholder="5.00", input_mode="decimal",
                       field_id="promo-amount", hint="For fixed codes (in the currency below)"),
            _currency("promo-currency"),
            text_field("Max redemptions", "max_redemptions", errors=C.promo_errors, placeholder="unlimited",
                       input_mode="numeric", field_id="promo-cap"),
        ],
        "Create promo code",
        C.create_promo,
        description="Each student can use a code once. Discounts are paid by the platform; tutors earn on the list price.",
    )


def _plans() -> rx.Component:
    prices_error = rx.cond(
        C.plan_errors.get("prices", "") != "",
        rx.text("Price ", C.plan_errors.get("prices", ""), size="1", color=rx.color("red", 11)),
        rx.fragment(),
    )
    return _catalog(
        "Monthly plans",
        "plan",
        C.plans,
        [
            text_field("Code", "code", errors=C.plan_errors, placeholder="standard", field_id="plan-code"),
            text_field("Name", "name", errors=C.plan_errors, placeholder="Standard", field_id="plan-name"),
            text_field("Minutes per month", "minutes", errors=C.plan_errors, placeholder="240",
                       input_mode="numeric", field_id="plan-minutes"),
            text_field("Price per month", "price", errors=C.plan_errors, placeholder="79.00", input_mode="decimal",
                       field_id="plan-price"),
            _currency("plan-currency"),
        ],
        "Create plan",
        C.create_plan,
        extra=(prices_error,),
    )


def _packs() -> rx.Component:
    return _catalog(
        "Minute packs",
        "pack",
        C.packs,
        [
            text_field("Code", "code", errors=C.pack_errors, placeholder="five-hours", field_id="pack-code"),
            text_field("Name", "name", errors=C.pack_errors, placeholder="5 hours", field_id="pack-name"),
            text_field("Minutes", "minutes", errors=C.pack_errors, placeholder="300", input_mode="numeric",
                       field_id="pack-minutes"),
            text_field("Price", "price", errors=C.pack_errors, placeholder="120.00", input_mode="decimal",
                       field_id="pack-price"),
            _currency("pack-currency"),
            text_field("Valid for (days)", "validity_days", errors=C.pack_errors, default_value="365",
                       input_mode="numeric", field_id="pack-validity"),
        ],
        "Create minute pack",
        C.create_pack,
    )


def catalog_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Promo codes, plans and packs", "What students can buy. Switched-off items stay in the history."),
        _promos(),
        _plans(),
        _packs(),
        spacing="4",
        width="100%",
    )
    return page(gate(C.status, ready), width="900px")
