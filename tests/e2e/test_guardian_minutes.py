"""A guardian buys lesson minutes for a linked child in a real browser: an admin offers a minute
pack, the guardian picks it on "My children", pays by card on the sandbox checkout, comes back to
"My children" with the child's minutes topped up, and the child sees them in their own wallet."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import student
from tests.e2e.test_money import _admin_login
from tests.e2e.test_scheduling import _login
from tests.e2e.test_study_plan_guardian import _link

pytestmark = pytest.mark.e2e


def test_guardian_buys_minutes_for_the_child_by_card(new_context):
    admin = new_context(DESKTOP).new_page()
    _admin_login(admin)
    admin.goto("/admin/catalog")
    admin.fill("#pack-code", "kid-hours")
    admin.fill("#pack-name", "Kid hours")
    admin.fill("#pack-minutes", "300")
    admin.fill("#pack-price", "60")
    admin.get_by_role("button", name="Create minute pack").click()
    expect(admin.locator(".catalog-pack").filter(has_text="Kid hours")).to_be_visible()

    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    child_headers = student(setup.request, "minutes-kid@example.com", "Mina Minutes")
    _link(setup.request, child_headers, "minutes-parent@example.com", "minutes-kid@example.com")

    parent = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(parent, "minutes-parent@example.com")
    parent.goto("/guardian")
    expect(parent.get_by_role("heading", name="Mina Minutes")).to_be_visible()
    expect(parent.get_by_text("Lesson minutes: 0")).to_be_visible()
    parent.get_by_label("Minute pack for Mina Minutes").select_option("kid-hours")
    parent.get_by_label("How to pay").select_option("card")
    shot(parent, "guardian-buy-minutes")
    parent.get_by_role("button", name="Buy minutes").click()
    parent.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    parent.get_by_role("button", name="Pay", exact=True).click()
    parent.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))
    expect(parent.locator("#pay-outcome")).to_have_attribute("data-outcome", "succeeded", timeout=30_000)
    expect(parent.locator("#pay-done-next")).to_have_text("Back to my children")
    parent.locator("#pay-done-next").click()
    parent.wait_for_url(re.compile(r".*/guardian$"))
    expect(parent.get_by_text("Lesson minutes: 300")).to_be_visible()

    kid = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(kid, "minutes-kid@example.com")
    kid.goto("/wallet")
    expect(kid.locator("#credits-total .figure-value")).to_have_text("5 h")
