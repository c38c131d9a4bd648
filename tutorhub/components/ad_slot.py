"""The ad slot (banners and sponsored tutor results, always labelled) and the special-offers banner."""

from __future__ import annotations

import reflex as rx

from tutorhub.state.growth.ad_slots import AdSlotState, AdView, OfferView


def _ad_card(ad: AdView) -> rx.Component:
    label = rx.cond(ad.sponsored, "Sponsored", "Ad")
    return rx.card(
        rx.flex(
            rx.cond(
                ad.image_url != "",
                rx.image(src=ad.image_url, alt=ad.title, width=rx.breakpoints(initial="100%", sm="160px"),
                         height="auto", border_radius="6px", object_fit="cover"),
                rx.fragment(),
            ),
            rx.vstack(
                rx.badge(label, variant="soft", color_scheme="amber", size="1", class_name="ad-label"),
                rx.text(ad.title, weight="bold", size="3", class_name="ad-title"),
                rx.cond(ad.body != "", rx.text(ad.body, size="2", color=rx.color("gray", 11)), rx.fragment()),
                rx.button(
                    rx.cond(ad.sponsored, "View tutor profile", "Learn more"),
                    size="2",
                    variant="soft",
                    on_click=AdSlotState.click(ad.campaign_id),
                    # Starts with the visible words (voice control users say what they see).
                    aria_label=rx.cond(ad.sponsored, "View tutor profile (sponsored): ", "Learn more (ad): ")
                    + ad.title,
                ),
                spacing="2",
                align="start",
                flex="1",
                min_width="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="12px",
            width="100%",
        ),
        width="100%",
        class_name=rx.cond(ad.sponsored, "ad-card sponsored-result", "ad-card ad-banner"),
        custom_attrs={"data-campaign": ad.campaign_id},
    )


def ad_slot() -> rx.Component:
    """The ads served for this page (nothing at all when none match)."""
    return rx.cond(
        AdSlotState.ads.length() > 0,
        rx.vstack(rx.foreach(AdSlotState.ads, _ad_card), spacing="3", width="100%", margin_y="12px",
                  role="complementary", aria_label="Sponsored", id="ad-slot"),
        rx.fragment(),
    )


def _offer(offer: OfferView) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("tag", size=16)),
        rx.callout.text(
            rx.text.strong(offer.discount), " · ", offer.text, " — use code ",
            rx.code(offer.code, class_name="offer-code", high_contrast=True), " when you pay.",
        ),
        color_scheme="green",
        high_contrast=True,  # green text on pale green is 4.09:1 otherwise (axe color-contrast)
        size="1",
        width="100%",
        class_name="special-offer",
    )


def offers_banner() -> rx.Component:
    return rx.cond(
        AdSlotState.offers.length() > 0,
        rx.vstack(rx.foreach(AdSlotState.offers, _offer), spacing="2", width="100%", margin_y="8px"),
        rx.fragment(),
    )
