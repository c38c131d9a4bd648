"""Trust on the public tutor profile: the trust score with how it is computed, and the reviews."""

from __future__ import annotations

import reflex as rx

from tutorhub.state.learning.reviews import TutorReviewsState as R
from tutorhub.state.lesson_views import ReviewRow

_TRUST_PARTS = [
    ("Verification", "20", "profile and credentials checked by our team"),
    ("Rating", "30", "the Bayesian rating below, scaled from 1–5"),
    ("Experience", "15", "hours taught, full marks at 200 hours"),
    ("Reliability", "25", "tutor-side cancellations and no-shows in the last 90 days"),
    ("Response", "10", "share of requests answered within 24 hours"),
]


def trust_explainer() -> rx.Component:
    """A small "how is this computed" popover for the rating and the trust score."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("info", size=14), "How is this computed?", variant="ghost", size="1", id="trust-help"),
        ),
        rx.popover.content(
            rx.vstack(
                rx.text("Trust score (0–100)", weight="bold", size="2"),
                *[
                    rx.hstack(
                        rx.text(name, size="1", weight="medium", min_width="78px"),
                        rx.text("up to " + points, size="1", min_width="44px"),
                        rx.text(detail, size="1", color=rx.color("gray", 11)),
                        align="start",
                        spacing="2",
                    )
                    for name, points, detail in _TRUST_PARTS
                ],
                rx.separator(),
                rx.text(
                    "Rating is a Bayesian average: every tutor starts as if they had 5 reviews of 4 stars, "
                    "so a single 5-star review shows as 4.2 and a long record speaks for itself.",
                    size="1",
                    color=rx.color("gray", 11),
                ),
                spacing="2",
            ),
            max_width="360px",
        ),
    )


def _review(r: ReviewRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(r.stars, color=rx.color("amber", 10), size="3", aria_label=r.rating.to_string() + " out of 5"),
            rx.text(r.author, weight="bold", size="2"),
            rx.spacer(),
            rx.text(r.at, size="1", color=rx.color("gray", 11)),
            align="center",
            width="100%",
        ),
        rx.cond(r.comment != "", rx.text(r.comment, size="2", white_space="pre-wrap"), rx.fragment()),
        rx.cond(
            r.reply != "",
            rx.box(
                rx.text("Tutor's reply", size="1", weight="bold", color=rx.color("gray", 11)),
                rx.text(r.reply, size="2", white_space="pre-wrap"),
                padding="8px 12px",
                border_left=f"3px solid {rx.color('accent', 6)}",
                background=rx.color("gray", 2),
                width="100%",
            ),
            rx.fragment(),
        ),
        spacing="2",
        width="100%",
        padding_bottom="12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="review",
    )


def reviews_card() -> rx.Component:
    body = rx.cond(
        R.review_rows.length() > 0,
        rx.vstack(
            rx.foreach(R.review_rows, _review),
            rx.cond(
                R.reviews_page < R.reviews_pages,
                rx.button("More reviews", variant="soft", size="2", on_click=R.more_reviews),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        rx.text("No reviews yet.", size="2", color=rx.color("gray", 11)),
    )
    return rx.cond(
        R.reviews_status == "ready",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Reviews", size="4", as_="h2"),
                    rx.badge(R.reviews_total.to_string(), variant="soft"),
                    align="center",
                ),
                body,
                spacing="3",
                width="100%",
            ),
            size="3",
            width="100%",
            id="reviews",
        ),
        rx.fragment(),
    )
