"""Study plans in a real browser: a student (phone) asks for a plan — drafted by the offline
planner, as there is no ANTHROPIC_API_KEY — and ticks a task; their linked guardian (desktop) sees
the plan's progress on the child's progress page and on "My children"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import student
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
