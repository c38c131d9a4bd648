"""Money in three real browsers: a student books a lesson and pays by card on the sandbox checkout
page (the real signed webhook path), the payment sits in escrow; the tutor runs the lesson; the
48-hour dispute window is closed by running the settlement jobs against the app's database with
the clock 49 hours ahead (a subprocess, exactly what the scheduler would run then); the tutor's
earnings show the price minus the 20 % commission; the tutor requests a payout; an admin
approves it; the tutor sees it paid.

No clock is faked in the app: the lesson is the first quarter hour a few minutes ahead (the tutor
may open it 5 minutes early and confirms ending it early, see test_booking.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, APP_ENV, DESKTOP, PHONE, REPO
from tests.e2e.test_booking import START_EARLY, _bearer, _first_quarter_after, _look
from tests.e2e.test_scheduling import PASSWORD, _approved_tutor_via_api, _login

pytestmark = pytest.mark.e2e

LISBON = ZoneInfo("Europe/Lisbon")
SETTLE_LATER = """
from datetime import timedelta
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.booking.timeouts import run_quarter_hourly
from tutorhub.services.checkout.escrow import run_money_jobs

later = utcnow() + timedelta(hours=49)
with session_scope() as session:
    print(run_quarter_hourly(session, now=later))
with session_scope() as session:
    print(run_money_jobs(session, now=later))
