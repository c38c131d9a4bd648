"""Busy time from an iCalendar document (no database): parse, expand recurrences, clip to a window.

Recurrence is expanded by `recurring-ical-events` (RRULE and RDATE in the event's own TZID
wall-clock time, EXDATE, moved or cancelled occurrences through RECURRENCE-ID), so a weekly
event at 09:00 America/New_York stays 09:00 New York time across that zone's DST change and
shifts in UTC. What counts as busy:

- events that are not free: TRANSP:TRANSPARENT and STATUS:CANCELLED occurrences are skipped;
- all-day events (DATE values) block whole days in the tutor's own zone (that is what an all-day
  entry means to the person who wrote it), from DTSTART to DTEND (exclusive; one day without it);
- floating times (no TZID, no Z) are read in the calendar's X-WR-TIMEZONE when it names a zone,
  else in the tutor's zone;
- zero-length and inverted events block nothing.

Spans are clipped to [lo, hi) and capped at `MAX_SPANS` (a bounded table whatever the feed holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

MAX_SPANS = 5000


class CalendarParseError(ValueError):
    """The document is not an iCalendar file this importer can read (message shown to the tutor)."""


@dataclass(frozen=True)
class BusySpanUtc:
    start: datetime  # aware UTC
    end: datetime
    uid: str


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _instant(value: Any, floating: tzinfo) -> datetime:
    """An aware UTC datetime from a DATE-TIME value (dates are handled by the caller)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=floating)
    return value.astimezone(UTC)


def _all_day(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def _bounds(event: Any, floating: tzinfo, home: tzinfo) -> tuple[datetime, datetime] | None:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        return None
    start = start_prop.dt
    end_prop = event.get("DTEND")
    duration = event.get("DURATION")
    if isinstance(start, datetime):
        begin = _instant(start, floating)
        if end_prop is not None and isinstance(end_prop.dt, datetime):
            finish = _instant(end_prop.dt, floating)
        elif duration is not None:
            finish = begin + duration.dt
        else:
            finish = begin  # RFC 5545: a DATE-TIME start without end or duration lasts no time
        return begin, finish
    end = end_prop.dt if end_prop is not None else None
    if isinstance(end, datetime):
        end = end.date()
    if end is None:
        end = start + (duration.dt if duration is not None else timedelta(days=1))
    return _all_day(start, home), _all_day(end, home)


def parse_calendar(body: bytes) -> Any:
    """The parsed VCALENDAR, or CalendarParseError."""
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError... on broken input
        raise CalendarParseError("The address did not return a readable iCalendar (.ics) file.") from exc
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise CalendarParseError("The address did not return an iCalendar (.ics) file.")
    return calendar


def busy_spans_from_ics(body: bytes, *, lo: datetime, hi: datetime, home_zone: str) -> list[BusySpanUtc]:
    """The busy time the document describes within [lo, hi), sorted by start (see the docstring)."""
    calendar = parse_calendar(body)
    home = _zone(home_zone) or UTC
    wr_zone = calendar.get("X-WR-TIMEZONE")
    floating = (_zone(str(wr_zone)) if wr_zone else None) or home
    try:
        occurrences = recurring_ical_events.of(calendar).between(lo, hi)
    except Exception as exc:  # a malformed RRULE or date deep inside the file
        raise CalendarParseError(f"The calendar has an event this importer cannot expand ({type(exc).__name__}).") from exc
    spans: list[BusySpanUtc] = []
    for event in occurrences:
        if getattr(event, "name", "") != "VEVENT":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        bounds = _bounds(event, floating, home)
        if bounds is None:
            continue
        start, end = max(bounds[0], lo), min(bounds[1], hi)
        if end <= start:
            continue
        spans.append(BusySpanUtc(start=start, end=end, uid=str(event.get("UID", ""))[:150]))
        if len(spans) >= MAX_SPANS:
            break
    spans.sort(key=lambda s: (s.start, s.end))
    return spans
