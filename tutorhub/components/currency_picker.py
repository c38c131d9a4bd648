"""'Show prices in [€ EUR ▾]': the viewer's display currency picker (prices are then shown ≈ in it,
beside each listing's own price)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.services.currency import CURRENCIES


def currency_picker(value: Any, on_change: Any, field_id: str = "display-currency") -> rx.Component:
    """A small native select (works with the keyboard and on phones); `on_change` gets the code."""
    return rx.hstack(
        rx.el.label("Show prices in", html_for=field_id, style={"font_size": "var(--font-size-2)"}),
        rx.el.select(
            *[rx.el.option(code, value=code) for code in CURRENCIES],
            id=field_id,
            value=value,
            on_change=on_change,
            style={"padding": "4px 8px", "border_radius": "6px", "border": "1px solid var(--gray-7)",
                   "background": "var(--color-panel-solid)", "font_size": "var(--font-size-2)"},
        ),
        align="center",
        spacing="2",
    )
