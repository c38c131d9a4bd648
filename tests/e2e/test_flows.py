"""Real-browser flows against the running app (see conftest.py for how it is started)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, PHONE, shot

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def signup(page: Page, *, name: str, email: str, role: str) -> None:
    page.goto("/signup")
    page.fill("#field-full_name", name)
    page.fill("#field-email", email)
    page.fill("#field-password", "e2e-password-123")
    if role == "tutor":
        page.get_by_role("radio", name="Teach").click()
    # The timezone was detected from the browser (the context runs in Europe/Lisbon).
    expect(page.locator("#field-timezone")).to_have_value("Europe/Lisbon")
    page.get_by_role("button", name="Create account").click()


def login(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def choose(page: Page, trigger, option: str) -> None:
    trigger.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_tutor_onboarding_admin_approval_and_student_search(new_context, tmp_path: Path):
    # A tutor signs up, completes the profile, uploads a credential and submits
    tutor = new_context(DESKTOP).new_page()
    signup(tutor, name="Lina Lisboa", email="lina@example.com", role="tutor")
    tutor.wait_for_url("**/tutor/profile**")
    expect(tutor.get_by_text("Draft.", exact=False)).to_be_visible()
    tutor.fill("#field-headline", "Physics that finally clicks")
    tutor.fill("#field-bio", "Twelve years of teaching physics to teenagers.")
    choose(tutor, tutor.get_by_role("combobox", name="Subject 1"), "Physics")
    tutor.get_by_role("checkbox", name="High school", exact=True).click()
    tutor.get_by_role("checkbox", name="English", exact=True).click()
    choose(tutor, tutor.locator("#field-currency"), "EUR")
    tutor.fill("#field-hourly_rate", "35")
    tutor.fill("#field-city", "Lisbon")
    tutor.get_by_role("button", name="Save profile").click()
    expect(tutor.get_by_text("Profile saved")).to_be_visible()
    expect(tutor.locator("#field-hourly_rate")).to_have_value("35.00")
    credential = tmp_path / "physics-degree.pdf"
    credential.write_bytes(PDF)
    tutor.get_by_label(re.compile(r"^Upload a credential:")).set_input_files(str(credential))
    expect(tutor.locator(".document-name")).to_have_text("physics-degree.pdf")
    # A profile photo: uploaded at once, checked and re-encoded by the server, public from then on.
    photo = tmp_path / "me.png"
    Image.new("RGB", (600, 450), (40, 120, 200)).save(photo, format="PNG")
    tutor.get_by_label(re.compile(r"^Upload a profile photo:")).set_input_files(str(photo))
    expect(tutor.get_by_text("Photo updated")).to_be_visible()
    expect(tutor.locator("#own-photo img")).to_have_attribute("src", re.compile(r"/api/v1/files/tutor-photos/\d+/large\?v=1$"))
    tutor.get_by_role("button", name="Submit for review").click()
    expect(tutor.get_by_text("Waiting for review.")).to_be_visible()
    shot(tutor, "tutor-profile")

    # An admin reviews it, opens the document and approves
    admin = new_context(DESKTOP).new_page()
    login(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.wait_for_url("**/admin/verification**")
    admin.get_by_text("Lina Lisboa").click()
    admin.wait_for_url(re.compile(r".*/admin/verification/\d+"))
    expect(admin.get_by_role("heading", name="Lina Lisboa")).to_be_visible()
    href = admin.get_by_role("link", name="Open").get_attribute("href")
    assert href and href.startswith("/api/v1/files/credentials/")
    document = admin.request.get(href)
    assert document.status == 200 and document.headers["content-type"].startswith("application/pdf")
    assert document.body() == PDF
    stranger = new_context(DESKTOP).request.get(href)
    assert stranger.status == 404  # private: not served without an authorized cookie
    shot(admin, "admin-review")
    admin.get_by_role("button", name="Approve", exact=True).click()
    admin.fill("#field-notes", "Degree checked.")
    admin.get_by_role("button", name="Confirm approval").click()
    expect(admin.get_by_text("Only profiles waiting for review can be decided.")).to_be_visible()
    expect(admin.get_by_text("APPROVED", exact=True)).to_be_visible()

    # A student (on a phone) signs up, searches by subject and city, opens the profile
    student = new_context(PHONE).new_page()
    signup(student, name="Sofia Student", email="sofia@example.com", role="student")
    student.wait_for_url("**/onboarding/student**")
    student.goto("/")
    student.fill("#home-subject", "Physics")
    student.fill("#home-city", "Lisbon")
    student.get_by_role("button", name="Find tutors").click()
    student.wait_for_url(re.compile(r".*/tutors/?\?.*subject=Physics.*"))
    expect(student.locator("#result-count")).to_have_text("1 tutor matches")
    student.reload()  # the URL alone reproduces the search
    expect(student.locator("#result-count")).to_have_text("1 tutor matches")
    card_photo = student.locator(".tutor-card img")
    expect(card_photo).to_have_attribute("src", re.compile(r"/tutor-photos/\d+/small\?v=1$"))
    shot(student, "search")
    student.get_by_role("link", name="Lina Lisboa").click()
    student.wait_for_url(re.compile(r".*/tutors/\d+/?$"))
    expect(student.get_by_role("heading", name="Lina Lisboa")).to_be_visible()
    expect(student.get_by_text("€35/h")).to_be_visible()
    header_photo = student.locator("img[src*='/large?v=']").first
    expect(header_photo).to_have_attribute("src", re.compile(r"/large\?v=1$"))
    assert header_photo.evaluate("img => img.complete && img.naturalWidth") == 400
    student.get_by_role("button", name="Book a trial").click()
    expect(student.locator("#book-hint")).to_contain_text("pick any free time")
    shot(student, "tutor-page")


def test_one_time_code_login(new_context):
    visitor = new_context(DESKTOP).new_page()
    visitor.goto("/login/code")
    expect(visitor.get_by_text("codes are delivered to the outbox", exact=False)).to_be_visible()
    visitor.fill("#otp-email", "otp-e2e@example.com")
    visitor.get_by_role("button", name="Send code").click()
    expect(visitor.get_by_text("We sent a 6-digit code to otp-e2e@example.com", exact=False)).to_be_visible()

    admin = new_context(DESKTOP).new_page()
    login(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/admin/outbox")
    body = admin.locator(".outbox-body", has_text="Your TutorHub login code").first
    expect(body).to_be_visible()
    code = re.search(r"code is (\d{6})", body.inner_text()).group(1)

    visitor.fill("#otp-code", code)
    visitor.get_by_role("button", name="Verify and log in").click()
    visitor.wait_for_url("**/onboarding/student**")
    expect(visitor.locator("#user-menu")).to_be_visible()  # signed in: the user's own menu holds Log out

    admin.goto("/admin/logins")
    expect(admin.get_by_role("cell", name="otp-e2e@example.com").first).to_be_visible()