"""


def _settle_49_hours_later() -> str:
    python = REPO / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python if python.exists() else Path(sys.executable)), "-c", SETTLE_LATER],
        cwd=REPO,
        env=APP_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _admin_login(page) -> None:
    page.goto("/login")
    page.fill("#field-email", ADMIN_EMAIL)
    page.fill("#field-password", ADMIN_PASSWORD)
    page.locator("form").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def _show_euros(page) -> bool:
    """Switch the finance page to EUR when it has several currencies (other modules' lessons add
    theirs); False when there are no euro figures yet (the page then shows its default currency)."""
    expect(page.locator("#fin-gmv .figure-value")).to_be_visible()
    euro = page.get_by_role("radio", name="EUR")
    if euro.count():
        euro.click()
        expect(page.locator("#fin-gmv .figure-value")).to_contain_text("€")
        return True
    return "€" in page.locator("#fin-gmv .figure-value").inner_text()


def _figure_cents(page, selector: str) -> int | None:
    """A finance card's amount in cents ("€1,234.50" → 123450). Other e2e modules share this app's
    database and pay for lessons too, so the finance figures are compared before and after."""
    text = page.locator(f"{selector} .figure-value").inner_text()
    match = re.search(r"(\d[\d,]*)(?:\.(\d{2}))?", text)
    if match is None:  # still loading
        return None
    return int(match.group(1).replace(",", "")) * 100 + int(match.group(2) or 0)


def _wait_for_figure(page, selector: str, cents: int, timeout: float = 20) -> None:
    """The page re-reads its figures on load; wait until the card shows the expected amount."""
    deadline = time.monotonic() + timeout
    while (seen := _figure_cents(page, selector)) != cents and time.monotonic() < deadline:
        time.sleep(0.25)
    assert seen == cents, (selector, seen, cents)


def test_pay_by_card_escrow_settle_earnings_payout_approved(new_context, app_url, app_clock):
    # The platform's totals before this flow
    admin = new_context(DESKTOP).new_page()
    _admin_login(admin)
    admin.goto("/admin/finance")
    has_euros = _show_euros(admin)
    gmv_before = (_figure_cents(admin, "#fin-gmv") or 0) if has_euros else 0
    revenue_before = (_figure_cents(admin, "#fin-revenue") or 0) if has_euros else 0

    # A tutor who takes lessons at no notice, instantly (no approval step)
    tutor = new_context(DESKTOP, timezone_id="Europe/Berlin").new_page()
    request = tutor.request
    tutor_id = _approved_tutor_via_api(request, "money-tutor@example.com")  # €40/h
    saved = request.put(
        "/api/v1/tutors/me/availability",
        headers=_bearer(request, "money-tutor@example.com"),
        data={
            "timezone": "Europe/Berlin",
            "weekly": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
            "settings": {"lesson_lengths": [45], "min_notice_hours": 0, "instant_booking": True},
        },
    )
    assert saved.ok, saved.text()
    registered = request.post(
        "/api/v1/auth/register",
        data={"email": "money-student@example.com", "password": PASSWORD, "full_name": "Lea Lisboa",
              "role": "student", "timezone": "Europe/Lisbon"},
    )
    assert registered.status == 201, registered.text()

    # The student (phone) books and pays by card on the sandbox checkout page
    student = new_context(PHONE, timezone_id="Europe/Lisbon").new_page()
    _login(student, "money-student@example.com")
    start = _first_quarter_after(datetime.now(UTC) + timedelta(minutes=2))
    local = start.astimezone(LISBON)
    student.goto(f"/tutors/{tutor_id}")
    day = student.locator(f'.slot-day[data-date="{local.date().isoformat()}"]')
    day.locator(".slot-chip", has=student.locator(".slot-time", has_text=f"{local:%H:%M}")).first.click()
    student.locator("#book-hold").click()
    expect(student.locator("#held-price")).to_have_text("€30")
    expect(student.get_by_role("radio", name=re.compile("^Card"))).to_be_checked()
    expect(student.get_by_role("radio", name=re.compile("^Wallet"))).to_contain_text("no € balance")
    _look(student, "money-pay-choices")
    student.locator("#pay-submit").click()
    student.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    expect(student.get_by_label("Amount to pay")).to_contain_text("30")
    _look(student, "money-sandbox-checkout")
    student.get_by_role("button", name="Pay", exact=True).click()
    student.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))
    outcome = student.locator("#pay-outcome")
    expect(outcome).to_have_attribute("data-outcome", "succeeded", timeout=30_000)
    expect(outcome).to_contain_text("€30")
    _look(student, "money-pay-done")
    student.locator("#pay-done-next").click()
    student.wait_for_url(re.compile(r".*/lessons/\d+$"))
    lesson_path = student.url.replace(app_url, "")
    expect(student.locator("#lesson-status")).to_have_text("Confirmed")
    student.goto("/wallet")
    expect(student.locator("#payment-list .payment-row").first).to_contain_text("€30")
    expect(student.locator("#payment-list .payment-row").first).to_contain_text("Paid")
    _look(student, "money-wallet")

    # The tutor runs the lesson: the money is held in escrow meanwhile
    _login(tutor, "money-tutor@example.com")
    tutor.goto("/earnings")
    expect(tutor.locator("#earn-held .figure-value")).to_have_text("€30")
    app_clock.advance_to(start - START_EARLY + timedelta(seconds=1))  # the app's clock, not a real wait
    tutor.goto(lesson_path)
    tutor.locator("#start-lesson").click()
    expect(tutor.locator("#lesson-status")).to_have_text("In progress")
    tutor.locator("#end-lesson").click()
    tutor.locator("#end-early-confirm").click()
    expect(tutor.locator("#lesson-status")).to_have_text("Completed")

    # 49 hours later: settled; the tutor earned €30 − 20 %
    _settle_49_hours_later()
    tutor.goto("/earnings")
    expect(tutor.locator("#earn-available .figure-value")).to_have_text("€24")
    expect(tutor.locator("#earn-commission .figure-value")).to_have_text("€6")
    expect(tutor.locator("#earn-held .figure-value")).to_have_text("€0")
    _look(tutor, "money-earnings")

    # No payout account yet: "Connect a payout account" instead of the payout form; the sandbox's
    # account connects at once (Stripe's would send the tutor to its hosted onboarding)
    expect(tutor.locator("#connect-payout-account")).to_be_visible()
    expect(tutor.locator("#payout-submit")).to_have_count(0)
    tutor.locator('[data-connect="sandbox"]').click()
    expect(tutor.locator('#payout-accounts [data-status="verified"]')).to_be_visible()
    _look(tutor, "money-payout-account")

    # Payout: below the minimum is refused inline, then €24 is requested
    tutor.fill("#payout-amount", "1")
    tutor.locator("#payout-submit").click()
    expect(tutor.locator("#payout-amount-error")).to_contain_text("at least")
    tutor.fill("#payout-amount", "24")
    tutor.locator("#payout-submit").click()
    rows = tutor.locator("#payout-list .payout-row")
    expect(rows.first).to_contain_text("Requested")
    expect(rows.first).to_contain_text("€24")

    # An admin approves it
    admin.goto("/admin/payouts")
    listed = admin.locator("#admin-payouts .payout-row").first
    expect(listed).to_contain_text("€24")
    expect(listed).to_contain_text("Bruno Berlin")
    expect(listed.locator(".payout-destination")).to_contain_text("Verified")  # the destination account
    _look(admin, "money-admin-payouts")
    listed.locator(".payout-approve").click()
    expect(admin.locator("#payout-confirm-yes")).to_be_visible()  # the amount and payee are confirmed first
    admin.locator("#payout-confirm-yes").click()
    expect(admin.get_by_text("Payout approved.")).to_be_visible()
    admin.goto("/admin/settings")  # the platform settings page shows every policy number
    expect(admin.locator("#setting-booking_hold_minutes")).to_have_value("15")
    expect(admin.locator("#setting-commission_percent")).to_have_value("20")
    _look(admin, "admin-platform-settings")
    admin.goto("/admin/finance")
    assert _show_euros(admin)
    # This flow's €30 is the only payment since the first look; the settlement run may also have
    # settled lessons of earlier e2e modules, so revenue grows by at least this lesson's €6.
    _wait_for_figure(admin, "#fin-gmv", gmv_before + 3000)
    assert (_figure_cents(admin, "#fin-revenue") or 0) >= revenue_before + 600
    _look(admin, "money-admin-finance")

    # The tutor sees it paid
    tutor.goto("/earnings")
    expect(tutor.locator("#payout-list .payout-row").first).to_contain_text("Paid")
    expect(tutor.locator("#earn-paid .figure-value")).to_have_text("€24")
    expect(tutor.locator("#earn-available .figure-value")).to_have_text("€0")
    _look(tutor, "money-earnings-paid")


def test_admin_catalogue_then_student_buys_a_minute_pack_with_a_promo_code(new_context):
    # An admin puts a plan, a minute pack and a promo code on offer
    admin = new_context(DESKTOP).new_page()
    _admin_login(admin)
    admin.goto("/admin/catalog")
    admin.fill("#promo-code", "SPRING20")
    admin.fill("#promo-percent", "20")
    admin.get_by_role("button", name="Create promo code").click()
    expect(admin.locator(".catalog-promo")).to_contain_text("20% off")
    admin.fill("#plan-code", "basic")
    admin.fill("#plan-name", "Basic")
    admin.fill("#plan-minutes", "240")
    admin.fill("#plan-price", "40")
    admin.get_by_role("button", name="Create plan").click()
    expect(admin.locator(".catalog-plan")).to_contain_text("$40")
    admin.fill("#pack-code", "five-hours")
    admin.fill("#pack-name", "5 hours")
    admin.fill("#pack-minutes", "300")
    admin.fill("#pack-price", "12O")  # a typo: refused inline, nothing created
    admin.get_by_role("button", name="Create minute pack").click()
    expect(admin.locator("#pack-price-error")).to_be_visible()
    admin.fill("#pack-price", "120")
    admin.get_by_role("button", name="Create minute pack").click()
    expect(admin.locator(".catalog-pack").filter(has_text="five-hours")).to_contain_text("5 h · 365 days")  # other tests add packs
    _look(admin, "money-admin-catalog")

    # A student buys the pack by card with the code
    registered = admin.request.post(
        "/api/v1/auth/register",
        data={"email": "pack-student@example.com", "password": PASSWORD, "full_name": "Paco Pack",
              "role": "student", "timezone": "Europe/Lisbon"},
    )
    assert registered.status == 201, registered.text()
    student = new_context(PHONE, timezone_id="Europe/Lisbon").new_page()
    _login(student, "pack-student@example.com")
    student.goto("/wallet")
    expect(student.locator(".plan-card")).to_contain_text("Basic")
    expect(student.locator(".plan-card").get_by_role("button", name="Subscribe")).to_be_visible()
    student.get_by_role("radio", name="5 hours").check()
    student.fill("#pack-promo", "nope")
    student.locator("#pack-promo").blur()
    expect(student.locator("#pack-promo-error")).to_be_visible()
    student.fill("#pack-promo", "spring20")
    student.locator("#pack-promo").blur()
    expect(student.get_by_text("$24 off — you pay $96.")).to_be_visible()
    _look(student, "money-wallet-offers")
    student.locator("#pack-submit").click()
    student.wait_for_url(re.compile(r".*/pay/sandbox/pay_[^/]+$"))
    expect(student.get_by_label("Amount to pay")).to_contain_text("96")
    student.get_by_role("button", name="Pay", exact=True).click()
    student.wait_for_url(re.compile(r".*/pay/done\?ref=pay_"))
    expect(student.locator("#pay-outcome")).to_have_attribute("data-outcome", "succeeded", timeout=30_000)
    student.locator("#pay-done-next").click()
    student.wait_for_url(re.compile(r".*/wallet$"))
    expect(student.locator("#credits-total .figure-value")).to_have_text("5 h")
    expect(student.locator("#credit-lots .credit-lot")).to_contain_text("from a minute pack")
    _look(student, "money-wallet-credits")
