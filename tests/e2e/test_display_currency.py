"""The display currency a newcomer meets, in a real browser: guessed from the browser's language
(navigator.language) before its timezone, at the first search and at sign-up, and changeable."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_scheduling import PASSWORD, _approved_tutor_via_api

pytestmark = pytest.mark.e2e


def test_a_visitors_first_search_and_sign_up_use_the_browsers_currency(new_context):
    setup = new_context(DESKTOP)
    _approved_tutor_via_api(setup.request, "currency-tutor@example.com", "Carla Currency")  # €40/h

    # An English-speaking visitor in India, on a laptop set to New York time: rupees, not dollars.
    visitor = new_context(DESKTOP, timezone_id="America/New_York", locale="en-IN").new_page()
    visitor.goto("/tutors")
    expect(visitor.locator("#display-currency")).to_have_value("INR")
    expect(visitor.get_by_text("≈ ₹3,617.39/h (€40/h)").first).to_be_visible()
    visitor.select_option("#display-currency", "GBP")  # changeable on the page, kept in a cookie
    expect(visitor.get_by_text("≈ £34.35/h (€40/h)").first).to_be_visible()
    visitor.reload()
    expect(visitor.locator("#display-currency")).to_have_value("GBP")

    # A German-speaking newcomer (on a phone) signs up: "Show prices in" is prefilled with EUR, editable.
    newcomer = new_context(PHONE, timezone_id="America/New_York", locale="de-DE").new_page()
    newcomer.goto("/signup")
    currency = newcomer.locator("#field-display_currency")
    expect(currency).to_contain_text("EUR")
    newcomer.fill("#field-full_name", "Greta Gast")
    newcomer.fill("#field-email", "greta@example.com")
    newcomer.fill("#field-password", PASSWORD)
    currency.click()
    newcomer.get_by_role("option", name="JPY", exact=True).click()
    expect(currency).to_contain_text("JPY")
    newcomer.get_by_role("button", name="Create account").click()
    newcomer.wait_for_url(re.compile(r".*/onboarding/student"))
    newcomer.goto("/account")
    expect(newcomer.locator("#display-currency")).to_have_value("JPY")
