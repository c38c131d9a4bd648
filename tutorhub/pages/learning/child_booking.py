"""/guardian/book?student=ID: a guardian finds a tutor, picks a free time and books and pays for a
lesson for a linked child (the lesson is the child's; the guardian pays)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button, section
from tutorhub.state.learning.child_booking import ChildBookingState as B
from tutorhub.state.learning.child_booking import SlotChoice, TutorChoice


def _tutor(t: TutorChoice) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(t.name, weight="medium"), rx.text(t.line, size="1", color=rx.color("gray", 10)), spacing="0"),
        rx.button("Choose", size="2", variant=rx.cond(B.tutor_id == t.id, "solid", "soft"),
                  on_click=B.choose_tutor(t.id), aria_label="Choose " + t.name),
        justify="between", align="center", width="100%", gap="12px",
    )


def _slot(slot: SlotChoice) -> rx.Component:
    return rx.button(slot.label, size="2", variant="outline", on_click=B.hold(slot.start), loading=B.busy)


def _find() -> rx.Component:
    return section(
        "1. Find a tutor",
        rx.form(rx.flex(
            text_field("Subject", "subject", errors=B.errors, placeholder="e.g. Mathematics"),
            text_field("Tutor's name (optional)", "name", errors=B.errors, placeholder="e.g. Bruno"),
            submit_button("Search", loading=B.busy), gap="8px", align="end", wrap="wrap", width="100%"),
            on_submit=B.search, width="100%", aria_label="Find a tutor"),
        rx.cond(B.tutors.length() > 0, rx.vstack(rx.foreach(B.tutors, _tutor), spacing="3", width="100%"),
                rx.cond(B.searched, rx.text("No tutor matches; try another subject or name.", size="2"), rx.fragment())),
    )


def _times() -> rx.Component:
    return section(
        "2. Pick a time",
        rx.text("Free times with ", B.tutor_name, " (", B.duration, " minutes, your time zone):", size="2"),
        rx.cond(B.slots.length() > 0, rx.flex(rx.foreach(B.slots, _slot), gap="8px", wrap="wrap"),
                rx.text("No free time in the next two weeks.", size="2")),
    )


def _pay() -> rx.Component:
    return section(
        "3. Pay",
        rx.text("Held for 15 minutes for ", B.child_name, ": ", B.held_label, size="2"),
        rx.flex(rx.button("Pay from my wallet", size="3", on_click=B.pay("wallet"), loading=B.busy),
                rx.button("Pay by card", size="3", variant="soft", on_click=B.pay("gateway"), loading=B.busy),
                gap="8px", wrap="wrap"),
        description="The lesson is your child's; the payment and any refund are yours.",
    )


def child_booking_page() -> rx.Component:
    ready = rx.vstack(
        page_header(f"Book a lesson for {B.child_name}"),
        form_message(B.message),
        rx.cond(B.booking_id > 0, _pay(),
                rx.vstack(_find(), rx.cond(B.tutor_id > 0, _times(), rx.fragment()), spacing="4", width="100%")),
        link_button("Back to my children", href="/guardian", size="2", variant="soft"),
        spacing="4", width="100%",
    )
    return page(gate(B.status, ready, what="child"), width="860px")
