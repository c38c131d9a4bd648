"""A tutor in search results and on the landing page."""

from __future__ import annotations

import reflex as rx

from tutorhub.state.tutors.views import TutorCardView


def rating_badge(rating: rx.Var, reviews: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("star", size=14, color=rx.color("amber", 9), fill=rx.color("amber", 9)),
        rx.text(rating, size="2", weight="bold"),
        rx.cond(reviews > 0, rx.text("(", reviews, ")", size="1", color=rx.color("gray", 11)), rx.fragment()),
        spacing="1",
        align="center",
    )


# Radix Themes avatar sizes in CSS pixels (the image fills its fixed-size circle).
AVATAR_PX = {"1": 24, "2": 32, "3": 40, "4": 48, "5": 64, "6": 80, "7": 96, "8": 128, "9": 160}


def avatar(initials: rx.Var, size: str = "4", photo: rx.Var | str = "") -> rx.Component:
    """The tutor's photo, or their initials when there is none (or it fails to load). The name is always
    shown beside it, so the picture is decorative (empty alt). The image carries its width and height
    (Radix passes these attributes to the <img>), so nothing moves when it arrives."""
    px = str(AVATAR_PX[size])
    return rx.avatar(src=photo, fallback=initials, size=size, radius="full", color_scheme="indigo",
                     variant="soft", custom_attrs={"alt": "", "width": px, "height": px})  # as props: css


def tutor_card(tutor: TutorCardView) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    avatar(tutor.initials, photo=tutor.photo),
                    rx.vstack(
                        rx.text(tutor.name, weight="bold", size="3", class_name="tutor-name"),
                        rx.hstack(
                            rx.icon("map-pin", size=13, color=rx.color("gray", 11)),
                            rx.text(
                                rx.cond(tutor.city != "", tutor.city, "Online"),
                                rx.cond(tutor.distance != "", " · " + tutor.distance, ""),
                                size="1", color=rx.color("gray", 11)
                            ),
                            spacing="1",
                            align="center",
                        ),
                        spacing="0",
                        min_width="0",
                    ),
                    rx.spacer(),
                    rating_badge(tutor.rating, tutor.reviews),
                    width="100%",
                    align="start",
                    spacing="3",
                ),
                rx.text(tutor.headline, size="2", color=rx.color("gray", 12), line_clamp=2),
                rx.cond(tutor.match != "", rx.text(tutor.match, size="1", color=rx.color("indigo", 11)), rx.fragment()),
                rx.flex(
                    rx.foreach(tutor.subjects, lambda s: rx.badge(s, variant="soft", radius="full")),
                    wrap="wrap",
                    gap="6px",
                ),
                rx.spacer(),
                rx.hstack(
                    rx.flex(
                        rx.foreach(tutor.modes, lambda m: rx.badge(m, variant="outline", color_scheme="gray")),
                        gap="6px",
                        wrap="wrap",
                    ),
                    rx.spacer(),
                    rx.vstack(
                        rx.cond(tutor.price != "", rx.text(tutor.price, weight="bold", size="3"), rx.fragment()),
                        rx.cond(
                            tutor.home_price != "",
                            rx.text(
                                "Home ", tutor.home_price, size="1", color=rx.color("gray", 11), white_space="nowrap"
                            ),
                            rx.fragment(),
                        ),
                        spacing="0",
                        align="end",
                    ),
                    width="100%",
                    align="end",
                ),
                spacing="3",
                height="100%",
            ),
            size="2",
            height="100%",
            class_name="tutor-card",
            _hover={"box_shadow": "var(--shadow-3)", "transform": "translateY(-1px)"},
            style={"transition": "box-shadow 120ms, transform 120ms"},
        ),
        href=tutor.href,
        underline="none",
        color="inherit",
        height="100%",
        # No aria-label: the link's name is its text (name first), which an aria-label of the name
        # alone would hide (axe label-content-name-mismatch).
    )


def tutor_grid(items: rx.Var, columns: object = None) -> rx.Component:
    return rx.grid(
        rx.foreach(items, tutor_card),
        columns=columns or rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
    )
