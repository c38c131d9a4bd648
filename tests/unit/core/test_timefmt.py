"""Human dates in the reader's zone: 'Tue 8 Dec, 18:00', the year only when it is another year."""

from __future__ import annotations

from datetime import UTC, datetime

from tutorhub.services.timefmt import human_when, zone_name

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_human_when_is_on_the_readers_wall_clock():
    lesson = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    assert human_when(lesson, "Europe/Berlin", now=NOW) == "Tue 8 Dec, 18:00"
    assert human_when(lesson, "Asia/Kolkata", now=NOW) == "Tue 8 Dec, 22:30"
    assert human_when(lesson, "America/Los_Angeles", now=NOW) == "Tue 8 Dec, 09:00"
    assert human_when(datetime(2027, 1, 5, 8, 0, tzinfo=UTC), "UTC", now=NOW) == "Tue 5 Jan 2027, 08:00"
    assert human_when(lesson, "Not/AZone", now=NOW) == "Tue 8 Dec, 17:00"  # unknown zones read as UTC


def test_zone_names_read_like_places():
    assert zone_name("America/New_York") == "New York time"
    assert zone_name("Europe/Berlin") == "Berlin time"
    assert zone_name("UTC") == "UTC"
