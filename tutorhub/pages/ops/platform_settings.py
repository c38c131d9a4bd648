"""/admin/settings: the platform's policy numbers, grouped (cancellation, booking, money, leads,
credits, reminders), each with its default and range; one save, all or nothing."""

from __future__ import annotations

import reflex as rx

from tutorhub.components.forms import form_message, submit_button, text_field
from tutorhub.components.layout import page, page_header
from tutorhub.components.ui import gate
from tutorhub.state.ops.platform_settings import FIELDS
from tutorhub.state.ops.platform_settings import AdminSettingsState as S


def _setting(key: str, label: str) -> rx.Component:
    return rx.box(
        text_field(label, key, errors=S.errors, default_value=S.values[key], key=S.values[key],
                   field_id=f"setting-{key}", hint=""),
        rx.text(S.hints[key], size="1", color=rx.color("gray", 10)),
        rx.cond(S.changed[key], rx.badge("changed from the default", variant="soft", size="1"), rx.fragment()),
        max_width="480px",
        width="100%",
        custom_attrs={"data-setting": key},
    )


def _groups() -> list[rx.Component]:
    out: list[rx.Component] = []
    previous = ""
    for key, label, group in FIELDS:
        if group != previous:
            out.append(rx.heading(group, size="4", as_="h2", margin_top="8px"))
            previous = group
        out.append(_setting(key, label))
    return out


def admin_settings_page() -> rx.Component:
    ready = rx.vstack(
        page_header("Platform settings", "Policy numbers for every lesson, payment and reminder. "
                    "Changes apply from now on, without a restart, and are written to the audit log."),
        rx.card(
            rx.form(
                rx.vstack(
                    *_groups(),
                    text_field("Why (for the audit log)", "reason", default_value="", field_id="settings-reason",
                               hint=""),
                    form_message(S.message),
                    submit_button("Save settings", loading=S.busy, id="platform-settings-submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save,
                reset_on_submit=False,
                width="100%",
            ),
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
    return page(gate(S.status, ready), width="800px")
