"""The page frame: a role-aware top navigation (collapsing to a menu on phones), content, footer.

The navigation is data: one `Nav` line per entry in `components/nav_links.py` (NAV_LINKS); this
module renders it — plain links and dropdown menus on desktop, one menu on phones — and marks the
entry of the page being shown with `aria-current="page"`.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from tutorhub.components.bell import bell
from tutorhub.components.nav_links import Nav, account_links, nav_groups
from tutorhub.components.ui import link_button
from tutorhub.settings import environment_from_env
from tutorhub.state.base import AppState
from tutorhub.state.messaging.chat_badge import ChatBadgeState


def _current_path() -> rx.Var:
    return AppState.router.url.path.to(str)


def is_current(href: str) -> rx.Var:
    """Whether `href` is the page shown (or a page under it: /lessons/5 belongs to /lessons)."""
    path = _current_path()
    if href == "/":
        return path == "/"
    return (path == href) | path.startswith(href + "/")


def _any_current(entries: list[Nav]) -> rx.Var:
    marks = [is_current(e.href) for e in entries]
    result = marks[0]
    for mark in marks[1:]:
        result = result | mark
    return result


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("graduation-cap", size=20, color="white"),
                background=rx.color("accent", 9),
                border_radius="10px",
                width="34px",
                height="34px",
            ),
            rx.text("TutorHub", weight="bold", size="5", color=rx.color("gray", 12)),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        aria_label="TutorHub home",
        flex_shrink="0",
    )


def _pending_badge() -> rx.Component:
    return rx.cond(
        AppState.pending_requests > 0,
        rx.badge(
            AppState.pending_requests.to_string(),
            color_scheme="orange", high_contrast=True,
            radius="full",
            size="1",
            aria_label="requests waiting",
            id="pending-badge",
        ),
        rx.fragment(),
    )


def _chat_badge() -> rx.Component:
    """Unread chat messages (live: ChatBadgeState watches the user's channel)."""
    return rx.cond(
        ChatBadgeState.chat_unread > 0,
        rx.badge(
            ChatBadgeState.chat_unread.to_string(),
            color_scheme="red", high_contrast=True,
            radius="full",
            size="1",
            aria_label="unread messages",
            class_name="chat-unread-badge",
        ),
        rx.fragment(),
    )


def _nav_label(label: str, role: str) -> rx.Component:
    if label == "Messages":
        return rx.hstack(rx.text(label), _chat_badge(), spacing="1", align="center", as_="span")
    if role == "tutor" and label == "My lessons":
        return rx.hstack(rx.text(label), _pending_badge(), spacing="1", align="center", as_="span")
    return rx.text(label, as_="span")


def _bar_link(entry: Nav, role: str) -> rx.Component:
    current = is_current(entry.href)
    return rx.link(
        _nav_label(entry.label, role),
        href=entry.href,
        size="2",
        weight="medium",
        white_space="nowrap",
        color=rx.cond(current, rx.color("accent", 11), rx.color("gray", 12)),
        underline="hover",
        aria_current=rx.cond(current, "page", "false"),
        padding_y="4px",
        border_bottom=rx.cond(current, f"2px solid {rx.color('accent', 9)}", "2px solid transparent"),
        class_name="nav-link",
    )


def _menu_link(entry: Nav, role: str) -> rx.Component:
    current = is_current(entry.href)
    return rx.menu.item(
        rx.link(
            _nav_label(entry.label, role),
            href=entry.href,
            underline="none",
            color="inherit",
            aria_current=rx.cond(current, "page", "false"),
            weight=rx.cond(current, "bold", "regular"),
            width="100%",
        ),
        as_child=True,
    )


def _bar_menu(name: str, entries: list[Nav], role: str) -> rx.Component:
    current = _any_current(entries)
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                name,
                rx.icon("chevron-down", size=14, aria_hidden="true"),
                variant="ghost",
                size="2",
                color_scheme=rx.cond(current, "indigo", "gray"),
                weight="medium",
                white_space="nowrap",
                high_contrast=True,
                class_name="nav-menu",
            )
        ),
        rx.menu.content(*[_menu_link(entry, role) for entry in entries], min_width="200px"),
    )


def _desktop_links(role: str) -> rx.Component:
    parts = [
        _bar_link(entries[0], role) if not name else _bar_menu(name, entries, role)
        for name, entries in nav_groups(role)
    ]
    return rx.el.nav(rx.hstack(*parts, spacing="4", align="center", wrap="nowrap"), aria_label="Main")


def _mobile_items(role: str) -> list[rx.Component]:
    items: list[rx.Component] = []
    for name, entries in nav_groups(role):
        if name:
            items.extend([rx.menu.separator(), rx.text(name, size="1", weight="bold", color=rx.color("gray", 11), padding_x="12px", padding_y="4px")])
        items.extend(_menu_link(entry, role) for entry in entries)
    if account_links(role):
        items.append(rx.menu.separator())
        items.extend(_menu_link(entry, role) for entry in account_links(role))
    return items


def _by_role(build: Callable[[str], rx.Component]) -> rx.Component:
    """`build(role)` for the viewer's role (one branch per key of NAV_LINKS)."""
    return rx.match(
        AppState.viewer_role,
        ("student", build("student")),
        ("tutor", build("tutor")),
        ("guardian", build("guardian")),
        ("admin", build("admin")),
        build(""),
    )


