"""The signed-in home (/home): a tutor's day (lessons today, requests waiting, earnings, messages)
or a student's next lessons and messages."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ad_slot import ad_slot, offers_banner
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button
from tutorhub.pages.booking.lessons import lesson_card
from tutorhub.state.dashboards.role_home import ChatRow, MoneyRow
from tutorhub.state.dashboards.role_home import RoleHomeState as H


def _section(title: str, href: str, link_text: str, body: rx.Component, *, section_id: str) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="4", as_="h2", id=f"{section_id}-title"),
                rx.spacer(),
                rx.link(link_text, href=href, size="2"),
                width="100%",
                align="center",
            ),
            body,
            spacing="3",
            width="100%",
        ),
        id=section_id,
        aria_labelledby=f"{section_id}-title",
        width="100%",
    )


def _lessons() -> rx.Component:
    body = rx.cond(
        H.lessons.length() > 0,
        rx.vstack(rx.foreach(H.lessons, lesson_card), spacing="2", width="100%"),
        rx.card(
            rx.cond(
                H.is_tutor,
                rx.text("No lessons today.", size="2", color=rx.color("gray", 11)),
                rx.hstack(
                    rx.text("No lessons booked yet.", size="2", color=rx.color("gray", 11)),
                    link_button("Find a tutor", href="/tutors", size="2", variant="soft"),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
            ),
            width="100%",
        ),
    )
    return rx.cond(
        H.is_tutor,
        _section("Today's lessons", "/lessons", "All lessons", body, section_id="home-lessons"),
        _section("Your next lessons", "/lessons", "All lessons", body, section_id="home-lessons"),
    )


def _requests() -> rx.Component:
    return _section(
        "Requests waiting for you",
        "/lessons",
        "Answer in My lessons",
        rx.cond(
            H.requests.length() > 0,
            rx.vstack(
                rx.foreach(H.requests, lesson_card),
                rx.cond(
                    H.requests_total > H.requests.length(),
                    rx.text("and ", (H.requests_total - H.requests.length()).to_string(), " more", size="2"),
                    rx.fragment(),
                ),
                spacing="2",
                width="100%",
            ),
            rx.card(rx.text("Nothing waiting: every request has an answer.", size="2",
                            color=rx.color("gray", 11)), width="100%"),
        ),
        section_id="home-requests",
    )


def _money_row(row: MoneyRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.label, size="2", color=rx.color("gray", 11)),
        rx.spacer(),
        rx.text(row.amount, size="3", weight="bold"),
        width="100%",
    )


def _earnings() -> rx.Component:
    return _section(
        "Earnings",
        "/earnings",
        "Earnings and payouts",
        rx.card(
            rx.cond(
                H.money.length() > 0,
                rx.vstack(rx.foreach(H.money, _money_row), spacing="2", width="100%"),
                rx.text("No earnings yet: they appear here once your first lesson is paid.", size="2",
                        color=rx.color("gray", 11)),
            ),
            width="100%",
        ),
        section_id="home-earnings",
    )


def _chat_row(row: ChatRow) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.vstack(
                rx.text(row.title, size="2", weight="bold"),
                rx.text(row.preview, size="2", color=rx.color("gray", 11), truncate=True, max_width="100%"),
                spacing="0",
                align="start",
                min_width="0",
                flex="1",
            ),
            rx.cond(row.unread > 0, rx.badge(row.unread.to_string(), " new", color_scheme="red", high_contrast=True, radius="full"),
                    rx.fragment()),
            rx.text(row.at, size="1", color=rx.color("gray", 11), white_space="nowrap"),
            align="center",
            spacing="3",
            width="100%",
        ),
        href=row.href,
        underline="none",
        color="inherit",
        padding="8px",
        border_radius="6px",
        _hover={"background": rx.color("gray", 3)},
        width="100%",
    )


def _messages() -> rx.Component:
    return _section(
        "Messages",
        "/messages",
        "All messages",
        rx.card(
            rx.cond(
                H.chats.length() > 0,
                rx.vstack(rx.foreach(H.chats, _chat_row), spacing="1", width="100%"),
                rx.text("No conversations yet.", size="2", color=rx.color("gray", 11)),
            ),
            width="100%",
        ),
        section_id="home-messages",
    )


def homework_section() -> rx.Component:
    """The student's homework: a slot for the learning domain's homework list (another change
    adds it here, next to the lessons and messages)."""
    return rx.fragment()


def _body() -> rx.Component:
    return rx.cond(
        H.is_tutor,
        rx.grid(
            rx.vstack(_lessons(), _requests(), spacing="6", width="100%"),
            rx.vstack(_earnings(), _messages(), spacing="6", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="6",
            width="100%",
        ),
        rx.grid(
            rx.vstack(_lessons(), homework_section(), spacing="6", width="100%"),
            rx.vstack(_messages(), spacing="6", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="6",
            width="100%",
        ),
    )


def role_home_page() -> rx.Component:
    return page(
        page_header(H.greeting, rx.cond(H.is_tutor, "Your teaching day at a glance.",
                                        "Your lessons and messages at a glance.")),
        rx.cond(H.is_tutor, rx.fragment(), rx.fragment(offers_banner(), ad_slot())),
        gate(H.status, _body()),
    )
