"""Labelled form controls with inline error messages.

Every control has a visible <label> tied to it (or an aria-label), and errors are rendered under
the field from the page state's `errors` dict (field name → service message).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import reflex as rx

LABEL_STYLE = {"font_size": "var(--font-size-2)", "font_weight": "500", "color": rx.color("gray", 12)}


def field_label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(text, html_for=html_for, style=LABEL_STYLE)


def error_text(label: str, error: rx.Var | None, error_id: str | None = None) -> rx.Component:
    if error is None:
        return rx.fragment()
    extra = {"id": error_id} if error_id else {}
    return rx.cond(
        error != "",
        rx.text(f"{label} ", error, size="1", color=rx.color("red", 11), role="alert", **extra),
        rx.fragment(),
    )


def described(fid: str, error: rx.Var | None, props: dict[str, Any]) -> dict[str, Any]:
    """Tie a control to its error message (aria-describedby / aria-invalid) for screen readers."""
    if error is None:
        return props
    attrs = dict(props.pop("custom_attrs", {}) or {})
    attrs["aria-describedby"] = f"{fid}-error"
    attrs["aria-invalid"] = rx.cond(error != "", "true", "false")
    props["custom_attrs"] = attrs
    return props


def hint_text(hint: str) -> rx.Component:
    return rx.text(hint, size="1", color=rx.color("gray", 11)) if hint else rx.fragment()


def _wrap(label: str, fid: str, control: rx.Component, hint: str, error: rx.Var | None) -> rx.Component:
    return rx.vstack(
        field_label(label, fid),
        control,
        hint_text(hint),
        error_text(label, error, f"{fid}-error"),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _error(errors: rx.Var | None, name: str) -> rx.Var | None:
    return errors.get(name, "") if errors is not None else None


def text_field(
    label: str,
    name: str,
    *,
    errors: rx.Var | None = None,
    default_value: Any = None,
    hint: str = "",
    field_id: str | None = None,
    **props: Any,
) -> rx.Component:
    fid = field_id or f"field-{name}"
    if default_value is not None:
        props["default_value"] = default_value
    props.setdefault("size", "3")
    error = _error(errors, name)
    control = rx.input(id=fid, name=name, width="100%", **described(fid, error, props))
    return _wrap(label, fid, control, hint, error)


def textarea_field(
    label: str,
    name: str,
    *,
    errors: rx.Var | None = None,
    default_value: Any = None,
    hint: str = "",
    rows: str = "4",
    **props: Any,
) -> rx.Component:
    fid = f"field-{name}"
    if default_value is not None:
        props["default_value"] = default_value
    error = _error(errors, name)
    control = rx.text_area(id=fid, name=name, rows=rows, width="100%", size="3", **described(fid, error, props))
    return _wrap(label, fid, control, hint, error)


def select_field(
    label: str,
    name: str,
    options: list[tuple[str, str]],
    *,
    errors: rx.Var | None = None,
    default_value: Any = None,
    placeholder: str = "Choose…",
    hint: str = "",
) -> rx.Component:
    """A Radix select that submits `name` with the chosen value (options are (value, label))."""
    fid = f"field-{name}"
    root_props: dict[str, Any] = {"name": name, "size": "3"}
    if default_value is not None:
        root_props["default_value"] = default_value
    error = _error(errors, name)
    control = rx.select.root(
        rx.select.trigger(id=fid, placeholder=placeholder, width="100%", **described(fid, error, {})),
        rx.select.content(*[rx.select.item(text, value=value) for value, text in options], position="popper"),
        **root_props,
    )
    return _wrap(label, fid, control, hint, error)


def fieldset(legend: str, *children: rx.Component, width: str | None = None) -> rx.Component:
    """A borderless <fieldset> whose <legend> names a group of controls (radios, checkboxes)."""
    style = {"border": "none", "padding": "0", "margin": "0"} | ({"width": width} if width else {})
    return rx.el.fieldset(rx.el.legend(legend, style={**LABEL_STYLE, "margin_bottom": "8px"}), *children, style=style)


def checkbox_group(
    legend: str,
    options: list[tuple[str, str]],
    *,
    checked: Any = None,
    error: rx.Var | None = None,
    columns: Any = None,
) -> rx.Component:
    """A fieldset of checkboxes; `options` are (form name, label); `checked(name)` gives the default."""
    boxes = [
        rx.checkbox(text, name=name, default_checked=checked(name) if checked else False, size="2")
        for name, text in options
    ]
    return fieldset(
        legend,
        rx.grid(*boxes, columns=columns or rx.breakpoints(initial="2", sm="3"), spacing="3", width="100%"),
        error_text(legend, error),
        width="100%",
    )


def form_message(message: rx.Var, *, tone: str = "red", icon: str = "circle-alert") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon=icon, color_scheme=tone, role="alert", width="100%"),
        rx.fragment(),
    )


def submit_button(text: str, *, loading: rx.Var | bool = False, **props: Any) -> rx.Component:
    props.setdefault("size", "3")
    return rx.button(text, type="submit", loading=loading, **props)


def _zone_names() -> list[str]:
    return sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )


def timezone_field(
    name: str,
    *,
    errors: rx.Var | None = None,
    default_value: Any = None,
    hint: str = "Detected from your browser; change it if it is wrong.",
) -> rx.Component:
    """A free-text IANA zone input with browser suggestions; the service validates the zone.

    Keyed on the default value so a late browser detection refreshes the prefilled text.
    """
    fid = f"field-{name}"
    list_id = f"{fid}-options"
    error = _error(errors, name)
    props: dict[str, Any] = {"custom_attrs": {"list": list_id, "autoComplete": "off"}}
    if default_value is not None:
        props["default_value"] = default_value
        props["key"] = default_value
    control = rx.fragment(
        rx.input(
            id=fid,
            name=name,
            size="3",
            width="100%",
            placeholder="e.g. Europe/Berlin",
            **described(fid, error, props),
        ),
        rx.el.datalist(*[rx.el.option(value=z) for z in _zone_names()], id=list_id),
    )
    return _wrap("Timezone", fid, control, hint, error)
