"""Loading, empty, not-allowed and not-found blocks, and a gate that picks one by a status var."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink


def link_button(*children: Any, href: Any, external: bool = False, **props: Any) -> rx.Component:
    """A link that looks like a button (one <a>, not a <button> nested in an <a>).

    Internal links go through React Router (no page reload); external ones open a new tab.
    """
    if external:
        target = rx.el.a(*children, href=href, target="_blank", rel="noopener noreferrer")
    else:
        target = ReactRouterLink.create(*children, to=href)
    return rx.button(target, as_child=True, **props)


def download_button(label: Any, href: Any, **props: Any) -> rx.Component:
    """A file download from an authorized route (CSV exports): one <a> styled as a button that the
    browser follows as a document load (React Router would otherwise route it inside the app), so
    the session cookie goes along and the streamed file is saved."""
    link = ReactRouterLink.create(rx.icon("download", size=14), label, to=href, reload_document=True, download="",
                                  **props)
    return rx.button(link, as_child=True, variant="soft", size="2")


def loading_block(label: str = "Loading…") -> rx.Component:
    return rx.center(
        rx.vstack(rx.spinner(size="3"), rx.text(label, color=rx.color("gray", 11), size="2"), align="center"),
        padding_y="64px",
        width="100%",
        role="status",
        aria_live="polite",
    )


def skeleton_cards(count: int = 3) -> rx.Component:
    return rx.grid(
        *[
            rx.card(
                rx.vstack(
                    rx.skeleton(height="20px", width="60%"),
                    rx.skeleton(height="14px", width="90%"),
                    rx.skeleton(height="14px", width="40%"),
                    spacing="3",
                ),
                height="150px",
            )
            for _ in range(count)
        ],
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
        role="status",
        aria_label="Loading results",
    )


def empty_state(icon: str, title: str, text: str | rx.Var, *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=28, color=rx.color("accent", 10)),
                background=rx.color("accent", 3),
                border_radius="999px",
                width="56px",
                height="56px",
            ),
            rx.heading(title, size="4", text_align="center"),
            rx.text(text, color=rx.color("gray", 11), text_align="center", max_width="420px"),
            *actions,
            align="center",
            spacing="3",
        ),
        padding_y="48px",
        width="100%",
    )


def not_allowed_block() -> rx.Component:
    return empty_state(
        "shield-alert",
        "Not allowed",
        "Your account does not have access to this page.",
        link_button("Go to the home page", href="/", variant="soft"),
    )


def not_found_block(what: str = "page") -> rx.Component:
    return empty_state(
        "search-x",
        f"This {what} does not exist",
        f"The {what} may have been removed, or it is not public yet.",
        link_button("Browse tutors", href="/tutors", variant="soft"),
    )


def gate(status: rx.Var, ready: rx.Component, *, what: str = "page") -> rx.Component:
    """Show `ready` once the page's status var says so; otherwise loading / not allowed / 404."""
    return rx.match(
        status,
        ("ready", ready),
        ("forbidden", not_allowed_block()),
        ("notfound", not_found_block(what)),
        loading_block(),
    )


def confirm_dialog(trigger: rx.Component, title: str, description: Any, confirm: rx.Component) -> rx.Component:
    """Ask before a destructive action: `trigger` opens the dialog, `confirm` (the button that runs
    the action) closes it, and so does Cancel."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(confirm),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
        ),
    )


def section(title: str, *children: rx.Component, description: str | None = None) -> rx.Component:
    head: list[rx.Component] = [rx.heading(title, size="4", as_="h2")]
    if description:
        head.append(rx.text(description, size="2", color=rx.color("gray", 11)))
    return rx.card(
        rx.vstack(rx.vstack(*head, spacing="1", width="100%"), *children, spacing="4", width="100%"),
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
    )


def pager(prev_href: rx.Var, next_href: rx.Var, page: rx.Var, pages: rx.Var) -> rx.Component:
    """Previous / next links around "Page N of M"; hidden when everything fits on one page."""
    label = "Page " + page.to_string() + " of " + pages.to_string()
    return rx.cond((prev_href == "") & (next_href == ""), rx.fragment(), _pager(prev_href, next_href, label))


def _pager(prev_href: rx.Var, next_href: rx.Var, label: rx.Var) -> rx.Component:
    return rx.el.nav(rx.hstack(
        rx.cond(
            prev_href != "",
            link_button(rx.icon("chevron-left", size=16), "Previous", href=prev_href, variant="soft"),
            rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", disabled=True),
        ),
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.cond(
            next_href != "",
            link_button("Next", rx.icon("chevron-right", size=16), href=next_href, variant="soft"),
            rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", disabled=True),
        ),
        justify="center",
        align="center",
        spacing="4",
        width="100%",
        padding_y="16px",
    ), aria_label="Pagination", width="100%")
