"""The earnings page's payout account: without a verified account the tutor sees "Connect a payout
account" instead of the payout form and the handler is refused by the service; the sandbox connects
at once; Stripe's hosted onboarding is followed and its return refreshes the status (real SDK,
local stand-in). Students, other tutors, admins and anonymous tabs change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.state.conftest import count, fetch, redirects, toasts
from tests.support import gateways as gs
from tests.support.booking_world import make_world
from tests.support.gateway_standin import ConnectAccounts
from tutorhub.models import Payout, PayoutAccount
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.state.money.earnings import EarningsState

gateway_env = gs.gateway_env


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    w = make_world(db, make_user, make_approved_tutor, instant=True)
    ledger.post(db, kind="release", idempotency_key="seed", now=datetime.now(UTC), lines=[
        Line(f"tutor:{w.tutor.id}:earnings", -5000, "EUR"), Line("platform:credit_lessons", 5000, "EUR")])
    db.commit()
    return w


def test_connect_the_sandbox_account_then_request(browser, world, gateway_env):
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    assert page.status == "ready" and page.payout_verified is False and page.payout_accounts == []
    assert [o.gateway for o in page.connect_options] == ["sandbox"]
    browser.run(page.request_payout({"amount": "20"}))  # a tampered tab that shows the form anyway
    assert "Connect a payout account" in page.payout_message and count(Payout) == 0
    events = browser.run(page.connect_payout("sandbox"))
    assert toasts(events, "success") and page.payout_verified is True
    assert [(r.gateway, r.status_label) for r in page.payout_accounts] == [("sandbox", "Verified")]
    assert page.connect_options == []
    browser.run(page.request_payout({"amount": "20"}))
    assert [p.status for p in page.payouts] == ["requested"]


def test_stripe_onboarding_is_followed_and_the_return_refreshes(browser, world, gateway_env):
    with gs.standin_gateway(gateway_env, gs.stripe_env) as api:
        stand = ConnectAccounts(api).serve_stripe()
        page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
        events = browser.run(page.connect_payout("stripe"))
        [account] = fetch(PayoutAccount)
        assert any(f"connect.stripe.com/setup/e/{account.account_ref}" in str(e) for e in redirects(events))
        stand.finish(account.account_ref)
        page, _ = browser.open(EarningsState, "/earnings?payout_account=return", world.tutor.email)
        assert page.payout_verified is True and page.payout_accounts[0].status == "verified"
        page, events = browser.open(EarningsState, "/earnings?payout_account=refresh", world.tutor.email)
        assert page.payout_verified is True  # verified: no new onboarding link needed


@pytest.mark.parametrize("who", ["student", "other_tutor", "admin", None])
def test_strangers_connect_nothing(new_browser, world, who, gateway_env):
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    b = new_browser()
    person = getattr(world, who) if who else None
    page, _ = b.open(EarningsState, "/earnings", person.email if person else None)
    b.run(page.connect_payout("sandbox"))
    b.run(page.connect_razorpay({"phone": "9812345678"}))
    b.run(page.refresh_payout("sandbox"))
    b.run(page.connect_payout(["sandbox"]))
    expected = 1 if who == "other_tutor" else 0  # another tutor may connect only their own
    rows = fetch(PayoutAccount)
    assert len(rows) == expected and all(r.user_id != world.tutor.id for r in rows)


def test_the_admin_payouts_screen_shows_the_destination_and_its_status(browser, new_browser, world, gateway_env):
    from tutorhub.state.money.admin_finance import AdminPayoutsState

    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    page, _ = browser.open(EarningsState, "/earnings", world.tutor.email)
    browser.run(page.connect_payout("sandbox"))
    browser.run(page.request_payout({"amount": "20"}))
    [account] = fetch(PayoutAccount)
    admin_tab = new_browser()
    admin, _ = admin_tab.open(AdminPayoutsState, "/admin/payouts", world.admin.email)
    [row] = admin.rows
    assert (row.destination, row.destination_label) == (account.account_ref, "Verified")
    assert page.payouts[0].destination == ""  # the tutor's own list does not carry it
