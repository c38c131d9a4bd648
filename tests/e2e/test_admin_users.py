"""Suspension in real browsers: a student (phone) has a paid lesson open; an admin (desktop) finds the
tutor on /admin/users and suspends them with a reason; the student's lesson page turns to
"cancelled" live, without a reload; the audit log shows the action."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, PHONE, shot
from tests.e2e.live_support import (
    book_via_api,
    mark_page,
    one_slot_tutor,
    page_was_not_reloaded,
    slot_start,
    student,
    target_day,
)
from tests.e2e.test_flows import login
from tests.e2e.test_scheduling import _login

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT = 15_000


def test_admin_suspends_a_tutor_and_the_students_lesson_page_shows_it_live(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    tutor_id = one_slot_tutor(setup.request, "susp-tutor@example.com")
    headers = student(setup.request, "susp-student@example.com", "Sara Suspense")
    booking_id = book_via_api(setup.request, headers, tutor_id, slot_start(target_day()))

    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(phone, "susp-student@example.com")
    phone.goto(f"/lessons/{booking_id}")
    phone.locator("#pay-submit").click()
    phone.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    phone.get_by_role("button", name="Pay", exact=True).click()
    phone.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))
    phone.goto(f"/lessons/{booking_id}")
    expect(phone.locator("#lesson-status")).to_contain_text("confirmed", ignore_case=True)
    mark_page(phone)

    admin = new_context(DESKTOP).new_page()
    login(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/admin/users?q=susp-tutor")
    expect(admin.locator(".user-row")).to_have_count(1)
    admin.locator(".user-link").click()
    admin.wait_for_url(re.compile(r".*/admin/users/\d+$"))
    admin.fill("#suspend-reason", "Forged teaching certificate")
    admin.locator(".suspend-button").click()
    expect(admin.get_by_text("Account suspended", exact=False).first).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(admin.get_by_text("Unsuspend").first).to_be_visible()
    shot(admin, "admin-user-suspended")

    lesson = setup.request.get(f"/api/v1/bookings/{booking_id}", headers=headers)
    assert lesson.ok and lesson.json()["status"] == "CANCELLED", lesson.text()
    # The student's open lesson page shows the cancellation without a reload.
    expect(phone.locator("#lesson-status")).to_contain_text("cancelled", ignore_case=True, timeout=LIVE_TIMEOUT)
    assert page_was_not_reloaded(phone)
    shot(phone, "lesson-cancelled-by-suspension")

    admin.goto("/admin/audit?action=user.")
    expect(admin.locator(".audit-row")).to_have_count(1)
    expect(admin.locator(".audit-row")).to_contain_text("Forged teaching certificate")
