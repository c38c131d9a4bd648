"""The tutor's own profile: status, the profile form, credentials and submission for review."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import (
    checkbox_group,
    error_text,
    form_message,
    select_field,
    submit_button,
    text_field,
    textarea_field,
    timezone_field,
)
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button, section
from tutorhub.pages.tutors.credentials import credentials_section
from tutorhub.pages.tutors.photo import photo_section
from tutorhub.services.catalog import GRADE_LEVELS, LANGUAGES, SUBJECTS
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.tutors.profile import TutorProfileState as S
from tutorhub.state.tutors.views import SubjectRow


def _status_banner() -> rx.Component:
    return rx.match(
        S.profile_status,
        (
            "PENDING",
            rx.callout(
                rx.text(
                    rx.text.strong("Waiting for review. "),
                    "Submitted ",
                    S.submitted_at,
                    ". We will email you when an admin decides.",
                ),
                icon="hourglass",
                color_scheme="amber", high_contrast=True,
                width="100%",
            ),
        ),
        (
            "APPROVED",
            rx.callout(
                rx.text(
                    rx.text.strong("Approved. "),
                    "Your profile is live in search. ",
                    rx.link("See your public profile", href="/tutors/" + S.profile_id.to_string()),
                ),
                icon="badge-check",
                color_scheme="green",
                width="100%",
            ),
        ),
        (
            "REJECTED",
            rx.callout(
                rx.vstack(
                    rx.text(rx.text.strong("Changes requested. "), "Update your profile and resubmit."),
                    rx.cond(
                        S.review_notes != "", rx.text("Reviewer's notes: ", rx.text.em(S.review_notes)), rx.fragment()
                    ),
                    spacing="1",
                ),
                icon="message-square-warning",
                color_scheme="red", high_contrast=True,
                width="100%",
            ),
        ),
        rx.callout(
            rx.text(
                rx.text.strong("Draft. "),
                "Complete your profile, upload your credentials and submit "
                "it for review. Only approved tutors appear in search.",
            ),
            icon="pencil",
            color_scheme="blue",
            width="100%",
        ),
    )


def _grade_toggle(index: rx.Var, slug: str):
    return lambda checked: S.toggle_row_grade(index, slug, checked)


def _subject_row(row: SubjectRow, index: rx.Var) -> rx.Component:
    number = (index + 1).to_string()
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.select.root(
                    rx.select.trigger(placeholder="Choose a subject", width="100%", aria_label="Subject " + number),
                    rx.select.content(
                        *[rx.select.item(label, value=slug) for slug, label in SUBJECTS.items()], position="popper"
                    ),
                    value=row.subject,
                    on_change=lambda value: S.set_row_subject(index, value),
                    size="3",
                ),
                rx.icon_button(
                    rx.icon("trash-2", size=16),
                    variant="soft",
                    color_scheme="red", high_contrast=True,
                    type="button",
                    on_click=S.remove_subject_row(index),
                    aria_label="Remove subject " + number,
                ),
                width="100%",
                align="center",
            ),
            rx.flex(
                *[
                    rx.checkbox(
                        label.split(" (")[0],
                        checked=row.grades.contains(slug),
                        on_change=_grade_toggle(index, slug),
                        size="2",
                    )
                    for slug, label in GRADE_LEVELS.items()
                ],
                gap="14px",
                wrap="wrap",
            ),
            rx.text("No level ticked means all levels.", size="1", color=rx.color("gray", 11)),
            spacing="2",
            width="100%",
        ),
        padding="12px",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        width="100%",
    )


def _profile_form() -> rx.Component:
    errors = S.errors
    return rx.form(
        rx.vstack(
            form_message(S.message),
            section(
                "About you",
                text_field("Full name", "full_name", errors=errors, default_value=S.full_name),
                text_field(
                    "Headline",
                    "headline",
                    errors=errors,
                    default_value=S.headline,
                    max_length=120,
                    placeholder="e.g. Patient maths tutor for board exams",
                ),
                textarea_field(
                    "Bio",
                    "bio",
                    errors=errors,
                    default_value=S.bio,
                    rows="5",
                    placeholder="Your experience, teaching style and results.",
                ),
                text_field(
                    "Intro video link (optional)",
                    "intro_video_url",
                    errors=errors,
                    type="url",
                    default_value=S.intro_video_url,
                    placeholder="https://www.youtube.com/watch?v=…",
                    hint="YouTube and Vimeo videos play right on your profile; other links are shown as a link.",
                ),
            ),
            section(
                "What you teach",
                rx.vstack(
                    rx.text("Subjects and levels", size="2", weight="medium"),
                    rx.foreach(S.subject_rows, _subject_row),
                    rx.button(
                        rx.icon("plus", size=16),
                        "Add a subject",
                        type="button",
                        variant="soft",
                        on_click=S.add_subject_row,
                    ),
                    error_text("Subjects", errors.get("subjects", "")),
                    spacing="2",
                    width="100%",
                ),
                checkbox_group(
                    "Languages you teach in",
                    [(f"lang__{lang}", lang) for lang in LANGUAGES],
                    checked=lambda name: S.languages.contains(name.removeprefix("lang__")),
                    error=errors.get("languages", ""),
                ),
                text_field("Other languages (comma separated)", "other_languages", default_value=S.other_languages),
            ),
            section(
                "Lessons and rates",
                checkbox_group(
                    "Lesson modes",
                    [("mode__online", "Online lessons"), ("mode__home", "Home tuition")],
                    checked=lambda name: S.offers_online if name == "mode__online" else S.offers_home,
                    error=errors.get("modes", ""),
                    columns="2",
                ),
                rx.grid(
                    select_field(
                        "Currency", "currency", [(c, c) for c in CURRENCIES], errors=errors, default_value=S.currency
                    ),
                    text_field(
                        "Online rate per hour",
                        "hourly_rate",
                        errors=errors,
                        default_value=S.hourly_rate,
                        input_mode="decimal",
                        placeholder="30.00",
                    ),
                    text_field(
                        "Home tuition rate per hour",
                        "home_rate",
                        errors=errors,
                        default_value=S.home_rate,
                        input_mode="decimal",
                        placeholder="40.00",
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    spacing="3",
                    width="100%",
                ),
            ),
            section(
                "Where you teach",
                rx.grid(
                    text_field("City", "city", errors=errors, default_value=S.city),
                    text_field("Locality / neighbourhood", "locality", errors=errors, default_value=S.locality),
                    text_field(
                        "Travel radius (km)",
                        "travel_radius_km",
                        errors=errors,
                        default_value=S.travel_radius_km,
                        input_mode="numeric",
                        placeholder="10",
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    spacing="3",
                    width="100%",
                ),
                timezone_field(
                    "timezone",
                    errors=errors,
                    default_value=S.timezone,
                    hint="Your availability will be shown to students in their own timezone.",
                ),
            ),
            rx.hstack(submit_button("Save profile"), width="100%"),
            spacing="4",
            width="100%",
        ),
        on_submit=S.save,
        key=S.form_key,
        width="100%",
    )


def _review() -> rx.Component:
    button = rx.match(
        S.profile_status,
        ("PENDING", rx.button("Waiting for review", disabled=True, size="3")),
        (
            "APPROVED",
            link_button("View public profile", href="/tutors/" + S.profile_id.to_string(), variant="soft", size="3"),
        ),
        ("REJECTED", rx.button("Resubmit for review", size="3", on_click=S.submit_for_review)),
        rx.button("Submit for review", size="3", on_click=S.submit_for_review),
    )
    return section(
        "Review",
        rx.cond(
            S.submit_errors.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text("Before you can submit:", weight="bold"),
                    rx.el.ul(
                        rx.foreach(S.submit_errors, lambda e: rx.el.li(e)),
                        style={"margin": "0", "padding_left": "18px"},
                    ),
                    spacing="1",
                ),
                icon="list-checks",
                color_scheme="red", high_contrast=True,
                role="alert",
                width="100%",
            ),
            rx.fragment(),
        ),
        button,
        rx.cond(
            S.history.length() > 0,
            rx.vstack(
                rx.text("History", size="2", weight="medium"),
                rx.foreach(
                    S.history,
                    lambda h: rx.hstack(
                        rx.text(h.when, size="1", color=rx.color("gray", 11), min_width="150px"),
                        rx.text(h.action, size="2", weight="medium"),
                        rx.cond(
                            h.notes != "", rx.text("— ", h.notes, size="2", color=rx.color("gray", 11)), rx.fragment()
                        ),
                        wrap="wrap",
                        spacing="2",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            rx.fragment(),
        ),
        description="Save your profile first; reviewers see the saved version and your documents.",
    )


def tutor_profile_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Your tutor profile",
            "Students see this once an admin approves it.",
            link_button(
                rx.icon("calendar-clock", size=14),
                "Set your availability",
                href="/tutor/availability",
                variant="soft",
                size="2",
            ),
        ),
        _status_banner(),
        photo_section(),
        _profile_form(),
        credentials_section(),
        _review(),
        spacing="4",
        width="100%",
    )
    return page(gate(S.status, ready), width="860px")
