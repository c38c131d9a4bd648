"""The page frame: a role-aware top navigation (collapsing to a menu on phones), content, footer."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from tutorhub.components.bell import bell
from tutorhub.components.ui import link_button
from tutorhub.settings import environment_from_env
from tutorhub.state.base import AppState
from tutorhub.state.messaging.chat_badge import ChatBadgeState

# (label, href) per role; anonymous visitors get the "" entry.
NAV_LINKS: dict[str, list[tuple[str, str]]] = {
    "": [("Find tutors", "/tutors"), ("Become a tutor", "/signup")],
    "student": [
        ("Find tutors", "/tutors"),
        ("My lessons", "/lessons"),
        ("Messages", "/messages"),
        ("Study plans", "/plans"),
        ("Homework", "/homework"),
        ("Progress", "/progress"),
        ("Guardians", "/guardian"),
        ("Wallet", "/wallet"),
        ("My learning profile", "/onboarding/student"),
        ("My times", "/student/times"),
        ("Account", "/account"),
    ],
    "tutor": [
        ("Find tutors", "/tutors"),
        ("My lessons", "/lessons"),
        ("Messages", "/messages"),
        ("Homework", "/homework"),
        ("Study plans", "/plans"),
        ("Earnings", "/earnings"),
        ("My tutor profile", "/tutor/profile"),
        ("Availability", "/tutor/availability"),
        ("Account", "/account"),
    ],
    "guardian": [
        ("My children", "/guardian"),
        ("Study plans", "/plans"),
        ("Homework", "/homework"),
        ("Find tutors", "/tutors"),
        ("Account", "/account"),
    ],
    "admin": [
        ("Verification", "/admin/verification"),
        ("Bookings", "/admin/bookings"),
        ("Flags", "/admin/flags"),
        ("Messages", "/messages"),
        ("Finance", "/admin/finance"),
        ("Reconciliation", "/admin/reconciliation"),
        ("Login log", "/admin/logins"),
        ("Jobs", "/admin/jobs"),
        ("Outbox", "/admin/outbox"),
        ("Account", "/account"),
    ],
}


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
    )


def _pending_badge() -> rx.Component:
    return rx.cond(
        AppState.pending_requests > 0,
        rx.badge(
            AppState.pending_requests.to_string(),
            color_scheme="orange",
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
            color_scheme="red",
            radius="full",
            size="1",
            aria_label="unread messages",
            class_name="chat-unread-badge",
        ),
        rx.fragment(),
    )


def _nav_label(label: str, role: str) -> rx.Component | str:
    if label == "Messages":
        return rx.hstack(rx.text(label), _chat_badge(), spacing="1", align="center")
    if role == "tutor" and label == "My lessons":
        return rx.hstack(rx.text(label), _pending_badge(), spacing="1", align="center")
    return label


def _desktop_links(role: str) -> rx.Component:
    return rx.hstack(
        *[
            rx.link(
                _nav_label(label, role),
                href=href,
                size="2",
                weight="medium",
                color=rx.color("gray", 11),
                underline="hover",
            )
            for label, href in NAV_LINKS[role]
        ],
        spacing="5",
        align="center",
    )


def _mobile_items(role: str) -> list[rx.Component]:
    return [rx.menu.item(_nav_label(label, role), on_click=rx.redirect(href)) for label, href in NAV_LINKS[role]]


def _by_role(build: Callable[[str], rx.Component]) -> rx.Component:
    """`build(role)` for the viewer's role (one branch per key of NAV_LINKS)."""
    return rx.match(
        AppState.viewer_role,
        ("student", build("student")),
        ("tutor", build("tutor")),
        ("admin", build("admin")),
        build(""),
    )


def _session_buttons() -> rx.Component:
    return rx.cond(
        AppState.signed_in,
        rx.hstack(
            rx.text(AppState.viewer_name, size="2", color=rx.color("gray", 11), max_width="160px", truncate=True),
            rx.button("Log out", variant="soft", color_scheme="gray", size="2", on_click=AppState.logout),
            align="center",
            spacing="3",
        ),
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
            min_width="200px",
        ),
    )


def navbar() -> rx.Component:
    return rx.box(
        rx.box(
            rx.hstack(
                brand(),
                rx.spacer(),
                bell(),  # notifications: unread count, live (state/messaging/notifications.py)
                rx.desktop_only(rx.hstack(_by_role(_desktop_links), _session_buttons(), spacing="6", align="center")),
                rx.mobile_and_tablet(_mobile_menu()),
                rx.box(display="none", on_mount=ChatBadgeState.load_badge),  # loads the unread count
                align="center",
                width="100%",
            ),
            max_width="1120px",
            margin_x="auto",
            padding_x=["16px", "16px", "24px"],
            padding_y="12px",
        ),
        as_="header",
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
        background_color=rx.color("gray", 1, alpha=True),
        backdrop_filter="blur(10px)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def footer() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text("© TutorHub · verified tutors, online and at home", size="1", color=rx.color("gray", 10)),
            rx.spacer(),
            rx.link("Find tutors", href="/tutors", size="1", color=rx.color("gray", 10)),
            rx.link("Teach on TutorHub", href="/signup", size="1", color=rx.color("gray", 10)),
            spacing="4",
            wrap="wrap",
            align="center",
            max_width="1120px",
            margin_x="auto",
            padding_x=["16px", "16px", "24px"],
            padding_y="20px",
        ),
        as_="footer",
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
        dev_mode_banner(),
        navbar(),
        rx.box(
            *children,
            as_="main",
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
