"""What a newcomer meets, checked in Chromium at phone and desktop widths: no critical or serious
axe-core violation and no horizontal overflow on the public pages and the signed-in homes; the
desktop navigation fits on one line from 1024 to 1440 px for every role and marks the page shown.
Screens are also checked in the states the flows leave them in (a chat open, a toast shown, the admin's
decision dialog open). (Every other browser test also runs axe on the pages it leaves open, and reports
what it finds: tests/e2e/conftest.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import axe_available, axe_blockers
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, PHONE
from tests.e2e.live_support import bearer, book_via_api, one_slot_tutor, slot_start, student, target_day
from tests.e2e.test_scheduling import PASSWORD, PDF

pytestmark = pytest.mark.skipif(not axe_available(), reason="axe-core missing: npm install --prefix benchmarks/web")

OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
HEADER_JS = "() => { const h = document.querySelector('header'); return h.scrollWidth - h.clientWidth; }"


def _settled(page: Page, path: str) -> None:
    page.goto(path)
    page.locator("main").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)  # the page's data arrives over the websocket just after the shell


def _check(page: Page, path: str) -> list[str]:
    _settled(page, path)
    problems = axe_blockers(page)
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow > 0:
        problems.append(f"{page.url}: {overflow}px of horizontal overflow at {page.viewport_size}")
    return problems


def _login(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_public_and_signed_in_pages_have_no_blocking_violations_at_both_widths(new_context):
    setup = new_context(DESKTOP)
    tutor_id = one_slot_tutor(setup.request, "a11y-tutor@example.com")
    headers = student(setup.request, "a11y-student@example.com", "Alma Access")
    lesson_id = book_via_api(setup.request, headers, tutor_id, slot_start(target_day()))
    problems: list[str] = []
    for viewport in (DESKTOP, PHONE):
        visitor = new_context(viewport).new_page()
        for path in ("/", "/tutors", f"/tutors/{tutor_id}", "/login", "/signup"):
            problems += _check(visitor, path)
        pupil = new_context(viewport).new_page()
        _login(pupil, "a11y-student@example.com")
        for path in ("/home", "/lessons", f"/lessons/{lesson_id}", "/messages", "/wallet"):
            problems += _check(pupil, path)
        teacher = new_context(viewport).new_page()
        _login(teacher, "a11y-tutor@example.com")
        for path in ("/home", "/earnings", "/tutor/availability"):
            problems += _check(teacher, path)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_desktop_navigation_fits_and_marks_the_current_page(new_context, width):
    setup = new_context(DESKTOP)
    one_slot_tutor(setup.request, f"nav-tutor-{width}@example.com")
    student(setup.request, f"nav-student-{width}@example.com", "Nora Navigator")
    viewport = {"width": width, "height": 800}
    accounts = (
        ("admin", ADMIN_EMAIL, ADMIN_PASSWORD, "/admin/payouts", "Money"),
        ("tutor", f"nav-tutor-{width}@example.com", PASSWORD, "/earnings", "Earnings"),
        ("student", f"nav-student-{width}@example.com", PASSWORD, "/wallet", "Wallet"),
    )
    for role, email, password, path, current in accounts:
        page = new_context(viewport).new_page()
        _login(page, email, password)
        _settled(page, path)
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_visible()
        assert page.evaluate(HEADER_JS) <= 0, f"{role}: the header overflows at {width}px"
        assert page.evaluate(OVERFLOW_JS) <= 0, f"{role}: the page overflows at {width}px"
        expect(page.locator("#user-menu")).to_be_in_viewport()
        heights = {round(box["height"]) for box in (el.bounding_box() for el in nav.locator(".nav-link, .nav-menu").all()) if box}
        assert max(heights) < 40, f"{role}: a navigation item wraps at {width}px ({heights})"
        if role == "admin":  # the page is in a menu: the menu is marked; opening it shows the page marked
            nav.get_by_role("button", name=current).click()
            expect(page.get_by_role("menuitem", name="Payouts")).to_have_attribute("aria-current", "page")
            expect(page.get_by_role("menuitem", name="Catalogue")).to_be_visible()
            page.keyboard.press("Escape")
            expect(page.get_by_role("menu")).to_have_count(0)  # closed again before axe looks
        else:
            expect(nav.get_by_role("link", name=current)).to_have_attribute("aria-current", "page")


def _pending_tutor(request, email: str) -> int:
    """A complete tutor profile submitted for review (the admin's verification page shows it)."""
    registered = request.post("/api/v1/auth/register", data={
        "email": email, "password": PASSWORD, "full_name": "Petra Pending", "role": "tutor", "timezone": "Europe/Berlin"})
    assert registered.status == 201, registered.text()
    headers = bearer(request, email)
    profile = request.put("/api/v1/tutors/me/profile", headers=headers, data={
        "headline": "Physics, step by step", "bio": "Ten years of teaching.", "languages": ["English"],
        "subjects": [{"subject": "physics", "grades": ["high"]}], "hourly_rate": 3500, "currency": "EUR",
        "city": "Berlin", "modes": ["online"]})
    assert profile.ok, profile.text()
    upload = request.post("/api/v1/tutors/me/credentials", headers=headers,
                          multipart={"file": {"name": "diploma.pdf", "mimeType": "application/pdf", "buffer": PDF}})
    assert upload.status == 201, upload.text()
    assert request.post("/api/v1/tutors/me/submit", headers=headers).ok
    return int(profile.json()["id"])


def test_screens_in_the_states_flows_leave_them_have_no_blocking_violations(new_context):
    """The findings the flows reported as warnings (issue 12): the chat log's keyboard focus, a toast's
    contrast, inline links on /enquiries and /student/times, small grey text on the notification
    settings, and the admin's decision dialog — each screen in the state that showed it."""
    setup = new_context(DESKTOP)
    tutor_id = one_slot_tutor(setup.request, "a11y-states-tutor@example.com")
    headers = student(setup.request, "a11y-states-student@example.com", "Stella States")
    book_via_api(setup.request, headers, tutor_id, slot_start(target_day()))
    [conversation] = setup.request.get("/api/v1/conversations", headers=headers).json()["items"]
    pending_id = _pending_tutor(setup.request, "a11y-pending-tutor@example.com")
    problems: list[str] = []

    pupil = new_context(DESKTOP).new_page()
    _login(pupil, "a11y-states-student@example.com")
    for path in ("/enquiries", "/student/times", "/settings/notifications"):
        problems += _check(pupil, path)
    pupil.get_by_role("button", name="Save preferences").click()
    expect(pupil.get_by_text("Notification preferences saved.")).to_be_visible()
    problems += axe_blockers(pupil)  # the toast is shown
    _settled(pupil, f"/messages?c={conversation['id']}")
    expect(pupil.locator("#chat-messages")).to_be_visible()
    problems += axe_blockers(pupil)

    admin = new_context(DESKTOP).new_page()
    _login(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    _settled(admin, f"/admin/verification/{pending_id}")
    problems += axe_blockers(admin)
    admin.get_by_role("button", name="Approve", exact=True).click()
    expect(admin.get_by_role("dialog")).to_be_visible()
    problems += axe_blockers(admin)
    assert problems == [], "\n".join(problems)
