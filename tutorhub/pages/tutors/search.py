"""Tutor search with URL-backed filters (the public tutor profile is in public_profile.py)."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.ad_slot import ad_slot, offers_banner
from tutorhub.components.currency_picker import currency_picker
from tutorhub.components.forms import select_field, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.search_tabs import search_tabs
from tutorhub.components.tutor_card import tutor_grid
from tutorhub.components.ui import empty_state, pager, skeleton_cards
from tutorhub.services.catalog import GRADE_LEVELS, LANGUAGES, SUBJECTS
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.base import AppState
from tutorhub.state.growth.ad_slots import AdSlotState
from tutorhub.state.tutors.search import ANY, SearchState

GRADE_OPTIONS = [(ANY, "Any level"), *GRADE_LEVELS.items()]
MODE_OPTIONS = [(ANY, "Online or home"), ("online", "Online"), ("home", "Home tuition")]
LANGUAGE_OPTIONS = [(ANY, "Any language"), *[(lang, lang) for lang in LANGUAGES]]
CURRENCY_OPTIONS = [(ANY, "Any currency"), *[(c, c) for c in CURRENCIES]]
RATING_OPTIONS = [(ANY, "Any rating"), ("3", "3+ stars"), ("4", "4+ stars")]
SORT_OPTIONS = [(ANY, "Best match"), ("price", "Lowest price"), ("rating", "Highest rated"),
                ("next_free", "Next free time")]


def _filter_select(label: str, name: str, options: list[tuple[str, str]]) -> rx.Component:
    """A filter select prefilled from the URL ("any" when the filter is not set)."""
    current = getattr(SearchState, name)
    return select_field(
        label, name, options, errors=SearchState.errors, default_value=rx.cond(current != "", current, ANY)
    )


def _filters() -> rx.Component:
    errors = SearchState.errors
    return rx.form(
        rx.vstack(
            text_field(
                "Subject",
                "subject",
                errors=errors,
                default_value=SearchState.subject,
                placeholder="e.g. Physics",
                field_id="filter-subject",
                custom_attrs={"list": "filter-subjects"},
            ),
            rx.el.datalist(*[rx.el.option(value=label) for label in SUBJECTS.values()], id="filter-subjects"),
            _filter_select("Level", "grade", GRADE_OPTIONS),
            _filter_select("Mode", "mode", MODE_OPTIONS),
            rx.hstack(
                rx.box(
                    text_field(
                        "Max price per hour",
                        "max_price",
                        errors=errors,
                        default_value=SearchState.max_price,
                        placeholder="e.g. 40",
                        input_mode="decimal",
                        field_id="filter-max-price",
                    ),
                    flex="1",
                ),
                rx.box(
                    _filter_select("Tutor charges in", "currency", CURRENCY_OPTIONS),
                    width="8.5em",
                ),
                spacing="2",
                width="100%",
                align="start",
            ),
            rx.text("Max price is in " + SearchState.shown_currency.to(str) + "; every tutor's price is converted "
                    "(≈, at our current rates), so no currency is left out.", size="1", color=rx.color("gray", 11)),
            text_field(
                "City",
                "city",
                errors=errors,
                default_value=SearchState.city,
                placeholder="e.g. Koramangala, Bengaluru",
                field_id="filter-city",
            ),
            text_field(
                "Within (km of the city)",
                "radius_km",
                errors=errors,
                default_value=SearchState.radius_km,
                placeholder="25",
                input_mode="numeric",
                field_id="filter-radius",
            ),
            _filter_select("Language", "language", LANGUAGE_OPTIONS),
            _filter_select("Rating", "min_rating", RATING_OPTIONS),
            _filter_select("Sort by", "sort", SORT_OPTIONS),
            rx.link("How we rank", href="/help/ranking", size="1"),
            rx.hstack(
                rx.button("Apply filters", type="submit", size="3", flex="1"),
                rx.button(
                    "Clear", type="button", variant="soft", color_scheme="gray", size="3", on_click=SearchState.clear
                ),
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=SearchState.apply,
        key=SearchState.form_key,
        width="100%",
        aria_label="Search filters",
    )


def _filter_panel() -> rx.Component:
    """One filter form: always shown beside the results on wide screens, behind a toggle on phones."""
    toggle = rx.button(
        rx.icon("sliders-horizontal", size=16),
        "Filters",
        rx.cond(
            SearchState.active_filters > 0,
            rx.badge(SearchState.active_filters.to_string(), radius="full"),
            rx.fragment(),
        ),
        rx.spacer(),
        rx.cond(SearchState.filters_open, rx.icon("chevron-up", size=16), rx.icon("chevron-down", size=16)),
        variant="surface",
        color_scheme="gray",
        size="3",
        width="100%",
        on_click=SearchState.toggle_filters,
        aria_expanded=rx.cond(SearchState.filters_open, "true", "false"),
        aria_controls="search-filters",
        display=rx.breakpoints(initial="flex", md="none"),
    )
    panel = rx.card(
        _filters(),
        size="2",
        width="100%",
        id="search-filters",
        margin_top=rx.breakpoints(initial="8px", md="0"),
        display=rx.breakpoints(initial=rx.cond(SearchState.filters_open, "block", "none"), md="block"),
    )
    return rx.box(
        toggle,
        panel,
        width=rx.breakpoints(initial="100%", md="280px"),
        flex_shrink="0",
        position=rx.breakpoints(initial="static", md="sticky"),
        top="84px",
    )


def _results() -> rx.Component:
    return rx.fragment(rx.cond(
        SearchState.place_note != "",
        rx.text(SearchState.place_note, size="2", color=rx.color("gray", 11), margin_bottom="8px"),
        rx.fragment(),
    ), rx.cond(
        SearchState.ranked_for != "",
        rx.text("Best matches first for your profile: ", SearchState.ranked_for, " · ",
                rx.link("how we rank", href="/help/ranking"), " · ", rx.link("edit", href="/onboarding/student"),
                id="ranked-for", size="2", color=rx.color("gray", 11), margin_bottom="8px"),
        rx.fragment(),
    ), _result_list())


def _offers_and_ads() -> rx.Component:
    """Offers and ads appear with the results, not before or after them: arriving on their own they
    pushed the painted skeleton or results down (a layout shift of 0.16 on phones, Lighthouse)."""
    return rx.cond(
        SearchState.loading | ~AdSlotState.ads_ready,
        rx.fragment(),
        rx.fragment(offers_banner(), ad_slot()),
    )


def _result_list() -> rx.Component:
    return rx.cond(
        SearchState.loading | ~AdSlotState.ads_ready,
        skeleton_cards(6),
        rx.cond(
            SearchState.total > 0,
            rx.vstack(
                tutor_grid(SearchState.results, columns=rx.breakpoints(initial="1", sm="2")),
                pager(SearchState.prev_href, SearchState.next_href, SearchState.page, SearchState.pages),
                width="100%",
            ),
            empty_state(
                "search-x",
                "No tutors match",
                "No tutors match — try removing a filter.",
                rx.button("Clear all filters", variant="soft", on_click=SearchState.clear),
            ),
        ),
    )


def _free_toggle() -> rx.Component:
    """'Free in my preferred times' for students with saved times (or windows in the link)."""
    usable = SearchState.has_saved_windows | (SearchState.windows != "")
    row = rx.flex(
        rx.hstack(
            rx.switch(
                id="free-toggle",
                checked=SearchState.free_on,
                on_change=SearchState.set_free,
                disabled=~usable,
            ),
            rx.el.label(
                "Free in my preferred times (next 14 days)",
                html_for="free-toggle",
                style={"font_size": "var(--font-size-2)", "cursor": "pointer"},
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            usable,
            rx.link("Edit my times", href="/student/times", size="2"),
            rx.link("Set your preferred times first", href="/student/times", size="2"),
        ),
        gap="12px",
        align="center",
        wrap="wrap",
        width="100%",
    )
    note = rx.cond(
        SearchState.free_note != "",
        rx.callout(SearchState.free_note, icon="info", color_scheme="amber", high_contrast=True, size="1", width="100%"),
        rx.fragment(),
    )
    return rx.cond(
        usable | (AppState.viewer_role == "student"),
        rx.vstack(row, note, spacing="2", width="100%", margin_bottom="12px"),
        note,
    )


def search_page() -> rx.Component:
    count = rx.cond(
        SearchState.loading,
        "Searching…",
        SearchState.total.to_string() + rx.cond(SearchState.total == 1, " tutor matches", " tutors match"),
    )
    return page(
        search_tabs("tutors"),
        page_header(
            "Find a tutor",
            None,
            rx.hstack(
                rx.text(count, size="2", color=rx.color("gray", 11), aria_live="polite", id="result-count"),
                currency_picker(SearchState.shown_currency, SearchState.pick_currency),
                spacing="4", align="center", wrap="wrap",
            ),
        ),
        rx.flex(
            _filter_panel(),
            rx.box(_free_toggle(), _offers_and_ads(), _results(), flex="1", min_width="0", width="100%"),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="24px",
            align="start",
            width="100%",
        ),
    )
