"""Live updates across two app processes (REFLEX_REDIS_URL set, one PostgreSQL database): a
student books through process A's API while another student's browser, connected to process B,
has the tutor's profile open — the time disappears there without a reload; and the tutor's lesson
page on B follows the student's cancellation made through A.

Skipped with the reason when PostgreSQL or Redis are not reachable (see replicas.py).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.live_support import (
    book_via_api,
    mark_page,
    one_slot_tutor,
    open_profile_on,
    page_was_not_reloaded,
    slot_start,
    student,
    target_day,
)
from tests.e2e.replicas import TwoApps
from tests.e2e.test_scheduling import _login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # two replicas behind Redis: `make test-slow`

LIVE_TIMEOUT = 10_000


@pytest.fixture
def contexts_on(chromium_browser_any):
    opened = []

    def _open(base_url: str, timezone_id: str = "Europe/Berlin"):
        context = chromium_browser_any.new_context(viewport=DESKTOP, base_url=base_url, timezone_id=timezone_id,
                                                   locale="en-GB")
        context.set_default_timeout(30_000)
        opened.append(context)
        return context

    yield _open
    for context in opened:
        context.close()


@pytest.fixture(scope="module")
def chromium_browser_any(two_apps: TwoApps):
    """Chromium without the single-app fixture (this module needs only the two replicas)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_booking_through_a_is_seen_live_by_a_browser_on_b(two_apps: TwoApps, contexts_on):
    on_a = contexts_on(two_apps.a)
    tutor_id = one_slot_tutor(on_a.request, "replica-tutor@example.com")
    headers = student(on_a.request, "replica-booker@example.com", "Ada Booker")
    student(on_a.request, "replica-watcher@example.com", "Ben Watcher")
    day = target_day()

    watcher = contexts_on(two_apps.b).new_page()
    _login(watcher, "replica-watcher@example.com")
    watched = open_profile_on(watcher, tutor_id, day)
    expect(watched.locator(".slot-chip")).to_have_count(1)
    mark_page(watcher)

    sent = time.monotonic()
    booking_id = book_via_api(on_a.request, headers, tutor_id, slot_start(day))
    expect(watched.locator(".slot-chip")).to_have_count(0, timeout=LIVE_TIMEOUT)
    print(f"slot dropped on B {time.monotonic() - sent:.2f}s after the booking through A")
    assert page_was_not_reloaded(watcher)

    # The tutor watches the lesson on B; the student cancels it through A.
    tutor = contexts_on(two_apps.b).new_page()
    _login(tutor, "replica-tutor@example.com")
    tutor.goto(f"/lessons/{booking_id}")
    expect(tutor.locator("#lesson-status")).not_to_be_empty()
    expect(tutor.locator("#lesson-status")).not_to_have_text(re.compile("cancel", re.I))
    mark_page(tutor)
    cancelled = on_a.request.post(f"/api/v1/bookings/{booking_id}/cancel", headers=headers,
                                  data={"reason": "plans changed"})
    assert cancelled.ok, cancelled.text()
    expect(tutor.locator("#lesson-status")).to_have_text(re.compile("cancel", re.I), timeout=LIVE_TIMEOUT)
    expect(watched.locator(".slot-chip")).to_have_count(1, timeout=LIVE_TIMEOUT)  # the time is free again
    assert page_was_not_reloaded(tutor) and page_was_not_reloaded(watcher)
