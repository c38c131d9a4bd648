"""The public tutor profile: header, stats, free times, about, subjects, booking box."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page
from tutorhub.components.tutor_card import avatar, rating_badge
from tutorhub.components.ui import gate
from tutorhub.pages.booking.dialog import booking_dialog
from tutorhub.pages.learning.reviews import reviews_card, trust_explainer
from tutorhub.pages.messaging.messages import message_tutor_box
from tutorhub.pages.scheduling.tutor_times import available_times, best_times_box
from tutorhub.state.base import AppState
from tutorhub.state.booking.dialog import BookingState
from tutorhub.state.tutors.search import TutorPageState


def _stat(value: rx.Var | str, label: rx.Var | str) -> rx.Component:
    return rx.vstack(
        rx.text(value, weight="bold", size="5"),
        rx.text(label, size="1", color=rx.color("gray", 11)),
        spacing="0",
        align="center",
        min_width="80px",
    )


def trust_words(score: rx.Var) -> rx.Var:
    """The trust score in words (the number stays beside it, explained in the popover)."""
    return rx.cond(
        score >= 85, "Highly trusted",
        rx.cond(score >= 70, "Trusted", rx.cond(score >= 50, "Building a record", "New on TutorHub")),
    )


def policy_note() -> rx.Component:
    """The cancellation and rescheduling rules, next to the Book button (services/booking/policy.py)."""
    return rx.vstack(
        rx.hstack(rx.icon("shield-check", size=14, aria_hidden="true"), rx.text("Cancellation policy", weight="medium"),
                  spacing="1", align="center"),
        rx.text(TutorPageState.policy_text),
        spacing="1",
        font_size="var(--font-size-1)",
        color=rx.color("gray", 11),
        id="booking-policy",
        width="100%",
    )


def intro_video() -> rx.Component:
    """The intro video: an embedded player for YouTube/Vimeo (a privacy-friendly player URL built by
    services/tutors/intro_video.py, allowed by the CSP's frame-src), a plain link for any other host."""
    t = TutorPageState
    player = rx.box(
        rx.el.iframe(
            src=t.video_embed,
            title="Intro video by " + t.name,
            allow="fullscreen; picture-in-picture; encrypted-media",
            loading="lazy",
            referrer_policy="strict-origin-when-cross-origin",
            sandbox="allow-scripts allow-same-origin allow-presentation allow-popups",
            style={"position": "absolute", "inset": "0", "width": "100%", "height": "100%", "border": "0"},
        ),
        position="relative",
        width="100%",
        aspect_ratio="16 / 9",
        border_radius="var(--radius-3)",
        overflow="hidden",
        background=rx.color("gray", 3),
        id="intro-video",
    )
    link = rx.link(
        rx.hstack(
            rx.icon("circle-play", size=16, aria_hidden="true"),
            rx.text("Watch the intro video", rx.cond(t.video_host != "", " (" + t.video_host + ")", "")),
            spacing="2",
            align="center",
        ),
        href=t.intro_video_url,
        is_external=True,
        rel="noopener noreferrer nofollow",
        id="intro-video-link",
    )
    return rx.cond(t.intro_video_url != "", rx.cond(t.video_embed != "", player, link), rx.fragment())


def _price_row(label: str, price: rx.Var) -> rx.Component:
    """One rate line of the booking box; hidden when the tutor does not offer that mode."""
    return rx.cond(
        price != "",
        rx.hstack(
            rx.text(label, size="2", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.text(price, weight="bold", size="4"),
            width="100%",
        ),
        rx.fragment(),
    )


def _booking_box() -> rx.Component:
    book = rx.vstack(
        rx.button(
            rx.icon("calendar-plus", size=18),
            "Book a trial",
            size="3",
            width="100%",
            on_click=BookingState.book_trial,  # the dialog on the first free time (visitors sign up first)
            id="book-trial",
        ),
        rx.text(
            "Or pick any free time under Available times (or one of your best times) for a trial, "
            "a single lesson or weekly lessons.",
            size="1",
            color=rx.color("gray", 11),
            id="book-hint",
        ),
        policy_note(),
        rx.cond(AppState.signed_in, message_tutor_box(), rx.fragment()),
        spacing="2",
        width="100%",
    )
    return rx.card(
        rx.vstack(
            _price_row("Online", TutorPageState.online_price),
            _price_row("Home tuition", TutorPageState.home_price),
            book,
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def _tutor_profile() -> rx.Component:
    t = TutorPageState
    header = rx.flex(
        avatar(t.initials, size="7", photo=t.photo_url),
        rx.vstack(
            rx.heading(t.name, size=rx.breakpoints(initial="6", sm="7"), as_="h1"),
            rx.text(t.headline, size="3", color=rx.color("gray", 11)),
            rx.flex(
                rating_badge(t.rating, t.rating_count),
                rx.badge(rx.icon("shield-check", size=12), "Verified", color_scheme="green", variant="soft",
                         high_contrast=True),
                rx.foreach(t.modes, lambda m: rx.badge(m, variant="outline", color_scheme="gray")),
                gap="8px",
                wrap="wrap",
                align="center",
            ),
            spacing="2",
            align="start",
        ),
        gap="20px",
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="start", sm="center"),
    )
    stats = rx.card(
        rx.grid(
            _stat(t.hours_taught.to_string(), "hours taught"),
            _stat(t.response_rate.to_string() + "%", "response rate"),
            _stat(t.rating_count.to_string(), "reviews"),
            _stat(trust_words(t.trust_score), "trust score " + t.trust_score.to_string() + " of 100"),
            columns=rx.breakpoints(initial="2", sm="4"),
            spacing="3",
            width="100%",
        ),
        rx.cond(t.response_text != "", rx.center(rx.text(t.response_text, size="2", color=rx.color("gray", 11)),
                                                  margin_top="8px"), rx.fragment()),
        rx.center(trust_explainer(), margin_top="8px"),
        size="2",
        width="100%",
    )
    about = rx.card(
        rx.vstack(
            rx.heading("About", size="4", as_="h2"),
            rx.text(t.bio, size="3", white_space="pre-wrap"),
            intro_video(),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )
    teaches = rx.card(
        rx.vstack(
            rx.heading("Teaches", size="4", as_="h2"),
            rx.foreach(
                t.subjects,
                lambda s: rx.vstack(
                    rx.text(s.subject, weight="bold", size="2"),
                    rx.text(s.grades, size="2", color=rx.color("gray", 11)),
                    spacing="0",
                ),
            ),
            rx.separator(),
            rx.data_list.root(
                rx.data_list.item(
                    rx.data_list.label("Languages"),
                    rx.data_list.value(
                        rx.flex(rx.foreach(t.languages, lambda lang: rx.badge(lang)), gap="6px", wrap="wrap")
                    ),
                ),
                rx.data_list.item(
                    rx.data_list.label("Location"),
                    rx.data_list.value(
                        rx.cond(
                            t.city != "",
                            rx.text(
                                t.locality,
                                rx.cond(t.locality != "", ", ", ""),
                                t.city,
                                rx.cond(
                                    t.travel_radius_km > 0,
                                    " · travels up to " + t.travel_radius_km.to_string() + " km",
                                    "",
                                ),
                            ),
                            "Online only",
                        )
                    ),
                ),
                rx.data_list.item(rx.data_list.label("Tutor's timezone"), rx.data_list.value(t.timezone)),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("All tutors"), spacing="1", align="center"),
            href="/tutors",
            size="2",
        ),
        header,
        rx.flex(
            rx.vstack(
                stats,
                available_times(),
                reviews_card(),
                about,
                teaches,
                spacing="4",
                flex="1",
                min_width="0",
                width="100%",
            ),
            rx.vstack(
                _booking_box(),
                best_times_box(),
                spacing="4",
                width=rx.breakpoints(initial="100%", md="320px"),
                flex_shrink="0",
                position=rx.breakpoints(initial="static", md="sticky"),
                top="84px",
            ),
            direction=rx.breakpoints(initial="column-reverse", md="row"),
            gap="20px",
            align="start",
            width="100%",
        ),
        spacing="5",
        width="100%",
    )


def tutor_public_page() -> rx.Component:
    return page(gate(TutorPageState.status, rx.fragment(_tutor_profile(), booking_dialog()), what="tutor profile"))