def _user_menu(role: str) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user-round", size=18, aria_hidden="true"),
                rx.text(AppState.viewer_name, max_width="140px", truncate=True, as_="span"),
                rx.icon("chevron-down", size=14, aria_hidden="true"),
                variant="soft",
                color_scheme="gray",
                size="2",
                high_contrast=True,
                id="user-menu",
            )
        ),
        rx.menu.content(
            *[_menu_link(entry, role) for entry in account_links(role)],
            rx.menu.separator(),
            rx.menu.item("Log out", color="red", on_click=AppState.logout),
            align="end",
            min_width="200px",
        ),
    )


def _session_buttons() -> rx.Component:
    return rx.cond(
        AppState.signed_in,
        _by_role(_user_menu),
        rx.hstack(
            link_button("Log in", href="/login", variant="soft", color_scheme="gray", size="2"),
            link_button("Sign up", href="/signup", size="2"),
            spacing="3",
            align="center",
        ),
    )


def _mobile_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(rx.icon_button(rx.icon("menu"), variant="soft", size="3", aria_label="Open menu")),
        rx.menu.content(
            _by_role(lambda role: rx.fragment(*_mobile_items(role))),
            rx.menu.separator(),
            rx.cond(
                AppState.signed_in,
                rx.menu.item("Log out", color="red", on_click=AppState.logout),
                rx.fragment(
                    rx.menu.item("Log in", on_click=rx.redirect("/login")),
                    rx.menu.item("Sign up", on_click=rx.redirect("/signup")),
                ),
            ),
            align="end",
            min_width="220px",
        ),
    )


def navbar() -> rx.Component:
    # Landmarks are real elements (rx.el.*): a Radix Box or Flex ignores `as_` (it lands in CSS).
    return rx.el.header(
        rx.box(
            rx.hstack(
                brand(),
                rx.spacer(),
                bell(),  # notifications: unread count, live (state/messaging/notifications.py)
                rx.desktop_only(rx.hstack(_by_role(_desktop_links), _session_buttons(), spacing="5", align="center")),
                rx.mobile_and_tablet(_mobile_menu()),
                rx.box(display="none", on_mount=ChatBadgeState.load_badge),  # loads the unread count
                align="center",
                spacing="4",
                width="100%",
            ),
            max_width="1120px",
            margin_x="auto",
            padding_x=["16px", "16px", "24px"],
            padding_y="12px",
        ),
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
        background_color=rx.color("gray", 1, alpha=True),
        backdrop_filter="blur(10px)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.hstack(
            rx.text("© TutorHub · verified tutors, online and at home", size="1", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.link("Find tutors", href="/tutors", size="1", color=rx.color("gray", 11)),
            rx.link("Teach on TutorHub", href="/signup", size="1", color=rx.color("gray", 11)),
            spacing="4",
            wrap="wrap",
            align="center",
            max_width="1120px",
            margin_x="auto",
            padding_x=["16px", "16px", "24px"],
            padding_y="20px",
        ),
        width="100%",
        border_top=f"1px solid {rx.color('gray', 4)}",
        margin_top="48px",
    )


DEV_BANNER_TEXT = (
    "Development mode: demo data, sandbox payments (no real money) and login codes readable by admins "
    "on the outbox page. Not for real use: set TUTORHUB_ENV=production to serve real users."
)


def dev_mode_banner() -> rx.Component:
    """Shown on every page unless TUTORHUB_ENV=production (decided when the frontend is compiled).
    Amber 12 text on amber 3 keeps a contrast ratio far above WCAG AA's 4.5:1."""
    if environment_from_env() == "production":
        return rx.fragment()
    return rx.box(
        rx.hstack(
            rx.icon("triangle-alert", size=16, flex_shrink="0", aria_hidden="true"),
            rx.text(DEV_BANNER_TEXT, size="2", weight="medium"),
            spacing="2",
            align="center",
            max_width="1120px",
            margin_x="auto",
            padding_x=["16px", "16px", "24px"],
            padding_y="6px",
        ),
        id="dev-mode-banner",
        role="note",
        aria_label="Development mode",
        width="100%",
        background_color=rx.color("amber", 3),
        color=rx.color("amber", 12),
        border_bottom=f"1px solid {rx.color('amber', 7)}",
    )


def page(*children: rx.Component, width: str = "1120px") -> rx.Component:
    """Standard frame: the development-mode banner, navigation, a centred content column, footer."""
    return rx.box(
        # In-page jumps ("Book a trial", #reviews) stop below the sticky header, not under it.
        rx.el.style("html{scroll-padding-top:88px}"),
        dev_mode_banner(),
        navbar(),
        rx.el.main(
            *children,
            width="100%",
            max_width=width,
            margin_x="auto",
            flex="1",
            padding_x=["16px", "16px", "24px"],
            padding_top=["20px", "20px", "32px"],
        ),
        footer(),
        min_height="100vh",
        background_color=rx.color("gray", 2),
        display="flex",
        flex_direction="column",
    )


def page_header(title: str | rx.Var, subtitle: str | rx.Var | None = None, *extra: rx.Component) -> rx.Component:
    parts: list[rx.Component] = [rx.heading(title, size=rx.breakpoints(initial="6", sm="7"), as_="h1")]
    if subtitle is not None:
        parts.append(rx.text(subtitle, color=rx.color("gray", 11), size="3"))
    return rx.vstack(
        *parts,
        *extra,
        spacing="2",
        margin_bottom="20px",
        width="100%",
    )
