"""Instants shown in the viewer's timezone (pure Python, shared by states and tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_local(iso: str | None, tz: str, *, with_zone: bool = True) -> str:
    """'2026-11-21T14:24:30+00:00', 'Asia/Kolkata' → '21 Nov 2026, 19:54 IST'; blank → ''."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_zone(tz))
    text = local.strftime("%d %b %Y, %H:%M").lstrip("0")
    return f"{text} {local.tzname()}" if with_zone else text


def human_when(moment: datetime, tz: str, *, now: datetime | None = None) -> str:
    """An instant as people write it, on `tz`'s wall clock: 'Tue 8 Dec, 18:00' (the year only
    when it is not the year of `now` in that zone: 'Tue 8 Dec 2027, 18:00')."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = _zone(tz)
    local = moment.astimezone(zone)
    this_year = (now or datetime.now(UTC)).astimezone(zone).year
    year = "" if local.year == this_year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


def zone_name(tz: str) -> str:
    """'Europe/Berlin' → 'Berlin time', 'America/New_York' → 'New York time'; 'UTC' stays."""
    if not tz or tz.upper() == "UTC":
        return "UTC"
    return tz.rsplit("/", 1)[-1].replace("_", " ") + " time"
