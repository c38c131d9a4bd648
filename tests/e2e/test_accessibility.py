"""What a newcomer meets, checked in Chromium at phone and desktop widths: no critical or serious
axe-core violation and no horizontal overflow on the public pages and the signed-in homes; the
desktop navigation fits on one line from 1024 to 1440 px for every role and marks the page shown.
(Every other browser test also runs axe on the pages it leaves open: tests/e2e/conftest.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import axe_available, axe_blockers
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, PHONE
from tests.e2e.live_support import book_via_api, one_slot_tutor, slot_start, student, target_day
from tests.e2e.test_scheduling import PASSWORD

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
