"""Scheduling in a real browser: a tutor in Berlin paints the weekly grid and saves; students in
New York (signed in, and an anonymous phone visitor) see the new slot at their own time with the
tutor's time beside it; a student sets preferred times by tapping on a phone and gets best times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-123"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def _approved_tutor_via_api(request, email: str, full_name: str = "Bruno Berlin") -> int:
    """A complete, approved tutor account in Europe/Berlin (set up through the JSON API)."""
    registered = request.post(
        "/api/v1/auth/register",
        data={
            "email": email,
            "password": PASSWORD,
            "full_name": full_name,
            "role": "tutor",
            "timezone": "Europe/Berlin",
        },
    )
    assert registered.status == 201, registered.text()
    tutor = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    profile = request.put(
        "/api/v1/tutors/me/profile",
        headers=tutor,
        data={
            "headline": "Chemistry without tears",
            "bio": "Fifteen years in the lab and the classroom.",
            "subjects": [{"subject": "chemistry", "grades": ["high"]}],
            "languages": ["English", "German"],
            "hourly_rate": 4000,
            "currency": "EUR",
            "city": "Berlin",
            "modes": ["online"],
        },
    )
    assert profile.ok, profile.text()
    upload = request.post(
        "/api/v1/tutors/me/credentials",
        headers=tutor,
        multipart={"file": {"name": "diploma.pdf", "mimeType": "application/pdf", "buffer": PDF}},
    )
    assert upload.status == 201, upload.text()
    assert request.post("/api/v1/tutors/me/submit", headers=tutor).ok
    admin_login = request.post("/api/v1/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    admin = {"Authorization": f"Bearer {admin_login.json()['access_token']}"}
    tutor_id = profile.json()["id"]
    assert request.post(f"/api/v1/admin/tutors/{tutor_id}/approve", headers=admin, data={"notes": "ok"}).ok
    return tutor_id


def _login(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#field-email", email)
    page.fill("#field-password", PASSWORD)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def _center(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _opening_monday(now: datetime) -> date:
    """The New York Monday of the week the profile opens on at `now`. The tutor teaches 17:00–18:00
    Berlin time every day with no notice, so the first free time is the next 17:00 in Berlin that
    has not begun (the app itself runs on the real clock, so the test follows the tutor's rules)."""
    berlin_day = now.astimezone(BERLIN).date()
    first = datetime.combine(berlin_day, time(17), tzinfo=BERLIN)
    if first < now.replace(second=0, microsecond=0):  # the app counts whole minutes
        first = datetime.combine(berlin_day + timedelta(days=1), time(17), tzinfo=BERLIN)
    day = first.astimezone(NEW_YORK).date()
    return day - timedelta(days=day.weekday())


def _open_times(page: Page, tutor_id: int) -> tuple[Locator, date]:
    """Open the tutor's profile; check that its times open on the week of the first free time, then
    step once with the pager's one "Next week" control. Returns the times card and the Monday
    (New York) of the week now shown, a full week of free times."""
    before = _opening_monday(datetime.now(UTC))
    page.goto(f"/tutors/{tutor_id}")
    times = page.locator("#available-times")
    expect(times.locator(".slot-chip").first).to_be_visible()
    after = _opening_monday(datetime.now(UTC))
    opened = date.fromisoformat(times.locator(".slot-day").first.get_attribute("data-date") or "")
    assert opened in {before, after}  # both, only when the load straddled a 17:00 in Berlin
    expect(times.locator(".slot-chip").first.locator(".slot-tutor-time")).to_have_text("17:00 tutor")
    pager_next = times.get_by_role("button", name="Next week")
    expect(pager_next).to_have_count(1)
    pager_next.click()
    following = opened + timedelta(weeks=1)
    expect(times.locator(".slot-day").first).to_have_attribute("data-date", following.isoformat())
    return times, following


def test_tutor_grid_shows_up_for_students_in_their_timezone(new_context):
    setup = new_context(DESKTOP)
    tutor_id = _approved_tutor_via_api(setup.request, "bruno@example.com")

    # The tutor paints Monday–Sunday 17:00–18:00 on the grid and saves
    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(tutor, "bruno@example.com")
    tutor.goto("/tutor/profile")
    tutor.get_by_role("link", name="Set your availability").click()
    tutor.wait_for_url("**/tutor/availability")
    expect(tutor.locator("#field-timezone")).to_have_value("Europe/Berlin")
    expect(tutor.locator("#week-grid")).to_be_visible()
    tutor.locator("#cell-6-36").scroll_into_view_if_needed()
    tutor.mouse.move(*_center(tutor, "#cell-0-34"))
    tutor.mouse.down()
    tutor.mouse.move(*_center(tutor, "#cell-3-35"), steps=8)
    expect(tutor.locator('#week-grid[data-painting="true"]')).to_be_visible()
    tutor.mouse.move(*_center(tutor, "#cell-6-35"), steps=8)
    tutor.mouse.up()
    for day in range(7):
        for slot in (34, 35):
            expect(tutor.locator(f"#cell-{day}-{slot}")).to_have_attribute("aria-pressed", "true")
    expect(tutor.locator("#cell-0-36")).to_have_attribute("aria-pressed", "false")
    # A click toggles a single half-hour on and off again.
    tutor.locator("#cell-2-40").click()
    expect(tutor.locator("#cell-2-40")).to_have_attribute("aria-pressed", "true")
    tutor.locator("#cell-2-40").click()
    expect(tutor.locator("#cell-2-40")).to_have_attribute("aria-pressed", "false")
    expect(tutor.get_by_text("Unsaved changes")).to_be_visible()
    tutor.get_by_role("button", name="Save weekly hours").click()
    expect(tutor.get_by_text("Weekly hours saved")).to_be_visible()
    expect(tutor.locator("#grid-summary")).to_contain_text("17:00–18:00")
    # Dates that differ, far enough ahead not to touch the weeks checked below.
    holiday = datetime.now(BERLIN).date() + timedelta(days=120)
    tutor.get_by_role("radio", name="Holiday (several days)").click()
    tutor.fill("#override-date", holiday.isoformat())
    tutor.fill("#override-end", (holiday + timedelta(days=6)).isoformat())
    tutor.get_by_role("button", name="Add", exact=True).click()
    expect(tutor.get_by_text("Holiday added")).to_be_visible()
    expect(tutor.locator(".override-row")).to_contain_text("Holiday · 7 days off")
    tutor.get_by_role("radio", name="Different hours").click()
    tutor.fill("#override-date", (holiday + timedelta(days=10)).isoformat())
    tutor.get_by_role("button", name="Add", exact=True).click()
    expect(tutor.locator(".override-row").nth(1)).to_contain_text("Available 09:00–12:00")
    tutor.fill("#field-min_notice_hours", "0")
    tutor.get_by_role("button", name="Save settings").click()
    expect(tutor.get_by_text("Settings saved")).to_be_visible()
    shot(tutor, "availability")
    tutor.set_viewport_size(PHONE)
    expect(tutor.locator("#day-chips")).to_be_visible()
    shot(tutor, "availability")

    # A student in New York opens the profile and sees 17:00 Berlin at their own time
    student = new_context(DESKTOP, timezone_id="America/New_York").new_page()
    student.goto("/signup")
    student.fill("#field-full_name", "Nia York")
    student.fill("#field-email", "nia@example.com")
    student.fill("#field-password", PASSWORD)
    expect(student.locator("#field-timezone")).to_have_value("America/New_York")
    student.get_by_role("button", name="Create account").click()
    student.wait_for_url("**/onboarding/student**")
    times, monday = _open_times(student, tutor_id)
    slot = datetime.combine(monday, time(17), tzinfo=BERLIN).astimezone(NEW_YORK)
    expected = f"{slot:%H:%M}"  # 11:00 (12:00 in the weeks when only one side is on summer time)
    expect(student.get_by_role("heading", name="Bruno Berlin")).to_be_visible()
    expect(times).to_contain_text("America/New_York")
    expect(times).to_contain_text("Europe/Berlin")
    day = times.locator(f'.slot-day[data-date="{monday.isoformat()}"]')
    chip = day.locator(".slot-chip").first
    expect(chip.locator(".slot-time")).to_have_text(expected)
    expect(chip.locator(".slot-tutor-time")).to_have_text("17:00 tutor")
    expect(chip).to_have_attribute("aria-label", f"Book {expected} for you · 17:00 for your tutor")
    expect(times.locator(".slot-chip")).to_have_count(7)
    expect(student.locator("#best-times")).to_contain_text("Set your preferred times")
    shot(student, "tutor-times")

    # On a phone, the same student marks weekday late mornings as preferred times
    phone = new_context(PHONE, timezone_id="America/New_York").new_page()
    _login(phone, "nia@example.com")
    phone.goto("/student/times")
    expect(phone.locator("#day-chips")).to_be_visible()
    for label in ("10:00", "10:30", "11:00", "11:30", "12:00", "12:30"):
        phone.get_by_role("button", name=f"Monday {label}", exact=True).click()
        expect(phone.get_by_role("button", name=f"Monday {label}", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
    phone.get_by_role("button", name="Copy Monday to…").click()
    phone.get_by_role("menuitem", name="Monday to Friday").click()
    phone.get_by_role("button", name="Friday", exact=True).click()
    expect(phone.get_by_role("button", name="Friday 12:30", exact=True)).to_have_attribute("aria-pressed", "true")
    phone.get_by_role("button", name="Save my times").click()
    expect(phone.get_by_text("Preferred times saved")).to_be_visible()
    shot(phone, "student-times")
    student.goto("/student/times")
    expect(student.locator("#grid-summary")).to_contain_text("10:00–13:00")
    shot(student, "student-times")
    student.goto("/tutors?free=1")
    expect(student.locator("#result-count")).to_have_text("1 tutor matches")
    shot(student, "search-free")
    # Search: "free in my preferred times" is a switch kept in the URL.
    phone.goto("/tutors?free=1")
    expect(phone.locator("#free-toggle")).to_have_attribute("aria-checked", "true")
    expect(phone.locator("#result-count")).to_have_text("1 tutor matches")
    shot(phone, "search-free")
    phone.locator("#free-toggle").click()
    phone.wait_for_url(lambda url: "free=1" not in url)
    expect(phone.locator("#free-toggle")).to_have_attribute("aria-checked", "false")
    phone.goto(f"/tutors/{tutor_id}")
    best = phone.locator("#best-times")
    expect(best.locator(".best-time").first).to_contain_text("17:00 for your tutor")
    expect(phone.locator("#available-times")).to_be_visible()
    shot(phone, "tutor-times")

    # An anonymous visitor: the zone their browser reports is used
    visitor = new_context(PHONE, timezone_id="America/New_York").new_page()
    times, monday = _open_times(visitor, tutor_id)
    slot = datetime.combine(monday, time(17), tzinfo=BERLIN).astimezone(NEW_YORK)
    expected = f"{slot:%H:%M}"
    expect(times).to_contain_text("America/New_York")
    first = times.locator(f'.slot-day[data-date="{monday.isoformat()}"] .slot-chip').first
    expect(first).to_have_attribute("aria-label", f"Book {expected} for you · 17:00 for your tutor")
    expect(visitor.locator("#best-times")).to_contain_text("log in as a student")
