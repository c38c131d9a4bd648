"""The device fraud signal in a real browser: the first page load gives the browser an HttpOnly,
SameSite=Lax `th_device` cookie its scripts cannot read; three accounts logging in from that browser
(through the login page and its websocket) are flagged by the fraud scan, and an admin sees the flag
on /admin/fraud."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import APP_ENV, DESKTOP, REPO
from tests.e2e.live_support import PASSWORD, student
from tests.e2e.test_flows import login
from tests.e2e.test_money import _admin_login

pytestmark = pytest.mark.e2e
EMAILS = [f"one-browser-{n}@example.com" for n in range(3)]


def test_three_accounts_from_one_browser_are_flagged_for_the_admin(new_context):
    setup = new_context(DESKTOP)
    for email in EMAILS:
        student(setup.request, email, "Shared Browser")

    context = new_context(DESKTOP)
    page = context.new_page()
    page.goto("/")
    [device] = [c for c in context.cookies() if c["name"] == "th_device"]
    assert device["httpOnly"] and device["sameSite"] == "Lax" and len(device["value"]) == 32
    assert "th_device" not in page.evaluate("document.cookie")  # page scripts never see it
    for email in EMAILS:
        login(page, email, PASSWORD)
        # Sign out by forgetting the session only: the browser keeps its device id.
        kept = [c for c in context.cookies() if c["name"] != "th_session"]
        context.clear_cookies()
        context.add_cookies(kept)  # type: ignore[arg-type]
    assert [c["value"] for c in context.cookies() if c["name"] == "th_device"] == [device["value"]]

    python = REPO / ".venv" / "bin" / "python"
    done = subprocess.run([str(python if python.exists() else Path(sys.executable)), "-m", "tutorhub", "run-job",
                           "fraud_scan"], cwd=REPO, env=APP_ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]

    admin = new_context(DESKTOP).new_page()
    _admin_login(admin)
    admin.goto("/admin/fraud")
    expect(admin.get_by_text("3 accounts signed in from one browser", exact=False).first).to_be_visible(timeout=15_000)
    for email in EMAILS:
        expect(admin.get_by_text(email, exact=False).first).to_be_visible()
