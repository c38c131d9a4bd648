"""/guardian: a student's guardians (invite, unlink); a guardian's invitations (enter the code)
and linked children (progress, plans, homework, the next lessons, lesson minutes and buying a
minute pack for them)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, link_button, section
from tutorhub.services.learning.guardians import GuardianLinkOut
from tutorhub.state.learning.guardians import ChildRow, PackChoice
from tutorhub.state.learning.guardians import GuardianState as G


def _link_row(link: GuardianLinkOut) -> rx.Component:
    asked = (link.initiated_by == "guardian") & (link.status == "pending")
    return rx.flex(
        rx.vstack(rx.text(rx.cond(link.guardian_name != "", link.guardian_name, link.guardian_email), weight="medium"),
                  rx.text(link.guardian_email, " · ", rx.cond(asked, "asks to be your guardian", link.status),
                          size="1", color=rx.color("gray", 10)), spacing="0"),
        rx.cond(asked,
                rx.flex(rx.button("Accept", size="1", on_click=G.answer(link.id, True)),
                        rx.button("Decline", size="1", variant="soft", color_scheme="red",
                                  on_click=G.answer(link.id, False)), gap="8px"),
                rx.button("Unlink", size="1", variant="soft", color_scheme="red", on_click=G.unlink(link.id))),
        justify="between", align="center", width="100%", gap="12px",
    )


def _student_view() -> rx.Component:
    return rx.vstack(
        section("Invite a parent or guardian", rx.form(rx.vstack(
            form_message(G.message),
            text_field("Their email address", "guardian_email", errors=G.errors, type="email"),
            submit_button("Send invitation"),
            spacing="3", width="100%"), on_submit=G.invite, key=G.form_key, width="100%", aria_label="Invite"),
            description="They get a code by email and, once linked, see your lessons, plans, homework, reports and "
                        "receipts. You can unlink them at any time."),
        section("Your guardians", rx.cond(G.links.length() > 0, rx.vstack(rx.foreach(G.links, _link_row), spacing="3",
                                                                          width="100%"),
                                          rx.text("Nobody is linked yet.", size="2"))),
        spacing="4", width="100%",
    )


def _pending(link: GuardianLinkOut) -> rx.Component:
    return rx.form(rx.vstack(
        rx.text(link.student_name, " invited you (invitation #", link.id, ").", size="2"),
        rx.el.input(type="hidden", name="link_id", value=link.id.to(str)),
        rx.flex(rx.input(name="code", placeholder="6-digit code", aria_label="Code from the email", inputmode="numeric",
                         max_length=6, size="3"),
                submit_button("Link", size="3"), gap="8px"),
        spacing="2", width="100%"), on_submit=G.confirm, width="100%", aria_label="Confirm invitation")


def _pack_option(pack: PackChoice) -> rx.Component:
    return rx.el.option(pack.label, value=pack.code)


_SELECT_STYLE = {"padding": "6px 8px", "border_radius": "6px", "border": "1px solid var(--gray-7)",
                 "background": "var(--color-background)", "color": "var(--gray-12)"}


def _buy_minutes(child: ChildRow) -> rx.Component:
    return rx.form(rx.vstack(
        rx.text("Lesson minutes: ", rx.text.span(child.minutes, weight="medium"), size="2"),
        rx.el.input(type="hidden", name="student_id", value=child.student_id.to(str)),
        rx.flex(
            rx.el.select(rx.foreach(G.packs, _pack_option), name="pack", aria_label="Minute pack for " + child.name,
                         style=_SELECT_STYLE),
            rx.el.select(rx.el.option("Pay from my wallet", value="wallet"), rx.el.option("Pay by card", value="card"),
                         name="method", aria_label="How to pay", style=_SELECT_STYLE),
            submit_button("Buy minutes", size="2"),
            gap="8px", wrap="wrap", align="center"),
        rx.text("You pay; the minutes are ", child.name, "'s, for any of their lessons.", size="1",
                color=rx.color("gray", 10)),
        spacing="2", width="100%"), on_submit=G.buy_minutes, width="100%", aria_label="Buy minutes for " + child.name)


def _child(child: ChildRow) -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(child.name, size="4", as_="h2"),
        rx.text("Student id ", child.student_id, size="1", color=rx.color("gray", 10)),
        rx.flex(link_button("Progress", href=child.progress_href, size="2"),
                link_button("Study plans", href="/plans", size="2", variant="soft"),
                link_button("Homework", href="/homework", size="2", variant="soft"),
                link_button("Book a lesson", href=child.book_href, size="2", variant="soft"),
                gap="8px", wrap="wrap"),
        rx.cond(child.lessons.length() > 0,
                rx.vstack(rx.text("Latest lessons", size="2", weight="medium"),
                          rx.foreach(child.lessons, lambda line: rx.text(line, size="2")), spacing="1"),
                rx.text("No lessons yet.", size="2")),
        rx.cond(G.packs.length() > 0, _buy_minutes(child), rx.fragment()),
        spacing="3", width="100%"), width="100%")


def _ask_child() -> rx.Component:
    return section("Ask to link a child", rx.form(rx.vstack(
        text_field("Your child's email address", "student_email", errors=G.errors, type="email"),
        submit_button("Send request", size="2"),
        rx.cond(G.requests.length() > 0,
                rx.text("Waiting for an answer from: ", rx.foreach(G.requests, lambda r: rx.text.span(r.student_name, " ")),
                        size="2"),
                rx.fragment()),
        spacing="3", width="100%"), on_submit=G.ask_child, key=G.form_key, width="100%", aria_label="Ask to link a child"),
        description="If they have a student account, they accept or decline it on their Guardians page; nothing is "
                    "shared until they accept.")


def _guardian_view() -> rx.Component:
    return rx.vstack(
        form_message(G.message),
        rx.cond(G.links.length() > 0, section("Invitations", rx.vstack(rx.foreach(G.links, _pending), spacing="4",
                                                                        width="100%"),
                                              description="Enter the code from the invitation email."),
                rx.fragment()),
        rx.cond(G.children.length() > 0, rx.vstack(rx.foreach(G.children, _child), spacing="3", width="100%"),
                empty_state("users", "No children linked yet",
                            "Ask your child to invite you from their Guardians page with this account's email address.")),
        _ask_child(),
        spacing="4", width="100%",
    )


def guardian_page() -> rx.Component:
    ready = rx.vstack(
        page_header(rx.cond(G.role == "student", "Your guardians", "My children")),
        rx.cond(G.role == "student", _student_view(), _guardian_view()),
        spacing="2", width="100%",
    )
    return page(gate(G.status, ready), width="860px")
