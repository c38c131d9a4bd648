"""/leads (tutors): the live lead inbox — fit, claim for a credit, chat, propose a time."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, link_button
from tutorhub.state.leads.inbox import LeadInboxState, LeadRow, TimeOption

L = LeadInboxState


def _time(lead: LeadRow, t: TimeOption) -> rx.Component:
    return rx.button(t.label, size="1", variant="outline", on_click=L.propose(lead.id, t.start))


def _lead(lead: LeadRow) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(lead.title, weight="bold"), rx.badge(lead.status, variant="soft"),
                  rx.cond(lead.claimed, rx.badge("claimed", color_scheme="green"), rx.fragment()),
                  spacing="2", wrap="wrap", align="center"),
        rx.text(lead.budget + rx.cond(lead.place != "", " · " + lead.place, ""), size="2"),
        rx.text("Their times: " + lead.windows, size="2", color=rx.color("gray", 11)),
        rx.text(lead.message, size="2"),
        rx.vstack(rx.foreach(lead.fit, lambda f: rx.text("✓ " + f, size="1", color=rx.color("green", 11))),
                  spacing="0"),
        rx.text(lead.claims_left.to_string() + " claims left · open until " + lead.expires, size="1",
                color=rx.color("gray", 10)),
        rx.cond(
            lead.claimed,
            rx.hstack(
                link_button("Open chat", href="/messages?c=" + lead.conversation_id.to_string(), size="2",
                            variant="soft"),
                rx.button("Propose a time", size="2", on_click=L.show_times(lead.id)),
                spacing="2", wrap="wrap",
            ),
            rx.button("Claim for 1 lead credit", size="2", on_click=L.claim(lead.id),
                      disabled=lead.claims_left == 0, aria_label="Claim " + lead.title),
        ),
        rx.cond(L.times_for == lead.id,
                rx.vstack(rx.text("Best free times in their windows — click one to propose it:", size="2"),
                          rx.flex(rx.foreach(L.times, lambda t: _time(lead, t)), wrap="wrap", gap="2"),
                          spacing="1"),
                rx.fragment()),
        spacing="2", width="100%", align="start",
    ), width="100%", class_name="lead-card")


def inbox_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Lead inbox", "Enquiries from students that match your subjects, rates, area and free time.",
                    rx.hstack(rx.badge(L.credits.to_string() + " lead credits", size="2"),
                              link_button("Buy lead credits", href="/earnings", variant="soft", size="2"),
                              rx.link("How we rank", href="/help/ranking", size="2"), spacing="3", wrap="wrap",
                              align="center")),
        rx.cond(L.no_credits, rx.callout("You have no lead credits left. Buy some on your Earnings page, then claim.",
                                         icon="coins", color_scheme="amber", role="alert"), rx.fragment()),
        rx.cond(L.rows.length() > 0, rx.vstack(rx.foreach(L.rows, _lead), spacing="3", width="100%"),
                empty_state("inbox", "No matching enquiries right now",
                            "New ones appear here as students post them; we also notify you.")),
        rx.cond(L.has_more, rx.button("Load older", on_click=L.load_more, variant="soft"), rx.fragment()),
        spacing="4", width="100%",
    )
    return page(gate(L.status, ready, what="lead inbox"), width="860px")
