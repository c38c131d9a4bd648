"""Admin: one campaign's figures over time, pause / resume, edits and its image (/admin/ads/[campaign_id])."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.creative_upload import creative_upload
from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.money_ui import bar_chart, figure_card, figure_grid
from tutorhub.components.ui import gate, section
from tutorhub.state.growth.admin_campaign import AdminCampaignState as C

UPLOAD_ID = "campaign-image"


def _summary() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.badge(C.state, color_scheme=C.color, variant="soft", high_contrast=True, size="2", id="campaign-status"),
                  rx.badge(C.kind, variant="outline", color_scheme="gray"),
                  rx.cond(C.reason != "", rx.text("(", C.reason, ")", size="1"), rx.fragment()),
                  spacing="2", align="center", wrap="wrap"),
        rx.text(C.advertiser, " · ", C.window, size="2", color=rx.color("gray", 11)),
        rx.text("Targeting: ", C.targeting, " · ", C.pricing, size="2"),
        rx.cond(C.funded, rx.fragment(),
                rx.callout("The advertiser has no prepaid balance in this currency: the campaign is not served.",
                           icon="triangle-alert", color_scheme="amber", size="1")),
        rx.hstack(
            rx.cond(C.state == "ACTIVE",
                    rx.button("Pause", variant="soft", color_scheme="amber", on_click=C.pause, loading=C.busy),
                    rx.fragment()),
            rx.cond((C.state == "PAUSED") | (C.state == "DRAFT"),
                    rx.button(rx.cond(C.state == "DRAFT", "Start", "Resume"), on_click=C.resume, loading=C.busy),
                    rx.fragment()),
            spacing="2",
        ),
        spacing="2", width="100%",
    )


def _figures() -> rx.Component:
    return figure_grid(
        figure_card("Impressions", C.impressions.to_string(), "once per visitor per hour"),
        figure_card("Clicks", C.clicks.to_string()),
        figure_card("CTR", C.ctr, "clicks per impression"),
        figure_card("Spend", C.spend, "of " + C.budget),
    )


def _charts() -> rx.Component:
    return section(
        "Over time",
        rx.text("Impressions and clicks per day (UTC)", size="2", weight="medium"),
        bar_chart(C.traffic, [("a", "Impressions", "var(--accent-9)"), ("b", "Clicks", "var(--amber-9)")],
                  label="Impressions and clicks per day"),
        rx.text("Spend per day (major units) and CTR %", size="2", weight="medium"),
        bar_chart(C.spending, [("a", "Spend", "var(--green-9)"), ("b", "CTR %", "var(--gray-9)")],
                  label="Spend and click-through rate per day"),
        description="Days up to the last 02:00 UTC reconcile are as recorded; the days since are live.",
    )


def _edit() -> rx.Component:
    return section(
        "Edit",
        rx.form(
            rx.vstack(
                text_field("Title", "title", errors=C.errors, default_value=C.title, field_id="edit-title"),
                text_field("Text", "body", errors=C.errors, default_value=C.body, field_id="edit-body"),
                text_field("Budget", "budget", errors=C.errors, default_value=C.budget_input, field_id="edit-budget",
                           input_mode="decimal", hint="Not below what was already spent"),
                submit_button("Save", loading=C.busy, size="2"),
                spacing="3", width="100%",
            ),
            on_submit=C.save, key=C.form_key.to_string(), width="100%",
        ),
    )


def _image() -> rx.Component:
    return section(
        "Creative image",
        rx.cond(C.image_url != "", rx.image(src=C.image_url, alt="Current creative", max_width="320px",
                                            border_radius="6px"), rx.text("No image yet.", size="2")),
        creative_upload(label="Upload the campaign's image", upload_id=UPLOAD_ID,
                        on_drop=C.upload_image(rx.upload_files(upload_id=UPLOAD_ID)),
                        on_drop_rejected=C.reject_files, padding="20px"),
        form_message(C.upload_error),
        description="Checked by its content, not its name; shown publicly with the ad.",
    )


def admin_campaign_page() -> rx.Component:
    ready = rx.vstack(
        rx.link("← All campaigns", href="/admin/ads", size="2"),
        page_header(C.title, None),
        _summary(), _figures(), _charts(), _edit(), _image(),
        spacing="4", width="100%",
    )
    return page(gate(C.status, ready, what="campaign"), width="1000px")
