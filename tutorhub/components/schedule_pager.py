"""Previous / next buttons around "Page N of M" for lists paged by an event (My lessons, the
admin bookings overview); `components.ui.pager` is the link-based one for pages paged by URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


def event_pager(page: rx.Var, pages: rx.Var, go: Callable[[Any], Any]) -> rx.Component:
    """Shown only when there is more than one page; `go(n)` is the state's page handler."""
    return rx.cond(
        pages > 1,
        rx.el.nav(rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16), "Previous", variant="soft", disabled=page <= 1, on_click=go(page - 1)
            ),
            rx.text("Page ", page.to_string(), " of ", pages.to_string(), size="2"),
            rx.button(
                "Next", rx.icon("chevron-right", size=16), variant="soft", disabled=page >= pages, on_click=go(page + 1)
            ),
            justify="center",
            align="center",
            spacing="4",
            width="100%",
        ), aria_label="Pagination", width="100%"),
        rx.fragment(),
    )
