"""The "Calendar feed" card of the account page: show, copy or replace the private link."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ui import confirm_dialog, section
from tutorhub.state.calendars.feed import CalendarFeedState as S


def _shown() -> rx.Component:
    return rx.vstack(
        rx.el.label("Your private calendar link", html_for="calendar-feed-url", style={"fontWeight": "500"}),
        rx.flex(
            rx.input(id="calendar-feed-url", value=S.feed_url, read_only=True, width="100%", size="3",
                     custom_attrs={"aria-describedby": "calendar-feed-hint"}),
            rx.button(rx.icon("copy", size=16), "Copy", size="3",
                      on_click=[rx.set_clipboard(S.feed_url), rx.toast.success("Link copied")]),
            gap="8px",
            width="100%",
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
        rx.text(
            "Keep it private: anyone with this link can see your lesson times. Calendar apps check it "
            "about once an hour.",
            id="calendar-feed-hint",
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.flex(
            confirm_dialog(
                rx.button(rx.icon("refresh-cw", size=14), "Replace link", variant="soft", color_scheme="orange"),
                "Replace your calendar link?",
                "The current link stops working at once; calendars subscribed to it must be given the new one.",
                rx.button("Replace link", color_scheme="orange", on_click=S.regenerate_feed),
            ),
            rx.button("Hide link", variant="soft", color_scheme="gray", on_click=S.hide_feed),
            gap="8px",
            wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )


def calendar_feed_card() -> rx.Component:
    return section(
        "Calendar feed",
        rx.cond(
            S.feed_status == "shown",
            _shown(),
            rx.button(rx.icon("calendar-plus", size=16), "Show my calendar link", variant="soft",
                      loading=S.feed_status == "loading", on_click=S.show_feed, width="fit-content"),
        ),
        description="Subscribe to your lessons and group classes in Google Calendar, Apple Calendar or Outlook: "
        "new, moved and cancelled ones show up there by themselves (a parent's link also carries their "
        "linked children's).",
    )
