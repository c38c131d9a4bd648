"""Ad campaigns in a real browser: an admin adds an advertiser, records its prepayment and creates a
banner campaign for chemistry learners in Hamburg, its image chosen in the create form; a matching
student (phone) sees it, labelled, with its image, on
the search page and clicks through; a non-matching visitor is not served it (checked through the
JSON API); the admin's campaign page shows the impression and the click."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.live_support import student
from tests.e2e.test_money import _admin_login
from tests.e2e.test_scheduling import _login

pytestmark = pytest.mark.e2e

TITLE = "Organic chemistry flashcards"
SLOW = 30_000


def _png() -> bytes:
    """A real 1×1 PNG (the browser draws it; the server checks it by content)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x80\x00")) + chunk(b"IEND", b""))


def _local(delta: timedelta) -> str:
    # A day of slack either way: right whatever the admin's own timezone is.
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M")


def test_admin_creates_a_campaign_and_a_matching_student_sees_it(new_context, app_url):
    setup = new_context(DESKTOP)
    student(setup.request, "ads-student@example.com", "Hanna Hamburg")

    admin = new_context(DESKTOP).new_page()
    _admin_login(admin)
    admin.goto("/admin/ads")
    admin.fill("#advertiser-name", "E2E Publisher")
    admin.get_by_role("button", name="Add advertiser").click()
    expect(admin.locator(".advertiser-row").filter(has_text="E2E Publisher")).to_be_visible()
    admin.select_option("#prepay-advertiser", label="E2E Publisher")
    admin.select_option("#prepay-currency", "USD")
    admin.fill("#prepay-amount", "100.00")
    admin.fill("#prepay-reference", "E2E-TRANSFER-1")
    admin.get_by_role("button", name="Record prepayment").click()
    expect(admin.locator(".advertiser-balance").filter(has_text="$100")).to_have_count(1)

    admin.select_option("#campaign-advertiser", label="E2E Publisher")
    admin.fill("#campaign-title", TITLE)
    admin.fill("#campaign-body", "Spaced repetition for every reaction.")
    admin.fill("#campaign-link", f"{app_url}/classes")
    admin.fill("#campaign-cities", "Hamburg")
    admin.fill("#campaign-subjects", "chemistry")
    admin.fill("#campaign-starts", _local(-timedelta(days=1)))
    admin.fill("#campaign-ends", _local(timedelta(days=7)))
    admin.select_option("#campaign-currency", "USD")
    admin.fill("#campaign-budget", "20.00")
    admin.select_option("#campaign-pricing", "cpc")
    admin.fill("#campaign-price", "0.50")
    admin.get_by_label("The new campaign's image").set_input_files(
        files=[{"name": "flashcards.png", "mimeType": "image/png", "buffer": _png()}])
    expect(admin.locator(".new-image-name")).to_have_text("flashcards.png")  # checked, kept for the create
    admin.get_by_role("button", name="Create campaign").click()
    row = admin.locator(".campaign-row").filter(has_text=TITLE)
    expect(row).to_contain_text("ACTIVE")
    shot(admin, "ads-admin-campaigns")

    phone = new_context(PHONE).new_page()
    _login(phone, "ads-student@example.com")
    phone.goto("/tutors?subject=chemistry&city=Hamburg")
    ad = phone.locator("#ad-slot .ad-card").filter(has_text=TITLE)
    expect(ad).to_be_visible(timeout=SLOW)  # served once the search has run (the first one loads the gazetteer)
    expect(ad.locator(".ad-label")).to_have_text("Ad")
    expect(ad.get_by_role("img", name=TITLE)).to_have_js_property("naturalWidth", 1)  # the image from the create form
    shot(phone, "ads-student-search")

    # A visitor elsewhere is not served it; one in Hamburg is (the JSON API, as a mobile app sees it).
    elsewhere = setup.request.get("/api/v1/ads", params={"placement": "search", "subject": "chemistry",
                                                         "city": "Munich"})
    assert TITLE not in [i["title"] for i in elsewhere.json()["items"]]
    here = setup.request.get("/api/v1/ads", params={"placement": "search", "subject": "chemistry",
                                                    "city": "Hamburg"})
    assert TITLE in [i["title"] for i in here.json()["items"]]

    with phone.expect_popup() as opened:  # an advertiser's link opens in a new tab
        ad.get_by_role("button", name=re.compile(r"^Learn more \(ad\)")).click()
    opened.value.wait_for_url(re.compile(r".*/classes/?$"))

    row.get_by_role("link", name=TITLE).click()
    admin.wait_for_url(re.compile(r".*/admin/ads/\d+$"))
    expect(admin.locator("#campaign-status")).to_have_text("ACTIVE")
    expect(admin.get_by_text("$0.50").first).to_be_visible()  # one click at 0.50
    admin.get_by_role("button", name="Pause").click()
    expect(admin.locator("#campaign-status")).to_have_text("PAUSED")
    phone.goto("/tutors?subject=chemistry&city=Hamburg")
    expect(phone.locator("#result-count")).not_to_have_text("Searching…", timeout=SLOW)
    expect(phone.locator("#ad-slot .ad-card").filter(has_text=TITLE)).to_have_count(0)
