"""The admin dashboard in a real browser: money posted to the running app's ledger shows in the KPI
cards after "Refresh now"; the interval switch and the date range work (a backwards range is an
inline error); the cohort grid shows text values; the ledger CSV downloads through the admin's
session cookie and agrees with the revenue card; on a phone the page still lays out."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import APP_ENV, DESKTOP, PHONE, REPO, shot
from tests.e2e.test_money import _admin_login

pytestmark = pytest.mark.e2e

POST_SALE = """
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line

with session_scope() as session:
    ledger.post(session, kind="purchase", idempotency_key="e2e-metrics-sale", now=utcnow(),
                lines=[Line("gateway:sandbox:clearing", 123456, "JPY"), Line("platform:revenue", -123456, "JPY")])
"""


def _post_sale() -> None:
    python = REPO / ".venv" / "bin" / "python"
    done = subprocess.run([str(python if python.exists() else Path(sys.executable)), "-c", POST_SALE], cwd=REPO,
                          env=APP_ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def test_admin_dashboard_cards_charts_cohorts_and_csv(new_context):
    _post_sale()  # a currency no other test uses, so the figures are exactly ours
    page = new_context(DESKTOP).new_page()
    _admin_login(page)
    page.goto("/admin/metrics")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.locator("#metrics-refresh").click()  # the hourly job's work, now
    expect(page.locator("#metrics-fresh")).not_to_contain_text("not computed yet")
    yen = page.get_by_role("radio", name="JPY")
    if yen.count():  # other tests' lessons add their currencies; alone, yen is the only one
        yen.click()
    expect(page.locator("#kpi-revenue .figure-value")).to_contain_text("123,456")
    expect(page.locator("#cohort-table")).to_be_visible()
    expect(page.locator(".cohort-cell").first).to_contain_text("%")
    page.get_by_role("radio", name="Month").click()
    expect(page.locator("#metrics-from")).to_have_value(re.compile(r"^\d{4}-\d{2}-01$"))
    shot(page, "admin-metrics")
    with page.expect_download() as caught:  # the browser's own download, with the admin's session cookie
        page.get_by_role("link", name="Download CSV: Ledger entries").click()
    rows = list(csv.DictReader(io.StringIO(Path(caught.value.path()).read_text())))
    revenue = -sum(int(r["amount"]) for r in rows if r["account"] == "platform:revenue" and r["unit"] == "JPY")
    assert revenue == 123456
    page.fill("#metrics-from", "2026-03-02")
    page.fill("#metrics-to", "2026-03-01")
    page.locator("#metrics-apply").click()
    expect(page.get_by_text("must not be after 'to'")).to_be_visible()
    phone = new_context(PHONE).new_page()
    _admin_login(phone)
    phone.goto("/admin/metrics")
    expect(phone.locator("#kpi-gmv")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
