"""The notification bell in a real browser: the tutor's bell counts up live (no reload) when a
student books, the dropdown opens the lesson and marks it read; the notifications page, the
preferences form, and the admin jobs page with "Run now"."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, PHONE
from tests.e2e.live_support import (
    mark_page,
    one_slot_tutor,
    open_profile_on,
    page_was_not_reloaded,
    student,
    target_day,
)
from tests.e2e.test_scheduling import _login

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT = 10_000


def test_bell_updates_live_and_opens_the_lesson(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    tutor_id = one_slot_tutor(setup.request, "bell-tutor@example.com")
    student(setup.request, "bell-student@example.com", "Bea Bell")

    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(tutor, "bell-tutor@example.com")
    tutor.goto("/tutor/availability")
    expect(tutor.locator("#bell-button")).to_be_visible()
    expect(tutor.locator("#bell-count")).to_have_count(0)
    mark_page(tutor)

    # the student books and pays on the sandbox checkout (instant booking: confirmed at once)
    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(phone, "bell-student@example.com")
    box = open_profile_on(phone, tutor_id, target_day())
    box.locator(".slot-chip").first.click()
    phone.locator("#book-hold").click()
    phone.locator("#pay-submit").click()
    phone.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    phone.get_by_role("button", name="Pay", exact=True).click()
    paid_at = time.monotonic()
    expect(tutor.locator("#bell-count")).to_have_text("1", timeout=30_000)
    print(f"bell counted the booking {time.monotonic() - paid_at:.2f}s after the student clicked Pay")
    assert page_was_not_reloaded(tutor)
    phone.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))

    tutor.locator("#bell-button").click()
    item = tutor.locator(".bell-item").first
    expect(item).to_contain_text("New lesson booked")
    item.click()
    tutor.wait_for_url(re.compile(r".*/lessons/\d+$"))
    expect(tutor.locator("#bell-count")).to_have_count(0, timeout=LIVE_TIMEOUT)

    # the student's phone: the notifications page lists the confirmation; mark all read
    expect(phone.locator("#bell-count")).to_have_text("1", timeout=LIVE_TIMEOUT)
    phone.goto("/notifications")
    expect(phone.locator(".notification-row")).to_have_count(1)
    expect(phone.locator(".notification-row")).to_contain_text("Lesson confirmed")
    phone.get_by_role("button", name="Mark all read").click()
    expect(phone.get_by_text("All caught up.")).to_be_visible()
    expect(phone.locator("#bell-count")).to_have_count(0, timeout=LIVE_TIMEOUT)

    # preferences: opt into SMS reminders (no phone yet: the hint says so), saved
    phone.goto("/settings/notifications")
    expect(phone.get_by_text("SMS and WhatsApp need a phone number")).to_be_visible()
    phone.get_by_role("checkbox", name="reminder:sms").click()
    phone.get_by_role("button", name="Save preferences").click()
    expect(phone.get_by_text("Saved.", exact=True)).to_be_visible()
    phone.reload()
    expect(phone.get_by_role("checkbox", name="reminder:sms")).to_be_checked()


def test_admin_runs_a_job_now(new_context):
    page = new_context(DESKTOP).new_page()
    page.goto("/login")
    page.fill("#field-email", ADMIN_EMAIL)
    page.fill("#field-password", ADMIN_PASSWORD)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/admin/jobs")
    row = page.locator(".job-row").filter(has_text="send_reminders")
    expect(row).to_contain_text("Every minute")  # the leader may already have run it on schedule
    row.get_by_role("button", name="Run now: Send lesson reminders").click()
    expect(row).to_contain_text("(manual)", timeout=LIVE_TIMEOUT)
    expect(row.get_by_text("ok", exact=True)).to_be_visible()
