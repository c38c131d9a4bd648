"""Calendar sync in a real browser: a student shows, copies and replaces their private feed link on
a phone (the old link then answers 404); a tutor adds an outside calendar served by a local server on
the availability page and sees it synced, then a broken one with its error."""

from __future__ import annotations

import re

import icalendar
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.support.calendars import CalendarServer, ics

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-123"
BUSY = "UID:busy@e2e\nDTSTAMP:20260101T000000Z\nDTSTART:20260105T100000Z\nDTEND:20260105T110000Z\nRRULE:FREQ=DAILY"


def _register(request, email: str, role: str) -> None:
    answer = request.post("/api/v1/auth/register", data={
        "email": email, "password": PASSWORD, "full_name": f"Cal {role.title()}", "role": role,
        "timezone": "Europe/Berlin",
    })
    assert answer.status == 201, answer.text()


def _login(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#field-email", email)
    page.fill("#field-password", PASSWORD)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_student_shows_copies_and_replaces_the_feed_link(new_context, app_url):
    context = new_context(PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    _register(context.request, "cal-student@example.com", "student")
    page = context.new_page()
    _login(page, "cal-student@example.com")
    page.goto("/account")
    page.get_by_role("button", name="Show my calendar link").click()
    field = page.get_by_label("Your private calendar link")
    expect(field).to_have_value(re.compile(r"\.ics$"))
    first = field.input_value()
    assert first.startswith(app_url + "/api/v1/calendar/") and first.endswith(".ics")
    feed = context.request.get(first.removeprefix(app_url))
    assert feed.ok and "text/calendar" in feed.headers["content-type"]
    assert icalendar.Calendar.from_ical(feed.body())["X-WR-CALNAME"] == "TutorHub lessons"
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_text("Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == first
    shot(page, "calendar-feed")
    page.get_by_role("button", name="Replace link", exact=True).click()
    page.get_by_role("alertdialog").get_by_role("button", name="Replace link", exact=True).click()
    expect(field).not_to_have_value(first)
    second = field.input_value()
    assert second.endswith(".ics") and second != first
    assert context.request.get(first.removeprefix(app_url)).status == 404
    assert context.request.get(second.removeprefix(app_url)).ok


def test_a_tutor_adds_an_outside_calendar_and_sees_its_status(new_context):
    server = CalendarServer()
    try:
        context = new_context(DESKTOP)
        _register(context.request, "cal-tutor@example.com", "tutor")
        page = context.new_page()
        _login(page, "cal-tutor@example.com")
        page.goto("/tutor/availability")
        field = page.get_by_label("Calendar address (iCalendar / .ics)")
        field.fill("ftp://example.com/x.ics")
        page.get_by_role("button", name="Add calendar").click()
        expect(page.get_by_role("alert").filter(has_text="web address")).to_be_visible()
        good = server.serve("/busy.ics", ics(BUSY))
        field.fill(good)
        page.get_by_role("button", name="Add calendar").click()
        expect(page.get_by_text(good)).to_be_visible()
        expect(page.get_by_text("Synced")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("busy periods imported")).to_be_visible()
        broken = server.url("/gone.ics")
        field.fill(broken)
        page.get_by_role("button", name="Add calendar").click()
        expect(page.get_by_text("Fetch failed")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("The calendar server answered HTTP 404.")).to_be_visible()
        shot(page, "busy-calendars")
        page.get_by_role("button", name="Remove", exact=True).last.click()
        page.get_by_role("alertdialog").get_by_role("button", name="Remove", exact=True).click()
        expect(page.get_by_text(broken)).to_have_count(0)
        expect(page.get_by_text(good)).to_be_visible()
    finally:
        server.close()
