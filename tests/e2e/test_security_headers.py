"""Security headers, CSP and CORS against the real app (issue 11, defects 1, 3 and 5).

Visits the main pages as a visitor, a student and an admin and fails on any Content-Security-Policy
violation (the `new_context` fixture collects them for every browser test). Before the fix no page
carried a CSP or the other headers, any Origin got a CORS grant, and no banner said "development"."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, DESKTOP, watch_csp
from tests.e2e.live_support import one_slot_tutor, student
from tests.e2e.test_flows import login
from tests.e2e.test_scheduling import PASSWORD

pytestmark = pytest.mark.e2e


def _visit(page: Page, path: str, ready: str | None = None) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, path
    headers = response.headers
    assert headers.get("x-frame-options") == "DENY", path
    assert headers.get("x-content-type-options") == "nosniff", path
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", path
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "'sha256-" in csp, path
    assert not re.search(r"script-src[^;]*'unsafe-inline'", csp), path
    if ready:
        page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#dev-mode-banner")).to_be_visible()


def test_main_pages_have_the_headers_and_no_csp_violation(new_context, app_url):
    visitor = new_context(DESKTOP).new_page()
    tutor_id = one_slot_tutor(visitor.request, "csp-tutor@example.com")
    for path in ("/", "/tutors", "/login", "/signup", "/no-such-page"):
        if path == "/no-such-page":
            response = visitor.goto(path)
            assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
            continue
        _visit(visitor, path, "#dev-mode-banner")
    _visit(visitor, f"/tutors/{tutor_id}", ".slot-day")

    pupil = new_context(DESKTOP).new_page()
    student(pupil.request, "csp-student@example.com")
    login(pupil, "csp-student@example.com", PASSWORD)
    for path in ("/wallet", "/lessons", "/messages", "/account", "/notifications", f"/tutors/{tutor_id}"):
        _visit(pupil, path, "text=Sam Student")  # rendered from the server's state: the scripts ran
    lesson_room = pupil.request.get("/lessons/1")
    assert "camera=(self)" in lesson_room.headers["permissions-policy"]
    assert "camera=()" in pupil.request.get("/lessons").headers["permissions-policy"]

    admin = new_context(DESKTOP).new_page()
    login(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    for path in ("/admin/verification", "/admin/bookings", "/admin/finance", "/admin/outbox", "/admin/jobs",
                 "/admin/logins", "/admin/catalog"):
        _visit(admin, path, "text=E2E Admin")


def test_the_probe_sees_an_injected_inline_script_blocked(chromium_browser, app_url):
    """The CSP is enforced and the violation probe every browser test relies on reports it."""
    context = chromium_browser.new_context(base_url=app_url)
    seen: list[str] = []
    watch_csp(context, seen)
    try:
        page = context.new_page()
        page.goto("/")
        page.locator("#dev-mode-banner").wait_for()
        page.evaluate("""() => { const s = document.createElement('script');
            s.textContent = 'window.__injected = 1'; document.head.appendChild(s); }""")
        page.wait_for_timeout(500)
        assert page.evaluate("window.__injected") is None
        assert any("script-src" in line for line in seen), seen
    finally:
        context.close()


def test_cors_grants_only_the_public_origin(app_url):
    public = app_url  # the app runs with TUTORHUB_PUBLIC_URL = this address
    for origin in ("https://evil.example", "null"):
        res = httpx.get(f"{app_url}/api/v1/tutors", headers={"Origin": origin})
        assert "access-control-allow-origin" not in res.headers, origin
        pre = httpx.options(f"{app_url}/api/v1/me",
                            headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in pre.headers, origin
        # The event websocket refuses the foreign page too (Socket.IO checks the Origin).
        sock = httpx.get(f"{app_url}/_event/?EIO=4&transport=websocket", headers={"Origin": origin})
        assert sock.status_code == 400, (origin, sock.status_code, sock.text)
    res = httpx.get(f"{app_url}/api/v1/tutors", headers={"Origin": public})
    assert res.headers["access-control-allow-origin"] == public


def test_static_assets_and_json_carry_the_headers(app_url):
    home = httpx.get(f"{app_url}/")
    asset = re.search(r'href="(/assets/[^"]+\.js)"', home.text)
    assert asset, "no script asset linked from the home page"
    for path in (asset.group(1), "/api/v1/tutors", "/health", "/favicon.ico"):
        res = httpx.get(f"{app_url}{path}")
        assert res.status_code == 200, path
        assert res.headers["x-content-type-options"] == "nosniff", path
        assert res.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in res.headers["content-security-policy"], path
