"""An enquiry's own preferred weekly times: ranges of (weekday, start, end) in the student's zone.

The enquiry form starts from the student's saved windows (scheduling/student_windows.py) and lets
them change the ranges for this one enquiry; the enquiry stores what was posted (`Enquiry.windows`)
and everything after it reads those — matching, the inbox's fit line, the proposal's best times,
re-matching. An API call without `windows` still takes the saved ones (enquiries.post_enquiry).

Rules, each reported on the range it concerns (`windows.{index}…`, the index in the posted order):
weekday 0 (Monday) to 6, "HH:MM" on the 30-minute grid, end after start within the same day (a
range crossing midnight is two ranges), no overlaps on one day, at most MAX_RANGES ranges. The
form also asks that each range (with the ranges it touches) holds one whole lesson; the JSON API
accepts a shorter one, which simply matches nobody (its written contract has no such rule).
"""

from __future__ import annotations

from typing import Any

from tutorhub.services.errors import InvalidInput
from tutorhub.services.scheduling.schedule_input import parse_hhmm, parse_windows

MAX_RANGES = 28  # four a day on average; a student with more is better served by "any time"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_enquiry_windows(raw: Any, field: str = "windows") -> list[tuple[int, int, int]]:
    """The posted ranges as sorted (weekday, start_min, end_min) rows; InvalidInput names the range."""
    rows = parse_windows(raw, field)
    if len(rows) > MAX_RANGES:
        raise InvalidInput("Please correct the highlighted fields.",
                           fields={field: f"at most {MAX_RANGES} time ranges; remove some or leave the times empty"})
    return rows


def _runs(rows: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Touching ranges of one day joined (a lesson may start in one and end in the next)."""
    out: list[tuple[int, int, int]] = []
    for weekday, start, end in sorted(rows):
        if out and out[-1][0] == weekday and out[-1][2] >= start:
            out[-1] = (weekday, out[-1][1], max(out[-1][2], end))
        else:
            out.append((weekday, start, end))
    return out


def check_whole_lessons(raw: list[Any], rows: list[tuple[int, int, int]], duration: int,
                        field: str = "windows") -> None:
    """Every posted range (already parsed into `rows`) lies in a run at least one lesson long."""
    runs = _runs(rows)
    errors: dict[str, str] = {}
    for index, item in enumerate(raw):
        weekday, start = item["weekday"], parse_hhmm(item["start"], field)
        run = next(r for r in runs if r[0] == weekday and r[1] <= start < r[2])
        if run[2] - run[1] < duration:
            errors[f"{field}.{index}"] = f"is shorter than one {duration}-minute lesson"
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", fields=errors)
