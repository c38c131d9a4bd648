"""The enquiry form's preferred weekly times: a short list of (day, from, to) ranges, one row each.

A form control only: these handlers change what the browser shows and never touch the database
(the page's post sends the ranges through enquiries.post_enquiry, which validates them — rules in
services/leads/enquiry_times.py). Every argument a client sends is checked against the choices the
page offers; anything else changes nothing. The list is capped at MAX_RANGES like the service.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import reflex as rx

from tutorhub.services.leads.enquiry_times import MAX_RANGES, WEEKDAY_NAMES
from tutorhub.services.scheduling.schedule_input import format_hhmm

STARTS = tuple(format_hhmm(m) for m in range(0, 24 * 60, 30))  # 00:00 … 23:30
ENDS = tuple(format_hhmm(m) for m in range(30, 24 * 60 + 1, 30))  # 00:30 … 24:00
DAY_OPTIONS = [(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]
NEW_RANGE = ("17:00", "19:00")


@dataclasses.dataclass
class TimeRange:
    weekday: str = "0"
    start: str = NEW_RANGE[0]
    end: str = NEW_RANGE[1]
    error: str = ""


def _index(value: Any, size: int) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        index = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return index if 0 <= index < size and str(index) == str(value).strip() else None


class TimeRangesMixin(rx.State, mixin=True):
    times: list[TimeRange] = []
    times_error: str = ""

    @rx.var
    def times_full(self) -> bool:
        return len(self.times) >= MAX_RANGES

    def _fill_times(self, rows: Iterable[tuple[int, str, str]]) -> None:
        every = list(rows)
        self.times = [TimeRange(weekday=str(w), start=s, end=e) for w, s, e in every[:MAX_RANGES]]
        self.times_error = (f"Only the first {MAX_RANGES} of your {len(every)} saved times fit one enquiry."
                            if len(every) > MAX_RANGES else "")

    def _times_payload(self) -> list[dict[str, Any]]:
        return [{"weekday": int(r.weekday), "start": r.start, "end": r.end} for r in self.times]

    def _show_time_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Put "windows.{i}…" errors on their rows and "windows" above the list; return the rest."""
        rest: dict[str, str] = {}
        by_row: dict[int, str] = {}
        self.times_error = ""
        for key, message in errors.items():
            parts = key.split(".")
            if parts[0] != "windows":
                rest[key] = message
            elif len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self.times):
                what = {"start": "Start ", "end": "End ", "weekday": "Day "}.get(parts[2] if len(parts) > 2 else "", "")
                by_row.setdefault(int(parts[1]), what + message)
            else:
                self.times_error = message
        self.times = [dataclasses.replace(r, error=by_row.get(i, "")) for i, r in enumerate(self.times)]
        return rest

    def add_time(self):
        """A new range: the day after the last one, same hours (Monday 17:00–19:00 for the first)."""
        if len(self.times) >= MAX_RANGES:
            return
        last = self.times[-1] if self.times else None
        self.times = [*self.times, TimeRange(weekday=str((int(last.weekday) + 1) % 7), start=last.start, end=last.end)
                      if last else TimeRange()]

    def remove_time(self, index: Any):
        i = _index(index, len(self.times))
        if i is not None:
            self.times = [r for j, r in enumerate(self.times) if j != i]

    def set_time(self, index: Any, field: Any, value: Any):
        """Change one range's day, start or end to one of the offered choices."""
        i = _index(index, len(self.times))
        allowed = {"weekday": {v for v, _ in DAY_OPTIONS}, "start": set(STARTS), "end": set(ENDS)}
        if i is None or not isinstance(field, str) or not isinstance(value, str) or value not in allowed.get(field, ()):
            return
        self.times = [dataclasses.replace(r, **{field: value}, error="") if j == i else r
                      for j, r in enumerate(self.times)]
