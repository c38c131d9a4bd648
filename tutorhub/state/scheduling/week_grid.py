"""The weekly 30-minute grid shared by the tutor's availability page and the student's preferred
times: 7 days × 48 half-hours of booleans, and the handlers that edit it.

The grid is only a form control: handlers here change what the browser shows and never touch
the database; the page state's save handler turns the grid into intervals
(`intervals_from_grid`) and sends them through its service, which validates and authorizes.

Editing: a click (or a tap, or Enter/Space on the focused cell) toggles one cell. A press and
drag, with a mouse or a finger, paints the rectangle from the pressed cell to the one under the
pointer with the pressed cell's new value (like selecting a range in a spreadsheet; on the phone's
one-day view the rectangle is the run of half-hours between the two). The drag is followed in the
browser (assets/js/week_grid.js: pointer events, `elementFromPoint` for the cell under a finger,
a preview of the painted cells) and reaches the server once, when the pointer is released, as one
`paint_cells` call with both corners and the value: one event per gesture instead of one per cell,
and a finger that skips cells still fills them. The browser also swallows the click that ends a
drag, so `toggle_cell` never undoes one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import reflex as rx

from tutorhub.services.scheduling.schedule_input import format_hhmm

DAYS = 7
SLOTS = 48
SLOT_MIN = 30
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SLOT_LABELS = tuple(format_hhmm(i * SLOT_MIN) for i in range(SLOTS))
# Rows shown until the user asks for the whole day (06:00–22:00), widened to any set cell.
DEFAULT_FIRST, DEFAULT_LAST = 12, 44


def empty_grid() -> list[list[bool]]:
    return [[False] * SLOTS for _ in range(DAYS)]


def _minute(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


def grid_from_intervals(rows: Iterable[tuple[int, str, str]]) -> list[list[bool]]:
    """(weekday, "HH:MM", "HH:MM") intervals → the grid (every half-hour they touch is set)."""
    grid = empty_grid()
    for weekday, start, end in rows:
        if not 0 <= weekday < DAYS:
            continue
        first = _minute(start) // SLOT_MIN
        last = -(-_minute(end) // SLOT_MIN)
        for slot in range(max(first, 0), min(last, SLOTS)):
            grid[weekday][slot] = True
    return grid


def day_spans(cells: list[bool]) -> list[tuple[int, int]]:
    """Runs of set cells as (first slot, slot after the last)."""
    spans: list[tuple[int, int]] = []
    start = None
    for slot, on in enumerate([*cells, False]):
        if on and start is None:
            start = slot
        elif not on and start is not None:
            spans.append((start, slot))
            start = None
    return spans


def intervals_from_grid(grid: list[list[bool]]) -> list[dict[str, Any]]:
    """The grid as the services' weekly intervals: consecutive cells become one interval."""
    return [
        {"weekday": day, "start": format_hhmm(a * SLOT_MIN), "end": format_hhmm(b * SLOT_MIN)}
        for day, cells in enumerate(grid)
        for a, b in day_spans(cells)
    ]


def day_summary(cells: list[bool]) -> str:
    """'09:00–12:00, 14:00–16:00', or '' for a day with nothing set."""
    return ", ".join(f"{format_hhmm(a * SLOT_MIN)}–{format_hhmm(b * SLOT_MIN)}" for a, b in day_spans(cells))


def cell_index(day: Any, slot: Any) -> tuple[int, int] | None:
    """(day, slot) when both are in range; None for anything a client could send instead."""
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (day, slot)):
        return None
    if 0 <= day < DAYS and 0 <= slot < SLOTS:
        return day, slot
    return None


def paint_rect(
    base: list[list[bool]], anchor: tuple[int, int], current: tuple[int, int], value: bool
) -> list[list[bool]]:
    """`base` with every cell in the rectangle spanned by the two cells set to `value`."""
    grid = [list(cells) for cells in base]
    (d0, s0), (d1, s1) = anchor, current
    for day in range(min(d0, d1), max(d0, d1) + 1):
        for slot in range(min(s0, s1), max(s0, s1) + 1):
            grid[day][slot] = value
    return grid


