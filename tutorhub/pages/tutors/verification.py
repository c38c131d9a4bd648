"""Admin console: the tutor verification queue and the review of one tutor's submission."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, textarea_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import (
    empty_state,
    gate,
    link_button,
    pager,
    section,
)
from tutorhub.state.tutors.verification import AdminQueueState as Q
from tutorhub.state.tutors.verification import AdminReviewState as R
from tutorhub.state.tutors.verification import QueueRowView, StatusTab
from tutorhub.state.tutors.views import DocumentView


def _tab(tab: StatusTab) -> rx.Component:
    active = tab.status == Q.current
    return link_button(
        tab.label,
        rx.badge(tab.count.to_string(), radius="full", variant=rx.cond(active, "solid", "soft")),
        href=tab.href,
        variant=rx.cond(active, "solid", "soft"),
        color_scheme=rx.cond(active, "indigo", "gray"),
        size="2",
        aria_current=rx.cond(active, "page", "false"),
    )


def _queue_row(row: QueueRowView) -> rx.Component:
    return rx.link(
        rx.card(
            rx.flex(
                rx.vstack(
                    rx.text(row.name, weight="bold", size="3"),
                    rx.text(row.headline, size="2", color=rx.color("gray", 11)),
                    rx.text(row.subjects, size="1", color=rx.color("gray", 11)),
                    spacing="1",
                    min_width="0",
                    flex="1",
                ),
                rx.vstack(
                    rx.hstack(
                        rx.icon("paperclip", size=14),
                        rx.text(row.documents.to_string(), rx.cond(row.documents == 1, " document", " documents"), size="1"),
                        spacing="1",
                        align="center",
                    ),
                    rx.text(
                        rx.cond(row.submitted != "", "Submitted " + row.submitted, "Not submitted"),
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    spacing="1",
                    align=rx.breakpoints(initial="start", sm="end"),
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                gap="12px",
                width="100%",
            ),
            size="2",
            width="100%",
            class_name="queue-row",
        ),
        href=row.href,
        underline="none",
        color="inherit",
        width="100%",
    )


def verification_queue_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Tutor verification", "Review new and changed tutor profiles and their credentials."),
        rx.el.nav(rx.flex(rx.foreach(Q.tabs, _tab), gap="8px", wrap="wrap"), aria_label="Filter by status"),
        rx.cond(
            Q.rows.length() > 0,
            rx.vstack(rx.foreach(Q.rows, _queue_row), spacing="3", width="100%"),
            empty_state("inbox", "Nothing here", "No tutor profiles have this status right now."),
        ),
        pager(Q.prev_href, Q.next_href, Q.page, Q.pages),
        spacing="4",
        width="100%",
    )
    return page(gate(Q.status, ready), width="900px")


def _document(doc: DocumentView) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.hstack(
                rx.icon("file", size=16),
                rx.text(doc.name, size="2", weight="medium"),
                rx.badge(doc.kind, variant="soft"),
                rx.text(doc.size, size="1", color=rx.color("gray", 11)),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            link_button(
                rx.icon("external-link", size=14), "Open", href=doc.url, external=True, size="2", variant="soft"
            ),
            justify="between",
            align="center",
            gap="8px",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            doc.is_image,
            rx.image(
                src=doc.url,
                alt=doc.name,
                max_height="360px",
                max_width="100%",
                border_radius="var(--radius-3)",
                loading="lazy",
            ),
            rx.fragment(),
        ),
        rx.text("Uploaded ", doc.uploaded, size="1", color=rx.color("gray", 11)),
        spacing="2",
        width="100%",
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _decision_dialog(kind: str) -> rx.Component:
    approve = kind == "approve"
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                "Approve" if approve else "Reject",
                size="3",
                color_scheme="green" if approve else "red",
                variant="solid" if approve else "soft",
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Approve this tutor?" if approve else "Reject this profile?"),
            rx.dialog.description(
                "The profile goes live in search at once."
                if approve
                else "Tell the tutor what to change; they can resubmit."
            ),
            rx.form(
                rx.vstack(
                    form_message(R.decision_error),
                    textarea_field(
                        "Notes for the tutor" + (" (optional)" if approve else ""),
                        "notes",
                        errors=R.errors,
                        rows="3",
                        required=not approve,
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button(
                            "Confirm approval" if approve else "Confirm rejection",
                            type="submit",
                            color_scheme="green" if approve else "red",
                            high_contrast=True,  # white on green/red 9 is under 4.5:1 at this size
                        ),
                        spacing="3",
                        justify="end",
                    ),
                    spacing="3",
                    width="100%",
                    margin_top="12px",
                ),
                on_submit=R.approve if approve else R.reject,
                width="100%",
            ),
        ),
        open=R.dialog == kind,
        # No on_click on the trigger's button: Reflex would wrap it in a div, and the trigger's
        # aria-haspopup would land on that div (axe: aria-allowed-attr).
        on_open_change=lambda is_open: R.set_dialog_open(is_open, kind),
    )


def _review_body() -> rx.Component:
    decide = rx.cond(
        R.profile_status == "PENDING",
        rx.flex(_decision_dialog("approve"), _decision_dialog("reject"), gap="12px"),
        rx.text("Only profiles waiting for review can be decided.", size="2", color=rx.color("gray", 11)),
    )
    facts = rx.data_list.root(
        rx.data_list.item(rx.data_list.label("Email"), rx.data_list.value(R.email)),
        rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(rx.badge(R.profile_status))),
        rx.data_list.item(rx.data_list.label("Submitted"), rx.data_list.value(R.submitted_at)),
        rx.data_list.item(
            rx.data_list.label("Online rate"), rx.data_list.value(rx.cond(R.online_price != "", R.online_price, "—"))
        ),
        rx.data_list.item(
            rx.data_list.label("Home rate"), rx.data_list.value(rx.cond(R.home_price != "", R.home_price, "—"))
        ),
        rx.data_list.item(
            rx.data_list.label("Modes"),
            rx.data_list.value(
                rx.flex(rx.foreach(R.modes, lambda m: rx.badge(m, variant="outline")), gap="6px", wrap="wrap")
            ),
        ),
        rx.data_list.item(
            rx.data_list.label("Location"), rx.data_list.value(rx.cond(R.place != "", R.place, "Online only"))
        ),
        rx.data_list.item(rx.data_list.label("Timezone"), rx.data_list.value(R.timezone)),
        rx.data_list.item(
            rx.data_list.label("Languages"),
            rx.data_list.value(rx.flex(rx.foreach(R.languages, lambda lang: rx.badge(lang)), gap="6px", wrap="wrap")),
        ),
        rx.data_list.item(
            rx.data_list.label("Intro video"),
            rx.data_list.value(
                rx.cond(
                    R.intro_video_url != "", rx.link(R.intro_video_url, href=R.intro_video_url, is_external=True), "—"
                )
            ),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("Verification queue"), spacing="1", align="center"),
            href="/admin/verification",
            size="2",
        ),
        page_header(R.name, R.headline),
        rx.card(
            rx.flex(
                rx.text("Decision", weight="bold"),
                decide,
                justify="between",
                align="center",
                gap="12px",
                wrap="wrap",
                width="100%",
            ),
            size="2",
            width="100%",
        ),
        section(
            "Profile",
            facts,
            rx.text(R.bio, size="2", white_space="pre-wrap"),
            rx.foreach(R.subjects, lambda s: rx.text(rx.text.strong(s.subject), " — ", s.grades, size="2")),
        ),
        section(
            "Documents",
            rx.cond(
                R.documents.length() > 0,
                rx.vstack(rx.foreach(R.documents, _document), spacing="0", width="100%"),
                rx.text("No documents uploaded.", size="2", color=rx.color("gray", 11)),
            ),
        ),
        section(
            "History",
            rx.foreach(
                R.history,
                lambda h: rx.vstack(
                    rx.hstack(
                        rx.text(h.action, weight="medium", size="2"),
                        rx.text(h.when, size="1", color=rx.color("gray", 11)),
                        wrap="wrap",
                        align="center",
                    ),
                    rx.cond(h.notes != "", rx.text(h.notes, size="2", color=rx.color("gray", 11)), rx.fragment()),
                    spacing="0",
                ),
            ),
        ),
        spacing="4",
        width="100%",
    )


def verification_review_page() -> rx.Component:
    return page(gate(R.status, _review_body(), what="tutor"), width="900px")
