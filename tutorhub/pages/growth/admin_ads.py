"""Admin: ad campaigns and advertisers (/admin/ads)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.components.creative_upload import creative_upload
from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import empty_state, gate, section
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.growth.admin_ads import AdminAdsState as A
from tutorhub.state.growth.admin_ads import AdvertiserRow, CampaignRow

NEW_IMAGE_UPLOAD = "new-campaign-image"
SELECT_STYLE = {"height": "40px", "border_radius": "6px", "padding": "0 8px", "width": "100%",
                "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)}


def native_select(label: str, name: str, fid: str, options: list[tuple[str, str]] | None = None,
                  dynamic: Any = None) -> rx.Component:
    """A plain <select> (submits with the form; works with keyboard and screen readers)."""
    children = [rx.el.option(text, value=value) for value, text in options or []]
    if dynamic is not None:
        children.append(rx.foreach(dynamic, lambda a: rx.el.option(a.name, value=a.id)))
    return rx.vstack(
        rx.el.label(label, html_for=fid, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
        rx.el.select(*children, name=name, id=fid, style=SELECT_STYLE),
        spacing="1", width="100%",
    )


def _grid(*children: Any) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%")


def _campaign(row: CampaignRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(
                rx.link(row.title, href="/admin/ads/" + row.id.to_string(), weight="bold", size="2"),
                rx.badge(row.status, color_scheme=row.color, variant="soft"),
                rx.badge(row.kind, variant="outline", color_scheme="gray"),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(row.advertiser, " · ", row.window, size="1", color=rx.color("gray", 11)),
            rx.cond(row.warning != "", rx.text(row.warning, size="1", color=rx.color("amber", 11)), rx.fragment()),
            spacing="1", flex="1", min_width="0",
        ),
        rx.text(row.impressions.to_string() + " views · " + row.clicks.to_string() + " clicks · CTR " + row.ctr,
                size="2"),
        rx.text(row.spend, size="2", weight="medium"),
        direction=rx.breakpoints(initial="column", sm="row"), gap="8px", align=rx.breakpoints(initial="start",
                                                                                               sm="center"),
        width="100%", padding_y="10px", border_bottom=f"1px solid {rx.color('gray', 4)}", class_name="campaign-row",
    )


def _campaign_list() -> rx.Component:
    return section(
        "Campaigns",
        rx.cond(
            A.campaigns.length() > 0,
            rx.vstack(rx.foreach(A.campaigns, _campaign), spacing="0", width="100%"),
            empty_state("megaphone", "No campaigns yet", "Create one below; it runs as soon as it starts."),
        ),
        description="Impressions and clicks count once per visitor per hour; bots are not counted.",
    )


def _new_image() -> rx.Component:
    """The creative image, chosen before the campaign exists: checked at once, stored on create."""
    return rx.vstack(
        rx.text("Creative image (optional)", size="2", weight="medium"),
        rx.cond(
            A.new_image_name != "",
            rx.hstack(rx.icon("image", size=16), rx.text(A.new_image_name, size="2", class_name="new-image-name"),
                      rx.button("Remove", type="button", variant="soft", color_scheme="gray", size="1",
                                on_click=A.drop_image),
                      spacing="2", align="center"),
            creative_upload(label="The new campaign's image", upload_id=NEW_IMAGE_UPLOAD,
                            on_drop=A.choose_image(rx.upload_files(upload_id=NEW_IMAGE_UPLOAD)),
                            on_drop_rejected=A.reject_image, padding="16px"),
        ),
        form_message(A.new_image_error),
        rx.text("Checked by its content, not its name; stored with the campaign when you create it, shown "
                "publicly with the ad. You can also change it later on the campaign's page.",
                size="1", color=rx.color("gray", 11)),
        spacing="1", width="100%",
    )


def _create_form() -> rx.Component:
    e = A.campaign_errors
    return section(
        "New campaign",
        rx.form(
            rx.vstack(
                _grid(
                    native_select("Advertiser", "advertiser_id", "campaign-advertiser", dynamic=A.advertisers),
                    native_select("Kind", "kind", "campaign-kind",
                                  [("banner", "Banner"), ("sponsored_tutor", "Sponsored tutor profile")]),
                    text_field("Title", "title", errors=e, field_id="campaign-title", max_length=120),
                    text_field("Text", "body", errors=e, field_id="campaign-body", max_length=300),
                    text_field("Link (banners)", "link_url", errors=e, field_id="campaign-link",
                               placeholder="https://publisher.example/books"),
                    text_field("Tutor id (sponsored profiles)", "tutor_id", errors=e, field_id="campaign-tutor",
                               input_mode="numeric"),
                    text_field("Cities", "cities", errors=e, field_id="campaign-cities", hint="Comma separated; empty = all",
                               placeholder="Berlin, Munich"),
                    text_field("Subjects", "subjects", errors=e, field_id="campaign-subjects", hint="Empty = all",
                               placeholder="mathematics, physics"),
                    text_field("Grades", "grades", errors=e, field_id="campaign-grades", hint="Empty = all",
                               placeholder="high, senior"),
                    text_field("Starts (your time)", "starts_at", errors=e, field_id="campaign-starts",
                               type="datetime-local"),
                    text_field("Ends (your time)", "ends_at", errors=e, field_id="campaign-ends",
                               type="datetime-local"),
                    native_select("Currency", "currency", "campaign-currency", [(c, c) for c in CURRENCIES]),
                    text_field("Budget", "budget", errors=e, field_id="campaign-budget", input_mode="decimal",
                               placeholder="500.00", hint="Also capped by the advertiser's prepaid balance"),
                    native_select("Pricing", "pricing", "campaign-pricing",
                                  [("cpm", "Per 1000 impressions (CPM)"), ("cpc", "Per click (CPC)")]),
                    text_field("Price", "price", errors=e, field_id="campaign-price", input_mode="decimal",
                               placeholder="4.00"),
                ),
                _new_image(),
                rx.hstack(rx.checkbox(name="draft", id="campaign-draft"),
                          rx.el.label("Save as a draft (do not run yet)", html_for="campaign-draft"),
                          spacing="2", align="center"),
                form_message(e.get("form", "")),
                form_message(e.get("pricing", "")),
                submit_button("Create campaign", loading=A.busy == "campaign", size="2"),
                spacing="3", width="100%",
            ),
            on_submit=A.create_campaign, key=A.form_key.to_string(), width="100%",
        ),
    )


def _advertiser(row: AdvertiserRow) -> rx.Component:
    return rx.hstack(rx.text(row.name, weight="medium", size="2"), rx.spacer(),
                     rx.text(row.balance, size="2", class_name="advertiser-balance"),
                     width="100%", padding_y="6px", border_bottom=f"1px solid {rx.color('gray', 4)}",
                     class_name="advertiser-row")


def _advertisers() -> rx.Component:
    return section(
        "Advertisers",
        rx.vstack(rx.foreach(A.advertisers, _advertiser), spacing="0", width="100%"),
        rx.form(
            rx.vstack(
                _grid(text_field("Name", "name", errors=A.advertiser_errors, field_id="advertiser-name"),
                      text_field("Contact email", "contact_email", errors=A.advertiser_errors,
                                 field_id="advertiser-email")),
                form_message(A.advertiser_errors.get("form", "")),
                submit_button("Add advertiser", loading=A.busy == "advertiser", size="2"),
                spacing="3", width="100%",
            ),
            on_submit=A.create_advertiser, key="adv-" + A.form_key.to_string(), width="100%",
        ),
        rx.heading("Record a prepayment", size="3", as_="h3", margin_top="12px"),
        rx.form(
            rx.vstack(
                _grid(native_select("Advertiser", "advertiser_id", "prepay-advertiser", dynamic=A.advertisers),
                      native_select("Currency", "currency", "prepay-currency", [(c, c) for c in CURRENCIES]),
                      text_field("Amount received", "amount", errors=A.prepay_errors, field_id="prepay-amount",
                                 input_mode="decimal", placeholder="1000.00"),
                      text_field("Reference", "reference", errors=A.prepay_errors, field_id="prepay-reference",
                                 placeholder="Bank transfer id", hint="Recorded once per reference")),
                form_message(A.prepay_errors.get("form", "")),
                submit_button("Record prepayment", loading=A.busy == "prepay", size="2"),
                spacing="3", width="100%",
            ),
            on_submit=A.record_prepayment, key="prepay-" + A.form_key.to_string(), width="100%",
        ),
        description="Educational companies and publishers pay in advance; campaigns spend their balance.",
    )


def admin_ads_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Ad campaigns", "Banners and sponsored tutor profiles, their budgets and what they spent.",
                    rx.link("Special offers →", href="/admin/offers", size="2")),
        _campaign_list(), _create_form(), _advertisers(),
        spacing="4", width="100%",
    )
    return page(gate(A.status, ready), width="1000px")
