"""The analytics consent toggle, a section of the settings page (/settings/notifications)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ui import section
from tutorhub.state.growth.analytics_consent import AnalyticsConsentState as A


def analytics_consent_section() -> rx.Component:
    toggle = rx.hstack(
        rx.switch(id="analytics-consent", checked=A.granted, on_change=A.set_granted),
        rx.el.label("Share anonymous usage statistics", html_for="analytics-consent",
                    style={"cursor": "pointer", "font_size": "var(--font-size-2)"}),
        spacing="2", align="center",
    )
    return rx.cond(
        A.consent_status == "ready",
        section(
            "Usage statistics",
            toggle,
            rx.cond(A.available, rx.fragment(),
                    rx.text("This installation does not collect usage statistics, so nothing is sent either way.",
                            size="1", color=rx.color("gray", 11))),
            description="Off unless you turn it on. We would send which steps you take (sign-up, search, "
                        "profile views, bookings, payments, lessons) under a random-looking id — never your "
                        "name, email, phone or messages.",
        ),
        rx.fragment(),
    )
