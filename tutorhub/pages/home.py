"""Landing page: hero with a subject + city search, popular subjects, top tutors."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ad_slot import ad_slot, offers_banner
from tutorhub.components.layout import page
from tutorhub.components.tutor_card import tutor_grid
from tutorhub.components.ui import empty_state, link_button, skeleton_cards
from tutorhub.services.catalog import SUBJECTS
from tutorhub.state.tutors.search import HomeState, search_href

POPULAR = ["mathematics", "english", "physics", "chemistry", "computer science", "spanish"]


def _search_box() -> rx.Component:
    label_style = {"font_size": "var(--font-size-1)", "font_weight": "500", "color": rx.color("gray", 11)}
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label("Subject", html_for="home-subject", style=label_style),
                rx.input(
                    id="home-subject",
                    name="subject",
                    placeholder="e.g. Mathematics",
                    size="3",
                    width="100%",
                    custom_attrs={"list": "home-subjects"},
                ),
                rx.el.datalist(*[rx.el.option(value=label) for label in SUBJECTS.values()], id="home-subjects"),
                spacing="1",
                width="100%",
                flex="1",
            ),
            rx.vstack(
                rx.el.label("City (optional)", html_for="home-city", style=label_style),
                rx.input(id="home-city", name="city", placeholder="e.g. Berlin", size="3", width="100%"),
                spacing="1",
                width="100%",
                flex="1",
            ),
            rx.button(
                rx.icon("search", size=18),
                "Find tutors",
                type="submit",
                size="3",
                width=rx.breakpoints(initial="100%", sm="auto"),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="12px",
            align=rx.breakpoints(initial="stretch", sm="end"),
            width="100%",
        ),
        on_submit=HomeState.find,
        width="100%",
    )


def _hero() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.badge(
                rx.icon("shield-check", size=14),
                "Every tutor is verified by our team",
                variant="soft",
                radius="full",
                size="2",
            ),
            rx.heading(
                "Learn from verified tutors, online or at home",
                size=rx.breakpoints(initial="7", md="9"),
                as_="h1",
                max_width="760px",
                line_height="1.1",
            ),
            rx.text(
                "Compare tutors by subject, level, price and rating. Book in your own timezone.",
                size=rx.breakpoints(initial="3", md="4"),
                color=rx.color("gray", 11),
                max_width="600px",
            ),
            rx.card(_search_box(), size=rx.breakpoints(initial="2", sm="3"), width="100%", max_width="760px"),
            rx.flex(
                rx.text("Popular:", size="2", color=rx.color("gray", 11)),
                *[
                    rx.link(
                        rx.badge(SUBJECTS[s], variant="surface", radius="full", size="2"),
                        href=search_href({"subject": s}),
                        underline="none",
                    )
                    for s in POPULAR
                ],
                gap="8px",
                wrap="wrap",
                align="center",
            ),
            spacing="5",
            align="start",
            width="100%",
        ),
        padding=rx.breakpoints(initial="24px 4px 32px", md="48px 0 56px"),
    )


def _how_it_works() -> rx.Component:
    steps = [
        ("search", "Search", "Filter by subject, level, mode, price, city and language."),
        ("badge-check", "Pick a verified tutor", "Profiles and credentials are reviewed before they go live."),
        ("calendar-check", "Learn your way", "Online lessons or home tuition, shown in your timezone."),
    ]
    return rx.grid(
        *[
            rx.card(
                rx.vstack(
                    rx.icon(icon, size=22, color=rx.color("accent", 10)),
                    rx.heading(title, size="3"),
                    rx.text(text, size="2", color=rx.color("gray", 11)),
                    spacing="2",
                ),
                size="2",
            )
            for icon, title, text in steps
        ],
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="4",
        width="100%",
    )


def home_page() -> rx.Component:
    return page(
        _hero(),
        offers_banner(),
        ad_slot(),
        _how_it_works(),
        rx.hstack(
            rx.heading("Top-rated tutors", size="5", as_="h2"),
            rx.spacer(),
            rx.link("See all tutors →", href="/tutors", size="2"),
            width="100%",
            align="center",
            margin_top="40px",
            margin_bottom="16px",
        ),
        rx.cond(
            HomeState.loading,
            skeleton_cards(3),
            rx.cond(
                HomeState.top_tutors.length() > 0,
                tutor_grid(HomeState.top_tutors),
                empty_state(
                    "users",
                    "No tutors yet",
                    "Approved tutors will appear here.",
                    link_button("Teach on TutorHub", href="/signup", variant="soft"),
                ),
            ),
        ),
    )
