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
