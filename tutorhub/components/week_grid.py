"""The weekly half-hour grid (tutor availability, student preferred times).

Wide screens get a Monday–Sunday table (time labels down the side); phones get one day at a time
(seven day buttons, tinted when the day has hours, above a grid of large half-hour buttons). In
both, a click or tap toggles a cell and a press-and-drag (mouse or finger) paints a range. Both
views edit the same state (see state/scheduling/week_grid.py); only the rows from `first_row` to
`last_row` are shown, 06:00–22:00 unless the user asks for the whole day or something outside that
range is set.

Dragging is followed in the browser by assets/js/week_grid.js: it finds cells by their `data-day`
and `data-slot` inside a `data-grid-area` (which has `touch-action: none`, so a finger paints
instead of scrolling), previews the painted cells, and on release clicks the hidden
`data-grid-commit` button, which sends the whole drag to `paint_cells` in one event. Moving the
pointer over the grid sends nothing to the server.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.state.scheduling.week_grid import DAY_NAMES, DAY_SHORT, DAYS, SLOT_LABELS, SLOTS

ROWS = rx.Var.create(list(range(SLOTS)))
COLUMNS = rx.Var.create(list(range(DAYS)))
LABELS = rx.Var.create(list(SLOT_LABELS))
NAMES = rx.Var.create(list(DAY_NAMES))
SHORT = rx.Var.create(list(DAY_SHORT))
WIDE = "sm"  # the table from this breakpoint up, the one-day view below it


def _shown(S: Any, slot: rx.Var) -> rx.Var:
    return (slot >= S.first_row) & (slot < S.last_row)


def _cell_colors(on: rx.Var) -> dict[str, Any]:
    return {
        "background_color": rx.cond(on, rx.color("accent", 9), rx.color("gray", 1)),
        "_hover": {"background_color": rx.cond(on, rx.color("accent", 10), rx.color("accent", 4))},
    }


def _cell_attrs(on: rx.Var, day: rx.Var, slot: rx.Var) -> dict[str, Any]:
    """What week_grid.js reads: the cell's place and whether it is set."""
    return {
        "aria-pressed": rx.cond(on, "true", "false"),
        "data-grid-cell": "",
        "data-day": day.to_string(),
        "data-slot": slot.to_string(),
    }


def _cell(S: Any, day: rx.Var, slot: rx.Var) -> rx.Component:
    on = S.grid[day][slot]
    return rx.el.button(
        type="button",
        id="cell-" + day.to_string() + "-" + slot.to_string(),
        aria_label=NAMES[day] + " " + LABELS[slot],
        on_click=S.toggle_cell(day, slot),
        custom_attrs=_cell_attrs(on, day, slot),
        style={
            "display": rx.cond(_shown(S, slot), "block", "none"),
            "height": "18px",
            "padding": "0",
            "border": "none",
            "border_left": f"1px solid {rx.color('gray', 5)}",
            "border_top": rx.cond(
                slot % 2 == 0, f"1px solid {rx.color('gray', 6)}", f"1px dashed {rx.color('gray', 4)}"
            ),
            "cursor": "pointer",
            **_cell_colors(on),
        },
    )


def _time_label(S: Any, slot: rx.Var) -> rx.Component:
    return rx.el.div(
        rx.cond(slot % 2 == 0, LABELS[slot], ""),
        style={
            "display": rx.cond(_shown(S, slot), "block", "none"),
            "font_size": "11px",
            "line_height": "1",
            "color": rx.color("gray", 10),
            "text_align": "right",
            "padding_right": "6px",
            "transform": "translateY(-5px)",
            "font_variant_numeric": "tabular-nums",
        },
    )


def _day_header(S: Any, day: int) -> rx.Component:
    selected = S.grid_day == day
    return rx.el.button(
        DAY_SHORT[day],
        type="button",
        on_click=S.choose_day(day),
        aria_label=f"Select {DAY_NAMES[day]}",
        custom_attrs={"aria-pressed": rx.cond(selected, "true", "false")},
        style={
            "border": "none",
            "background": "none",
            "padding": "4px 0 6px",
            "font_size": "13px",
            "font_weight": rx.cond(selected, "700", "500"),
            "color": rx.cond(selected, rx.color("accent", 11), rx.color("gray", 11)),
            "border_bottom": rx.cond(selected, f"2px solid {rx.color('accent', 9)}", "2px solid transparent"),
            "cursor": "pointer",
        },
    )


def _table(S: Any) -> rx.Component:
    return rx.box(
        rx.box(),
        *[_day_header(S, d) for d in range(DAYS)],
        rx.foreach(
            ROWS,
            lambda slot: rx.fragment(
                _time_label(S, slot),
                rx.foreach(COLUMNS, lambda day: _cell(S, day, slot)),
            ),
        ),
        id="week-grid",
        custom_attrs={"data-grid-area": ""},
        style={
            "display": "grid",
            "grid_template_columns": "48px repeat(7, minmax(0, 1fr))",
            "user_select": "none",
            "touch_action": "none",
            "border_right": f"1px solid {rx.color('gray', 5)}",
            "border_bottom": f"1px solid {rx.color('gray', 6)}",
            "width": "100%",
        },
    )


