"""Booking in two real browsers: a student in New York books a free time of an approval-mode
tutor in Berlin on the public profile (hold, countdown, confirm); the tutor, in a second browser
context, sees the request in My lessons and accepts it, starts and ends the lesson; the student
reviews it and finds the review on the tutor's profile.

No clock is faked: the tutor takes lessons at no notice, so the student books the first quarter
hour at least three minutes ahead (45-minute lessons sit on a 15-minute grid), and the tutor may
open a lesson 5 minutes before it starts (services/booking/views.START_EARLY) — a wait of at most
ten minutes. Ending it before its scheduled end asks first, with the minutes it ran.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.test_scheduling import PASSWORD, _approved_tutor_via_api, _login

pytestmark = pytest.mark.e2e

NEW_YORK = ZoneInfo("America/New_York")
START_EARLY = timedelta(minutes=5)


def _bearer(request, email: str) -> dict[str, str]:
    login = request.post("/api/v1/auth/login", data={"email": email, "password": PASSWORD})
    assert login.ok, login.text()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _look(page, name: str) -> None:
    """With TUTORHUB_E2E_SHOTS set: what the screen shows (not the whole page) on a phone and a
    desktop, for eyeballing layouts; the page's own viewport is restored afterwards."""
    if not os.environ.get("TUTORHUB_E2E_SHOTS"):
        return
    size = page.viewport_size
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)
        page.screenshot(path=str(Path(os.environ["TUTORHUB_E2E_SHOTS"]) / f"{name}-view-{viewport['width']}.png"))
    if size:
        page.set_viewport_size(size)
    shot(page, name)


def _first_quarter_after(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment + timedelta(minutes=(-moment.minute) % 15)


def test_student_books_tutor_accepts_lesson_runs_student_reviews(new_context, app_url, app_clock):
    tutor_page = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    request = tutor_page.request
    tutor_id = _approved_tutor_via_api(request, "booking-tutor@example.com")
    saved = request.put(
        "/api/v1/tutors/me/availability",
        headers=_bearer(request, "booking-tutor@example.com"),
        data={
            "timezone": "Europe/Berlin",
            "weekly": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
            "settings": {"lesson_lengths": [45], "min_notice_hours": 0, "instant_booking": False},
        },
    )
    assert saved.ok, saved.text()
    registered = request.post(
        "/api/v1/auth/register",
        data={
            "email": "booking-student@example.com",
            "password": PASSWORD,
            "full_name": "Nora York",
            "role": "student",
            "timezone": "America/New_York",
        },
    )
    assert registered.status == 201, registered.text()

    # The student (phone, New York) picks the first free quarter hour a few minutes ahead
    student = new_context(PHONE, timezone_id="America/New_York").new_page()
    _login(student, "booking-student@example.com")
    start = _first_quarter_after(datetime.now(UTC) + timedelta(minutes=2))
    local = start.astimezone(NEW_YORK)
    student.goto(f"/tutors/{tutor_id}")
    day = student.locator(f'.slot-day[data-date="{local.date().isoformat()}"]')
    chip = day.locator(".slot-chip", has=student.locator(".slot-time", has_text=f"{local:%H:%M}")).first
    expect(chip).to_be_visible()
    chip.click()
    expect(student.locator("#book-when")).to_contain_text(f"{local:%H:%M}")
    expect(student.get_by_role("radio", name=re.compile(r"^Trial lesson"))).to_be_visible()
    student.get_by_role("radio", name=re.compile(r"^Weekly lessons")).click()
    student.get_by_role("button", name="Check dates").click()
    expect(student.locator("#series-occurrences .occurrence")).to_have_count(4)
    _look(student, "booking-form")
    student.get_by_role("radio", name=re.compile(r"^Single lesson")).click()
    student.locator("#book-hold").click()
    expect(student.locator("#hold-countdown")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(student.locator("#pay-submit")).to_be_visible()
    _look(student, "booking-held")
    # Paid by card on the sandbox checkout page (test_money.py follows the money further).
    student.locator("#pay-submit").click()
    student.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    student.get_by_role("button", name="Pay", exact=True).click()
    student.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))
    expect(student.locator("#pay-outcome")).to_have_attribute("data-outcome", "succeeded", timeout=30_000)
    student.locator("#pay-done-next").click()
    student.wait_for_url(re.compile(r".*/lessons/\d+$"))
    lesson_url = student.url
    expect(student.locator("#lesson-status")).to_have_text("Waiting for the tutor")
    expect(student.get_by_text("for your tutor", exact=False).first).to_be_visible()

    # The tutor (desktop, Berlin) sees the request and accepts it
    _login(tutor_page, "booking-tutor@example.com")
    tutor_page.goto("/lessons")
    expect(tutor_page.locator("#pending-badge")).to_have_text("1")
    requests = tutor_page.locator("#pending-requests")
    expect(requests).to_contain_text("Nora York")
    expect(requests).to_contain_text("for your student")
    _look(tutor_page, "lessons-requests")
    requests.get_by_role("button", name="Accept").click()
    expect(tutor_page.locator("#pending-requests")).to_have_count(0)
    expect(tutor_page.locator("#lesson-list .status-badge").first).to_have_text("Confirmed")

    # The lesson runs: the tutor may open it 5 minutes early
    app_clock.advance_to(start - START_EARLY + timedelta(seconds=1))  # the app's clock, not a real wait
    tutor_page.goto(lesson_url.replace(app_url, ""))
    expect(tutor_page.locator("#lesson-status")).to_have_text("Confirmed")
    expect(tutor_page.locator("#open-room")).to_be_visible()
    tutor_page.locator("#start-lesson").click()
    expect(tutor_page.locator("#lesson-status")).to_have_text("In progress")
    _look(tutor_page, "lesson-running")
    tutor_page.locator("#end-lesson").click()
    expect(tutor_page.locator("#end-early-text")).to_contain_text("of 45 minutes")  # ended early: asks first
    tutor_page.locator("#end-early-confirm").click()
    expect(tutor_page.locator("#lesson-status")).to_have_text("Completed")
    expect(tutor_page.locator("#lesson-actual-length")).to_contain_text("of 45 minutes")
    expect(tutor_page.locator("#lesson-history")).to_contain_text("Lesson ended")

    # The student reviews; the review shows on the profile
    student.reload()
    expect(student.locator("#lesson-status")).to_have_text("Completed")
    _look(student, "lesson-review-form")
    student.get_by_role("radio", name="5 stars").click()
    student.fill("#review-comment", "Patient and clear — great first lesson.")
    student.get_by_role("button", name="Post review").click()
    expect(student.locator("#review-shown")).to_contain_text("great first lesson")
    _look(student, "lesson-reviewed")
    student.goto(f"/tutors/{tutor_id}")
    reviews = student.locator("#reviews")
    expect(reviews).to_contain_text("great first lesson")
    expect(reviews).to_contain_text("Nora")
    expect(student.get_by_role("button", name="How is this computed?")).to_be_visible()
    _look(student, "profile-reviewed")

    # Both see it under Past in My lessons
    student.goto("/lessons")
    student.get_by_role("tab", name="Past").click()
    expect(student.locator("#lesson-list .status-badge").first).to_have_text("Completed")
    _look(student, "lessons-past")
