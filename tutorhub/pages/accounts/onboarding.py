"""Student onboarding: what the student wants to learn, budget, mode, place, timezone, guardian."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import (
    checkbox_group,
    fieldset,
    form_message,
    select_field,
    submit_button,
    text_field,
    textarea_field,
    timezone_field,
)
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate, link_button, section
from tutorhub.services.catalog import GRADE_LEVELS, SUBJECTS
from tutorhub.services.currency import CURRENCIES
from tutorhub.state.accounts.onboarding import StudentOnboardingState as S

MODES = [("online", "Online"), ("home", "Home tuition"), ("both", "Either")]


def _form() -> rx.Component:
    errors = S.errors
    return rx.form(
        rx.vstack(
            form_message(S.message),
            section(
                "What do you want to learn?",
                select_field(
                    "Grade level",
                    "grade_level",
                    list(GRADE_LEVELS.items()),
                    errors=errors,
                    default_value=S.grade_level,
                    placeholder="Choose your level",
                ),
                checkbox_group(
                    "Subjects",
                    [(f"subject__{slug}", label) for slug, label in SUBJECTS.items()],
                    checked=lambda name: S.subjects.contains(name.removeprefix("subject__")),
                    error=errors.get("subjects", ""),
                ),
                text_field("Another subject (optional)", "other_subject", placeholder="e.g. Robotics"),
                textarea_field(
                    "Goals",
                    "goals",
                    errors=errors,
                    default_value=S.goals,
                    placeholder="e.g. Pass the grade 10 board exam with an A in maths",
                    rows="3",
                ),
            ),
            section(
                "Budget and lessons",
                rx.grid(
                    text_field(
                        "Budget from (per hour)",
                        "budget_min",
                        errors=errors,
                        default_value=S.budget_min,
                        input_mode="decimal",
                        placeholder="15.00",
                    ),
                    text_field(
                        "Budget up to (per hour)",
                        "budget_max",
                        errors=errors,
                        default_value=S.budget_max,
                        input_mode="decimal",
                        placeholder="40.00",
                    ),
                    select_field(
                        "Currency", "currency", [(c, c) for c in CURRENCIES], errors=errors, default_value=S.currency
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    spacing="3",
                    width="100%",
                ),
                fieldset(
                    "Lessons",
                    rx.radio_group.root(
                        rx.flex(
                            *[
                                rx.text(
                                    rx.flex(rx.radio_group.item(value=v), label, spacing="2", align="center"),
                                    as_="label",
                                    size="2",
                                )
                                for v, label in MODES
                            ],
                            gap="16px",
                            wrap="wrap",
                        ),
                        name="mode",
                        default_value=S.mode,
                    ),
                ),
                rx.grid(
                    text_field(
                        "City",
                        "city",
                        errors=errors,
                        default_value=S.city,
                        auto_complete="address-level2",
                        hint="Needed for home tuition.",
                    ),
                    text_field("Locality / neighbourhood", "locality", errors=errors, default_value=S.locality),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                timezone_field("timezone", errors=errors, default_value=S.timezone),
            ),
            section(
                "Parent or guardian (optional)",
                rx.grid(
                    text_field("Guardian name", "guardian_name", errors=errors, default_value=S.guardian_name),
                    text_field(
                        "Guardian email", "guardian_email", errors=errors, type="email", default_value=S.guardian_email
                    ),
                    text_field(
                        "Guardian phone",
                        "guardian_phone",
                        errors=errors,
                        type="tel",
                        default_value=S.guardian_phone,
                        placeholder="+14155550123",
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    spacing="3",
                    width="100%",
                ),
                description="They receive copies of reminders, receipts and progress reports.",
            ),
            rx.flex(
                submit_button("Save my profile"),
                rx.cond(
                    S.saved,
                    link_button("Find tutors", href="/tutors", variant="soft", size="3"),
                    rx.fragment(),
                ),
                gap="12px",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=S.save,
        key=S.form_key,
        width="100%",
    )


def onboarding_page() -> rx.Component:
    ready = rx.vstack(
        page_header(
            "Your learning profile",
            "Tell us what you need and we will match you with the right tutors.",
            link_button(
                rx.icon("calendar-clock", size=14),
                "Set your preferred lesson times",
                href="/student/times",
                variant="soft",
                size="2",
            ),
        ),
        rx.cond(
            S.saved,
            rx.callout(
                "Saved. Your preferences now shape your tutor matches.",
                icon="circle-check",
                color_scheme="green",
                width="100%",
            ),
            rx.fragment(),
        ),
        _form(),
        width="100%",
    )
    return page(gate(S.status, ready), width="820px")
