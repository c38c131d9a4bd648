"""Admin: special offers (/admin/offers)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, section
from tutorhub.state.growth.admin_offers import AdminOffersState as O
from tutorhub.state.growth.admin_offers import OfferRow


def _row(row: OfferRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.code(row.code), rx.text(row.discount, weight="bold", size="2"),
                      rx.cond(row.active, rx.badge("shown", color_scheme="green"), rx.badge("hidden")),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(row.text, size="2"),
            rx.text("For ", row.audience, size="1", color=rx.color("gray", 11)),
            spacing="1", flex="1", min_width="0",
        ),
        rx.button(rx.cond(row.active, "Hide", "Show"), size="1", variant="soft",
                  color_scheme=rx.cond(row.active, "red", "green"), on_click=O.set_active(row.id, ~row.active)),
        gap="8px", align="center", width="100%", padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}", class_name="offer-row",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.grid(
                text_field("Promo code", "promo_code", errors=O.errors, field_id="offer-code",
                           hint="An existing code (Promo codes page)", custom_attrs={"list": "offer-codes"}),
                rx.el.datalist(rx.foreach(O.codes, lambda c: rx.el.option(value=c)), id="offer-codes"),
                text_field("Banner text", "banner_text", errors=O.errors, field_id="offer-text", max_length=200,
                           placeholder="Your first maths lesson 20% off"),
                text_field("Subject (optional)", "subject", errors=O.errors, field_id="offer-subject"),
                text_field("City (optional)", "city", errors=O.errors, field_id="offer-city"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            rx.hstack(rx.checkbox(name="new_students_only", id="offer-new"),
                      rx.el.label("Only new students (no paid lesson yet)", html_for="offer-new"),
                      spacing="2", align="center"),
            form_message(O.message),
            submit_button("Create offer", loading=O.busy, size="2"),
            spacing="3", width="100%",
        ),
        on_submit=O.create, key=O.form_key.to_string(), width="100%",
    )


def admin_offers_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Special offers", "Promo codes advertised on the home, search and wallet pages to the "
                    "students they target. Redeeming follows the promo code's own rules.",
                    rx.link("Promo codes →", href="/admin/catalog", size="2")),
        section("Offers", rx.cond(O.offers.length() > 0,
                                  rx.vstack(rx.foreach(O.offers, _row), spacing="0", width="100%"),
                                  empty_state("tag", "No offers yet", "Create one from an existing promo code."))),
        section("New offer", _form()),
        spacing="4", width="100%",
    )
    return page(gate(O.status, ready), width="900px")
