"""Parsing and validation of scheduling input: "HH:MM" times, weekly intervals, dated overrides,
scheduling settings and a student's windows.

Shared by the tutor's availability editor, student windows, the slot queries and search, so the
same input gets the same field message everywhere. Everything arrives as untrusted JSON-ish
values (any type, any length) and leaves as integer minutes; errors are `InvalidInput` with
`fields` naming the offending entry, e.g. {"weekly.2.end": "must be after start"}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import clean_int, fail, fail_fields, validate_timezone

GRID_MIN = 30  # availability and windows are edited on a 30-minute grid
LESSON_LENGTHS = (30, 45, 60, 90)
MAX_WEEKLY = 7 * 48  # the most non-overlapping 30-minute intervals a week can hold
MAX_OVERRIDES = 500
MAX_WINDOWS = 7 * 48
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2100, 12, 31)
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
# "+01:00" typed raw into a URL arrives as " 01:00" (a plus in a query string means a space).
_SPACE_FOR_PLUS = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}(?::?\d{2})?)$")

Span = tuple[int, int]
T = TypeVar("T")


def parse_hhmm(value: Any, field: str, *, allow_24: bool = False) -> int:
    """'09:30' → 570. Must be on the 30-minute grid; '24:00' only where allowed (interval ends)."""
    if not isinstance(value, str) or len(value) > 5:
        raise fail(field, 'must be a time like "09:30"')
    match = _HHMM.match(value.strip())
    if not match:
        raise fail(field, 'must be a time like "09:30"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    total = hours * 60 + minutes
    if total > 1440 or (total == 1440 and not allow_24):
        raise fail(field, 'must be between "00:00" and "23:30"' if not allow_24 else 'must be at most "24:00"')
    if minutes % GRID_MIN:
        raise fail(field, "must be on the 30-minute grid (:00 or :30)")
    return total


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span(item: Any, field: str) -> Span:
    if not isinstance(item, dict):
        raise fail(field, 'must be an object like {"start": "09:00", "end": "12:00"}')
    start = parse_hhmm(item.get("start"), f"{field}.start")
    end = parse_hhmm(item.get("end"), f"{field}.end", allow_24=True)
    if end <= start:
        raise fail(f"{field}.end", "must be after start")
    return start, end


def _no_overlaps(spans: list[tuple[int, Span, str]], what: str) -> None:
    """Raise on the first overlap among spans of the same day (touching is fine)."""
    ordered = sorted(spans, key=lambda item: item[1])
    for (_, (_, prev_end), _), (_, (start, _), field) in zip(ordered, ordered[1:], strict=False):
        if start < prev_end:
            raise fail(field, f"overlaps another interval on the same {what}")


def _weekday(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(field, "must be a whole number from 0 (Monday) to 6 (Sunday)")
    if not 0 <= value <= 6:
        raise fail(field, "must be from 0 (Monday) to 6 (Sunday)")
    return value


def parse_weekly(raw: Any, field: str = "weekly", *, limit: int = MAX_WEEKLY) -> list[tuple[int, int, int]]:
    """[{"weekday", "start", "end"}, …] → sorted (weekday, start_min, end_min) without overlaps."""
    if not isinstance(raw, list):
        raise fail(field, "must be a list")
    if len(raw) > limit:
        raise fail(field, f"at most {limit} intervals")
    rows: list[tuple[int, Span, str]] = []
    for index, item in enumerate(raw):
        name = f"{field}.{index}"
        if not isinstance(item, dict):
            raise fail(name, 'must be an object like {"weekday": 0, "start": "09:00", "end": "12:00"}')
        weekday = _weekday(item.get("weekday"), f"{name}.weekday")
        rows.append((weekday, _span(item, name), name))
    for weekday in range(7):
        _no_overlaps([row for row in rows if row[0] == weekday], "weekday")
    return sorted((weekday, span[0], span[1]) for weekday, span, _ in rows)


def parse_day_intervals(raw: Any, field: str) -> list[Span]:
    """[{"start", "end"}, …] for one date → sorted spans without overlaps (empty = day off)."""
    if not isinstance(raw, list):
        raise fail(field, "must be a list (empty to block the whole day)")
    if len(raw) > 48:
        raise fail(field, "at most 48 intervals per day")
    rows = [(0, _span(item, f"{field}.{i}"), f"{field}.{i}") for i, item in enumerate(raw)]
    _no_overlaps(rows, "date")
    return sorted(span for _, span, _ in rows)


def parse_date(value: Any, field: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise fail(field, 'must be a date like "2027-03-29"')
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise fail(field, 'must be a date like "2027-03-29"') from exc
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise fail(field, f"must be between {MIN_DATE} and {MAX_DATE}")
    return parsed


def parse_overrides(raw: Any, field: str = "overrides") -> dict[date, list[Span]]:
    """[{"date", "intervals"}, …] → {date: spans}; one entry per date."""
    if not isinstance(raw, list):
        raise fail(field, "must be a list")
    if len(raw) > MAX_OVERRIDES:
        raise fail(field, f"at most {MAX_OVERRIDES} dated overrides")
    out: dict[date, list[Span]] = {}
    for index, item in enumerate(raw):
        name = f"{field}.{index}"
        if not isinstance(item, dict):
            raise fail(name, 'must be an object like {"date": "2027-03-29", "intervals": []}')
        day = parse_date(item.get("date"), f"{name}.date")
        if day in out:
            raise fail(f"{name}.date", "appears twice; give each date once")
        out[day] = parse_day_intervals(item.get("intervals"), f"{name}.intervals")
    return out


SETTING_LIMITS = {
    "buffer_before_min": (0, 120),
    "buffer_after_min": (0, 120),
    "min_notice_hours": (0, 720),
    "booking_window_days": (1, 365),
    "max_lessons_per_day": (1, 48),
}


def parse_lesson_length(value: Any, field: str) -> int:
    length = clean_int(value, field, minimum=1, maximum=10_000)
    if length not in LESSON_LENGTHS:
        raise fail(field, f"must be one of {', '.join(map(str, LESSON_LENGTHS))} minutes")
    return length


def parse_settings(raw: Any, field: str = "settings") -> dict[str, Any]:
    """The settings keys present in `raw`, validated (absent keys are left to the caller)."""
    if not isinstance(raw, dict):
        raise fail(field, "must be an object")
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if "lesson_lengths" in raw:
        lengths = raw["lesson_lengths"]
        name = f"{field}.lesson_lengths"
        if not isinstance(lengths, list) or not lengths or len(lengths) > len(LESSON_LENGTHS):
            errors[name] = f"must be a non-empty list drawn from {', '.join(map(str, LESSON_LENGTHS))}"
        else:
            try:
                out["lesson_lengths"] = sorted({parse_lesson_length(v, name) for v in lengths})
            except InvalidInput as exc:
                errors.update(exc.fields)
    for key, (low, high) in SETTING_LIMITS.items():
        if key in raw:
            try:
                if isinstance(raw[key], str):
                    raise fail(f"{field}.{key}", "must be a whole number")
                out[key] = clean_int(raw[key], f"{field}.{key}", minimum=low, maximum=high)
            except InvalidInput as exc:
                errors.update(exc.fields)
    if "instant_booking" in raw:
        if not isinstance(raw["instant_booking"], bool):
            errors[f"{field}.instant_booking"] = "must be true or false"
        else:
            out["instant_booking"] = raw["instant_booking"]
    if errors:
        raise fail_fields(errors)
    return out


def parse_windows(raw: Any, field: str = "windows") -> list[tuple[int, int, int]]:
    """A student's weekly windows, as a list or as the JSON text of one (query strings)."""
    if isinstance(raw, str):
        if len(raw) > 20_000:
            raise fail(field, "is too long")
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise fail(field, 'must be a JSON list like [{"weekday": 0, "start": "17:00", "end": "20:00"}]') from exc
    return parse_weekly(raw, field, limit=MAX_WINDOWS)