class WeekGridMixin(rx.State, mixin=True):
    """Grid vars and editing handlers (mixed into a page state that knows how to save them)."""

    grid: list[list[bool]] = empty_grid()
    grid_day: int = 0  # the day shown on phones
    grid_dirty: bool = False
    show_all_hours: bool = False

    @rx.var
    def first_row(self) -> int:
        if self.show_all_hours:
            return 0
        used = [s for cells in self.grid for s, on in enumerate(cells) if on]
        return min([DEFAULT_FIRST, *used])

    @rx.var
    def last_row(self) -> int:
        if self.show_all_hours:
            return SLOTS
        used = [s + 1 for cells in self.grid for s, on in enumerate(cells) if on]
        return max([DEFAULT_LAST, *used])

    @rx.var
    def day_summaries(self) -> list[str]:
        return [day_summary(cells) for cells in self.grid]

    @rx.var
    def grid_empty(self) -> bool:
        return not any(any(cells) for cells in self.grid)

    def _set_grid(self, grid: list[list[bool]], *, dirty: bool = True) -> None:
        self.grid = grid
        self.grid_dirty = dirty

    def _reset_grid(self, grid: list[list[bool]]) -> None:
        self._set_grid(grid, dirty=False)

    def toggle_cell(self, day: int, slot: int):
        """Flip one half-hour (click, tap or keyboard)."""
        cell = cell_index(day, slot)
        if cell is None:
            return
        grid = [list(cells) for cells in self.grid]
        grid[cell[0]][cell[1]] = not grid[cell[0]][cell[1]]
        self._set_grid(grid)

    def paint_cells(self, drag: Any):
        """One finished drag: `[day, slot, day, slot, value]` (the pressed cell, the cell where the
        pointer was released, and the value shown while dragging) sets every cell of the rectangle
        between them to `value`. Anything else (wrong length, cells out of range, a value that is
        not a boolean) changes nothing."""
        if not isinstance(drag, list | tuple) or len(drag) != 5:
            return
        anchor, current, value = cell_index(drag[0], drag[1]), cell_index(drag[2], drag[3]), drag[4]
        if anchor is None or current is None or not isinstance(value, bool):
            return
        self._set_grid(paint_rect(self.grid, anchor, current, value))

    def choose_day(self, day: Any):
        """The phone day picker (sends the day number as text)."""
        text = str(day) if isinstance(day, int | str) and not isinstance(day, bool) else ""
        if text in {str(i) for i in range(DAYS)}:
            self.grid_day = int(text)

    def toggle_all_hours(self):
        self.show_all_hours = not self.show_all_hours

    def clear_all(self):
        self._set_grid(empty_grid())

    def clear_day(self):
        """Empty the selected day (the day picked on phones or by its column header)."""
        grid = [list(cells) for cells in self.grid]
        grid[self.grid_day] = [False] * SLOTS
        self._set_grid(grid)

    def copy_day_to_weekdays(self):
        """Give Monday to Friday the hours of the day shown on phones."""
        self.copy_day_to("weekdays")

    def copy_day_to(self, target: Any):
        """"Copy this day to…": one other day ("0"–"6"), "weekdays", "weekend" or "all" days get
        the hours of the day shown (anything else is ignored)."""
        groups = {"weekdays": range(5), "weekend": range(5, 7), "all": range(DAYS)}
        text = str(target) if isinstance(target, int | str) and not isinstance(target, bool) else ""
        days = groups.get(text) or ([int(text)] if text in {str(i) for i in range(DAYS)} else [])
        if not days:
            return
        grid = [list(cells) for cells in self.grid]
        for day in days:
            grid[day] = list(grid[self.grid_day])
        self._set_grid(grid)
