"""Group classes in a real browser: a tutor creates a class from the form and publishes it; a student
(phone) enrols and pays by card on the sandbox checkout; another student's open class page shows the
seats left change live, without a reload."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import BERLIN, mark_page, page_was_not_reloaded, student
from tests.e2e.test_scheduling import _approved_tutor_via_api, _login

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT = 15_000


def test_publish_enrol_pay_and_seats_change_live(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    _approved_tutor_via_api(setup.request, "class-tutor@example.com")
    student(setup.request, "class-payer@example.com", "Pia Payer")
    student(setup.request, "class-watcher@example.com", "Walt Watcher")

    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(tutor, "class-tutor@example.com")
    tutor.goto("/classes")
    first = (datetime.now(BERLIN) + timedelta(days=4)).strftime("%Y-%m-%dT15:00")
    tutor.fill("#field-title", "Chemistry circle")
    tutor.fill("#new-subject", "chemistry")
    tutor.fill("#field-capacity", "2")
    tutor.fill("#field-min_size", "1")
    tutor.fill("#field-price", "30")
    tutor.fill("#field-first_start_local", first)
    tutor.fill("#field-rrule", "FREQ=WEEKLY;COUNT=2")
    tutor.get_by_role("button", name="Create draft").click()
    tutor.wait_for_url(re.compile(r".*/classes/\d+$"))
    class_url = tutor.url
    tutor.locator("#publish").click()
    expect(tutor.get_by_text("PUBLISHED", exact=True)).to_be_visible()
    expect(tutor.locator("#seats-left")).to_have_text("2 of 2 seats left")

    watcher = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(watcher, "class-watcher@example.com")
    watcher.goto(class_url)
    expect(watcher.locator("#seats-left")).to_have_text("2 of 2 seats left")
    mark_page(watcher)

    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(phone, "class-payer@example.com")
    phone.goto(class_url)
    phone.locator("#pay-gateway").click()
    expect(phone.locator("#enrol")).to_have_text("Enrol — pay by card / UPI")
    shot(phone, "classes-pay-choice")
    phone.locator("#enrol").click()
    phone.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    # The seat is held while the checkout is open: the other student sees it go, live.
    expect(watcher.locator("#seats-left")).to_have_text("1 of 2 seats left", timeout=LIVE_TIMEOUT)
    assert page_was_not_reloaded(watcher)
    phone.get_by_role("button", name="Pay", exact=True).click()
    phone.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))

    phone.goto(class_url)
    expect(phone.get_by_text("You are enrolled.")).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(phone.locator("#seats-left")).to_have_text("1 of 2 seats left")
    expect(watcher.locator("#seats-left")).to_have_text("1 of 2 seats left")
    assert page_was_not_reloaded(watcher)
    shot(watcher, "classes-seats-live")
