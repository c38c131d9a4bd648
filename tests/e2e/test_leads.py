"""The lead marketplace in a real browser: a student (phone) posts an enquiry; the tutor's open lead
inbox (desktop) shows it live; the tutor buys lead credits on the sandbox checkout, claims, proposes
a time; the student accepts and pays; both see the lesson."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import mark_page, one_slot_tutor, page_was_not_reloaded, student
from tests.e2e.test_scheduling import _login

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT = 15_000


def _choose(page: Page, field: str, option: str) -> None:
    page.locator(f"#field-{field}").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_enquiry_claim_propose_accept_pay(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    one_slot_tutor(setup.request, "lead-tutor@example.com")  # chemistry, high school, €40/h online
    student(setup.request, "lead-student@example.com", "Lena Lead")

    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(tutor, "lead-tutor@example.com")
    tutor.goto("/leads")
    expect(tutor.get_by_text("No matching enquiries right now")).to_be_visible()
    mark_page(tutor)

    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(phone, "lead-student@example.com")
    phone.goto("/enquiries")
    _choose(phone, "subject", "Chemistry")
    _choose(phone, "currency", "EUR")
    phone.fill("#field-budget", "50")
    phone.fill("#field-message", "Organic chemistry before my exams, please.")
    phone.locator("#enquiry-submit").click()
    expect(phone.locator(".enquiry-card")).to_have_count(1)
    expect(phone.locator(".enquiry-card")).to_contain_text("OPEN")
    shot(phone, "leads-student-enquiry")

    # The tutor's open inbox shows it without a reload.
    expect(tutor.locator(".lead-card")).to_have_count(1, timeout=LIVE_TIMEOUT)
    assert page_was_not_reloaded(tutor)
    expect(tutor.locator(".lead-card")).to_contain_text("Organic chemistry")
    expect(tutor.locator(".lead-card")).not_to_contain_text("Lena")
    shot(tutor, "leads-inbox")

    # No credits yet: the buy path; buy 5 on the sandbox checkout.
    tutor.locator(".lead-card").get_by_role("button", name=re.compile("Claim")).click()
    expect(tutor.get_by_text("You have no lead credits left", exact=False).first).to_be_visible()
    tutor.goto("/earnings")
    tutor.get_by_role("button", name="Buy lead credits").click()
    tutor.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    tutor.get_by_role("button", name="Pay", exact=True).click()
    tutor.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))

    tutor.goto("/leads")
    tutor.locator(".lead-card").get_by_role("button", name=re.compile("Claim")).click()
    expect(tutor.locator(".lead-card")).to_contain_text("claimed")
    tutor.get_by_role("button", name="Propose a time").click()
    tutor.locator(".lead-card").get_by_role("button", name=re.compile("your time")).first.click()
    expect(tutor.get_by_text("Proposal sent", exact=False)).to_be_visible()

    # The student sees the answer and the proposal live, accepts and pays.
    expect(phone.locator(".enquiry-card")).to_contain_text("Bruno Berlin", timeout=LIVE_TIMEOUT)
    phone.get_by_role("button", name="Accept and pay").click(timeout=LIVE_TIMEOUT)
    phone.wait_for_url(re.compile(r".*/lessons/\d+$"))
    phone.locator("#pay-submit").click()
    phone.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    phone.get_by_role("button", name="Pay", exact=True).click()
    phone.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))

    phone.goto("/lessons")
    expect(phone.get_by_text("Bruno Berlin").first).to_be_visible()
    tutor.goto("/lessons")
    expect(tutor.get_by_text("Lena Lead").first).to_be_visible()
    phone.goto("/enquiries")
    expect(phone.locator(".enquiry-card")).to_contain_text("CLOSED")


def test_enquiry_times_are_edited_per_enquiry_on_a_phone(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    headers = student(setup.request, "times-student@example.com", "Tim Times")
    saved = setup.request.put("/api/v1/students/me/windows", headers=headers, data={
        "windows": [{"weekday": 0, "start": "17:00", "end": "19:00"}]})
    assert saved.ok, saved.text()

    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(phone, "times-student@example.com")
    phone.goto("/enquiries")
    # The form starts from the saved windows, in the student's zone.
    expect(phone.get_by_label("Day of time 1")).to_have_value("0")
    expect(phone.get_by_text("Europe/Berlin", exact=False).first).to_be_visible()
    phone.get_by_role("button", name="Add a time").click()
    expect(phone.get_by_label("Day of time 2")).to_have_value("1")
    phone.get_by_label("Day of time 2").select_option("2")
    phone.get_by_label("From, time 2").select_option("18:00")
    phone.get_by_label("To, time 2").select_option("18:30")
    phone.get_by_role("button", name="Remove time 1").click()
    phone.fill("#field-budget", "50")
    phone.fill("#field-message", "Physics, any week.")
    phone.locator("#enquiry-submit").click()
    expect(phone.get_by_text("is shorter than one 60-minute lesson")).to_be_visible()
    phone.get_by_label("To, time 1").select_option("20:00")
    phone.locator("#enquiry-submit").click()
    expect(phone.locator(".enquiry-card")).to_have_count(1)
    expect(phone.locator(".enquiry-card")).to_contain_text("Times: Wed 18:00–20:00 (Europe/Berlin)")
    shot(phone, "leads-enquiry-times")