def weekly_to_days(rows: Iterable[tuple[int, int, int]]) -> tuple[tuple[Span, ...], ...]:
    """(weekday, start, end) rows → seven tuples of spans, Monday first: the shape the slot engine
    takes (TutorCalendar.weekly, expand_weekly) for tutors' rules and students' windows alike."""
    days: list[list[Span]] = [[] for _ in range(7)]
    for weekday, start, end in rows:
        days[weekday].append((start, end))
    return tuple(tuple(sorted(day)) for day in days)


def parse_instant(value: Any, field: str) -> datetime:
    """An aware datetime, or ISO 8601 text with an offset ("Z" accepted); naive times are refused
    because nobody could say which instant they mean."""
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            raise fail(field, "must be an ISO 8601 date-time with an offset, like 2027-03-16T09:00:00+01:00")
        text = _SPACE_FOR_PLUS.sub(r"\1+\2", text)
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
        except ValueError as exc:
            raise fail(field, "must be an ISO 8601 date-time with an offset, like 2027-03-16T09:00:00+01:00") from exc
    if not isinstance(value, datetime):
        raise fail(field, "must be an ISO 8601 date-time with an offset")
    if value.tzinfo is None or value.utcoffset() is None:
        raise fail(field, "must include a UTC offset (e.g. +01:00 or Z)")
    # Check the year before converting: astimezone() overflows at year 1 or 9999.
    if not MIN_DATE.year <= value.year <= MAX_DATE.year:
        raise fail(field, f"must be between {MIN_DATE.year} and {MAX_DATE.year}")
    return value.astimezone(UTC)


def parse_zone(value: Any, field: str = "tz") -> str:
    """The IANA zone answers are rendered in; blank means UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "UTC"
    return validate_timezone(value, field)


def collect(errors: dict[str, str], fn: Callable[[], T]) -> T | None:
    """Run one parser, adding its field errors to `errors` (so all problems are reported at once)."""
    try:
        return fn()
    except InvalidInput as exc:
        errors.update(exc.fields or {"input": exc.message})
        return None


def parse_present(data: dict[str, Any], parsers: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Parse the keys of a JSON object that are present (absent ones keep their stored values),
    reporting every invalid field at once; a parser's error without fields is filed under its key."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, parser in parsers.items():
        if key in data:
            try:
                parsed[key] = parser(data[key])
            except InvalidInput as exc:
                errors.update(exc.fields or {key: exc.message})
    if errors:
        raise fail_fields(errors)
    return parsed