def _day_tab(S: Any, day: int) -> rx.Component:
    selected = S.grid_day == day
    has_hours = S.day_summaries[day] != ""
    return rx.el.button(
        DAY_SHORT[day],
        type="button",
        on_click=S.choose_day(day),
        aria_label=DAY_NAMES[day],
        custom_attrs={"aria-pressed": rx.cond(selected, "true", "false")},
        style={
            "height": "40px",
            "min_width": "0",
            "padding": "0",
            "border_radius": "8px",
            "font_size": "14px",
            "font_weight": rx.cond(selected, "700", "500"),
            "border": rx.cond(selected, f"2px solid {rx.color('accent', 9)}", f"1px solid {rx.color('gray', 6)}"),
            "background_color": rx.cond(has_hours, rx.color("accent", 3), rx.color("gray", 1)),
            "color": rx.cond(selected, rx.color("accent", 11), rx.color("gray", 12)),
            "cursor": "pointer",
        },
    )


def _phone_day(S: Any) -> rx.Component:
    picker = rx.grid(
        *[_day_tab(S, d) for d in range(DAYS)],
        columns="7",
        spacing="1",
        width="100%",
        role="group",
        aria_label="Day",
    )
    chips = rx.grid(
        rx.foreach(
            ROWS,
            lambda slot: rx.el.button(
                LABELS[slot],
                type="button",
                on_click=S.toggle_cell(S.grid_day, slot),
                aria_label=NAMES[S.grid_day] + " " + LABELS[slot],
                custom_attrs=_cell_attrs(S.grid[S.grid_day][slot], S.grid_day, slot),
                style={
                    "display": rx.cond(_shown(S, slot), "block", "none"),
                    "height": "44px",
                    "border_radius": "8px",
                    "border": f"1px solid {rx.color('gray', 6)}",
                    "font_size": "15px",
                    "font_variant_numeric": "tabular-nums",
                    "color": rx.cond(S.grid[S.grid_day][slot], "white", rx.color("gray", 12)),
                    "cursor": "pointer",
                    **_cell_colors(S.grid[S.grid_day][slot]),
                },
            ),
        ),
        columns="4",
        spacing="2",
        width="100%",
        id="day-chips",
        custom_attrs={"data-grid-area": ""},
        style={"touch_action": "none", "user_select": "none"},
    )
    return rx.vstack(picker, chips, spacing="3", width="100%")


def _toolbar(S: Any) -> rx.Component:
    day = NAMES[S.grid_day]
    return rx.flex(
        rx.button(
            rx.icon("clock", size=14),
            rx.cond(S.show_all_hours, "Show 06:00–22:00", "Show all 24 hours"),
            type="button",
            variant="soft",
            color_scheme="gray",
            size="1",
            on_click=S.toggle_all_hours,
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.button(rx.icon("copy", size=14), "Copy " + day + " to…", type="button", variant="soft",
                          color_scheme="gray", size="1", id="copy-day-to"),
            ),
            rx.menu.content(
                rx.menu.item("Monday to Friday", on_click=S.copy_day_to("weekdays")),
                rx.menu.item("Saturday and Sunday", on_click=S.copy_day_to("weekend")),
                rx.menu.item("Every day", on_click=S.copy_day_to("all")),
                rx.menu.separator(),
                *[rx.menu.item(name, on_click=S.copy_day_to(str(i))) for i, name in enumerate(DAY_NAMES)],
            ),
        ),
        rx.button(
            rx.icon("eraser", size=14),
            "Clear " + day,
            type="button",
            variant="soft",
            color_scheme="gray",
            size="1",
            on_click=S.clear_day,
        ),
        rx.button("Clear all", type="button", variant="soft", color_scheme="red", high_contrast=True, size="1", on_click=S.clear_all),
        gap="8px",
        wrap="wrap",
        width="100%",
    )


def _summaries(S: Any) -> rx.Component:
    return rx.grid(
        rx.foreach(
            S.day_summaries,
            lambda text, i: rx.hstack(
                rx.text(SHORT[i], size="2", weight="bold", min_width="36px"),
                rx.text(
                    rx.cond(text != "", text, "Not available"),
                    size="2",
                    color=rx.cond(text != "", rx.color("gray", 12), rx.color("gray", 10)),
                ),
                spacing="2",
                align="baseline",
            ),
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="1",
        width="100%",
        id="grid-summary",
        aria_live="polite",
    )


def _commit(S: Any) -> rx.Component:
    """Clicked by week_grid.js when a drag ends: hands the drag it kept to `paint_cells`."""
    return rx.el.button(
        type="button",
        hidden=True,
        tab_index=-1,
        aria_hidden="true",
        custom_attrs={"data-grid-commit": ""},
        on_click=S.paint_cells(rx.Var("(window.thWeekGrid ? window.thWeekGrid.take() : null)")),
    )


def week_grid(S: Any, *, hint: str) -> rx.Component:
    """The grid editor for a state that mixes in WeekGridMixin."""
    return rx.vstack(
        rx.script(src="/js/week_grid.js"),
        rx.text(hint, size="2", color=rx.color("gray", 11)),
        _toolbar(S),
        _commit(S),
        rx.box(
            _table(S),
            display=rx.breakpoints(initial="none", **{WIDE: "block"}),
            width="100%",
        ),
        rx.box(_phone_day(S), display=rx.breakpoints(initial="block", **{WIDE: "none"}), width="100%"),
        _summaries(S),
        spacing="3",
        width="100%",
        custom_attrs={"data-week-grid": ""},
    )
