"""Shared set-up for the live-update browser tests: a Berlin tutor with exactly one 60-minute slot a
day (10:00–11:00, no notice, instant booking), students registered through the JSON API, and a way
to see that a page changed without being reloaded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from tests.e2e.test_scheduling import PASSWORD, _approved_tutor_via_api

BERLIN = ZoneInfo("Europe/Berlin")


def bearer(request, email: str) -> dict[str, str]:
    login = request.post("/api/v1/auth/login", data={"email": email, "password": PASSWORD})
    assert login.ok, login.text()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def one_slot_tutor(request, email: str, full_name: str = "Bruno Berlin") -> int:
    tutor_id = _approved_tutor_via_api(request, email, full_name)
    saved = request.put(
        "/api/v1/tutors/me/availability",
        headers=bearer(request, email),
        data={
            "timezone": "Europe/Berlin",
            "weekly": [{"weekday": d, "start": "10:00", "end": "11:00"} for d in range(7)],
            "settings": {"lesson_lengths": [60], "min_notice_hours": 0, "instant_booking": True},
        },
    )
    assert saved.ok, saved.text()
    return tutor_id


def student(request, email: str, name: str = "Sam Student") -> dict[str, str]:
    registered = request.post(
        "/api/v1/auth/register",
        data={"email": email, "password": PASSWORD, "full_name": name, "role": "student",
              "timezone": "Europe/Berlin"},
    )
    assert registered.status == 201, registered.text()
    return {"Authorization": f"Bearer {registered.json()['access_token']}"}


def target_day() -> date:
    """Tomorrow in Berlin: its 10:00 slot is in the future whatever the time now."""
    return datetime.now(BERLIN).date() + timedelta(days=1)


def slot_start(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=BERLIN)


def open_profile_on(page: Page, tutor_id: int, day: date):
    """The tutor's profile showing `day` (the week view starts on Monday); returns the day's box.
    The times open on the first week with a free time: `day`'s week, or the one before it when
    `day` is a Monday and Sunday's hour is still ahead."""
    page.goto(f"/tutors/{tutor_id}")
    box = page.locator(f'.slot-day[data-date="{day.isoformat()}"]')
    page.locator(".slot-day").first.wait_for()
    if box.count() == 0:
        page.get_by_role("button", name="Next week").click()
    box.locator(".slot-chip").first.wait_for()
    return box


def mark_page(page: Page) -> None:
    """A marker that a reload or navigation would wipe out."""
    page.evaluate("window.__liveMarker = 'still-here'")


def page_was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__liveMarker") == "still-here"


def book_via_api(request, headers: dict[str, str], tutor_id: int, start: datetime) -> int:
    made = request.post(
        "/api/v1/bookings",
        headers=headers,
        data={"tutor_id": tutor_id, "start": start.isoformat(), "duration_min": 60, "kind": "single"},
    )
    assert made.status == 201, made.text()
    return made.json()["id"]
