"""Study plans and guardians in a real browser: a student (phone) asks for a plan — drafted by the
offline planner, as there is no ANTHROPIC_API_KEY — and ticks a task; their linked guardian
(desktop) sees the plan's progress. A guardian books a lesson for a linked child from "My
children", pays by card on the sandbox checkout, and both see the lesson."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import one_slot_tutor, student
from tests.e2e.test_scheduling import PASSWORD, _login

pytestmark = pytest.mark.e2e


def _link(request, child_headers: dict[str, str], guardian_email: str, child_email: str) -> int:
    """The guardian asks to be linked (their request) and the child accepts it, through the API."""
    made = request.post("/api/v1/auth/register", data={"email": guardian_email, "password": PASSWORD,
                                                       "full_name": "Gina Guardian", "role": "guardian",
                                                       "timezone": "Europe/Berlin"})
    assert made.status == 201, made.text()
    guardian = {"Authorization": f"Bearer {made.json()['access_token']}"}
    sent = request.post("/api/v1/guardians/requests", headers=guardian, data={"student_email": child_email})
    assert sent.status == 202, sent.text()
    [link] = request.get("/api/v1/students/me/guardians", headers=child_headers).json()
    answered = request.post(f"/api/v1/guardians/links/{link['id']}/answer", headers=child_headers,
                            data={"accept": True})
    assert answered.ok and answered.json()["status"] == "active", answered.text()
    return link["student_id"]


def test_student_plans_offline_ticks_and_guardian_sees_progress(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    child_headers = student(setup.request, "plan-kid@example.com", "Pia Planner")
    child_id = _link(setup.request, child_headers, "plan-parent@example.com", "plan-kid@example.com")

    phone = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(phone, "plan-kid@example.com")
    phone.goto("/plans")
    phone.fill("#field-subject", "Mathematics")
    phone.fill("#field-goal", "Get ready for the end-of-year exam")
    phone.fill("#field-weak_areas", "fractions")
    phone.get_by_role("button", name="Draft my plan").click()
    phone.wait_for_url(re.compile(r".*/plans/\d+$"), timeout=30_000)
    expect(phone.get_by_text("Drafted by the offline planner").first).to_be_visible()
    first = phone.get_by_role("checkbox", name=re.compile("^Done: ")).first
    first.click()
    expect(first).to_be_checked()
    expect(phone.get_by_text(re.compile(r"^[1-9]\d*% done$")).first).to_be_visible()
    shot(phone, "study-plan-ticked")

    parent = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    _login(parent, "plan-parent@example.com")
    parent.goto("/guardian")
    expect(parent.get_by_role("heading", name="Pia Planner")).to_be_visible()
    parent.goto(f"/progress?student={child_id}")
    plans = parent.get_by_role("link").filter(has_text="Mathematics")
    expect(plans.first).to_be_visible()
    expect(plans.first).to_contain_text(re.compile(r"[1-9]\d*%"))
    shot(parent, "guardian-child-progress")


def test_guardian_books_and_pays_for_the_child(new_context):
    setup = new_context(DESKTOP, timezone_id="Europe/Berlin")
    # chemistry, 10:00-11:00 Berlin every day; other browser tests make many chemistry tutors, so
    # the guardian looks her up by name
    one_slot_tutor(setup.request, "family-tutor@example.com", "Fenna Family")
    child_headers = student(setup.request, "family-kid@example.com", "Kai Kid")
    _link(setup.request, child_headers, "family-parent@example.com", "family-kid@example.com")

    parent = new_context(PHONE, timezone_id="Europe/Berlin").new_page()
    _login(parent, "family-parent@example.com")
    parent.goto("/guardian")
    parent.get_by_role("link", name="Book a lesson", exact=True).first.click()
    parent.wait_for_url(re.compile(r".*/guardian/book\?student=\d+$"))
    expect(parent.get_by_role("heading", name="Book a lesson for Kai Kid")).to_be_visible()
    parent.fill("#field-subject", "Chemistry")
    parent.fill("#field-name", "fenna")
    parent.get_by_role("button", name="Search", exact=True).click()
    expect(parent.get_by_role("button", name=re.compile("^Choose "))).to_have_count(1)
    parent.get_by_role("button", name="Choose Fenna Family").click()
    parent.get_by_role("button", name=re.compile(r"10:00")).first.click()
    expect(parent.get_by_text("Held for 15 minutes for Kai Kid", exact=False)).to_be_visible()
    shot(parent, "guardian-book-for-child")
    parent.get_by_role("button", name="Pay by card").click()
    parent.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    parent.get_by_role("button", name="Pay", exact=True).click()
    parent.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))
    expect(parent.locator("#pay-outcome")).to_have_attribute("data-outcome", "succeeded", timeout=30_000)

    parent.goto("/guardian")
    expect(parent.get_by_text(re.compile(r"Chemistry · .* · Confirmed", re.IGNORECASE)).first).to_be_visible()
    lessons = setup.request.get("/api/v1/bookings", headers=child_headers).json()["items"]
    assert [b["status"] for b in lessons] == ["CONFIRMED"]
