"""The student's wallet page and the payment return page: balances, credits, top-up through the
sandbox checkout (the real signed-webhook path), minute packs with a promo code, plans, receipts,
and everybody who may not touch somebody else's money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from tests.state.conftest import count, fetch, redirects, toasts
from tests.support.money import fund_wallet
from tutorhub.db import session_scope
from tutorhub.models import Role
from tutorhub.models.credits import CreditLot, Subscription
from tutorhub.models.money import Payment
from tutorhub.services.billing import plans
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.money import payment_history, promos
from tutorhub.state.billing.wallet import WalletState
from tutorhub.state.checkout.pay_done import PayDoneState


@pytest.fixture
def shop(db, make_user):
    """An admin's catalogue (plans lite < basic < pro, one pack, a promo code) and two students."""
    admin = make_user(Role.ADMIN)
    for code, name, minutes, price in (("lite", "Lite", 120, 2500), ("basic", "Basic", 240, 4000), ("pro", "Pro", 600, 9000)):
        plans.create_plan(db, actor=admin, data={"code": code, "name": name, "minutes_per_cycle": minutes,
                                                 "prices": [{"currency": "USD", "amount_minor": price}]})
    plans.create_pack(db, actor=admin, data={"code": "hour5", "name": "5 hours", "minutes": 300, "price_minor": 6000,
                                             "currency": "USD"})
    promos.create_promo(db, actor=admin, data={"code": "WELCOME10", "kind": "percent", "percent": 10})
    student = make_user(Role.STUDENT, timezone="Asia/Kolkata", name="Sam Student")
    other = make_user(Role.STUDENT, name="Olga Other")
    tutor = make_user(Role.TUTOR)
    db.commit()
    return {"admin": admin, "student": student, "other": other, "tutor": tutor}


def _open(browser, email: str | None) -> WalletState:
    return browser.open(WalletState, "/wallet", email)[0]


def _pay_sandbox(reference: str) -> None:
    """Press "Pay" on the sandbox checkout page (signed webhook → payments.apply_gateway_event)."""
    with session_scope() as s:
        sandbox_checkout.complete_checkout(s, reference=reference, outcome="succeed", now=datetime.now(UTC))


def _ref(events) -> str:
    [target] = redirects(events)
    assert target.startswith("/pay/sandbox/pay_"), target  # same-site path, whatever the public URL
    return target.rsplit("/", 1)[-1]


def test_wallet_shows_balances_credits_plans_and_packs(browser, db, shop):
    fund_wallet(db, shop["student"].id, 12_345, "USD", commit=True)
    page = _open(browser, shop["student"].email)
    assert page.status == "ready"
    assert [(b.label, b.amount) for b in page.balances] == [("USD balance", "$123.45")]
    assert page.credits_total == "0 min" and page.trial_available and page.lots == []
    # The student's display currency is INR (Asia/Kolkata): what is charged ($) first, ≈ ₹ beside it.
    assert [(p.code, p.action, p.price) for p in page.plans] == [
        ("lite", "subscribe", "$25 (≈ ₹2,080)"), ("basic", "subscribe", "$40 (≈ ₹3,328)"),
        ("pro", "subscribe", "$90 (≈ ₹7,488)")]
    assert [(p.code, p.minutes, p.price) for p in page.packs] == [("hour5", "5 h", "$60 (≈ ₹4,992)")]
    assert page.payments == [] and page.has_sub is False
    browser.run(page.claim_trial())
    assert page.credits_total == "1 h" and not page.trial_available
    [lot] = page.lots
    assert lot.minutes == "1 h" and lot.source == "free trial" and lot.expires  # a day in the viewer's zone


def test_a_plan_is_priced_and_charged_in_the_display_currency_when_it_has_that_price(browser, db, shop):
    plans.update_plan(db, actor=shop["admin"], code="basic", data={"prices": [
        {"currency": "USD", "amount_minor": 4000}, {"currency": "INR", "amount_minor": 300_000}]})
    db.commit()
    page = _open(browser, shop["student"].email)  # display INR
    assert [(p.code, p.price) for p in page.plans][1] == ("basic", "₹3,000")
    ref = _ref(browser.run(page.subscribe("basic")))
    [payment] = fetch(Payment, col(Payment.reference) == ref)
    assert (payment.amount_minor, payment.currency) == (300_000, "INR")
    other = _open(browser, shop["other"].email)  # display USD: the USD price
    assert [(p.code, p.price) for p in other.plans][1] == ("basic", "$40")


def test_topup_goes_to_checkout_then_the_return_page_shows_processing_then_paid(browser, shop):
    page = _open(browser, shop["student"].email)
    events = browser.run(page.topup({"amount": "25.50", "currency": "USD"}))
    ref = _ref(events)
    [payment] = fetch(Payment, col(Payment.reference) == ref)
    assert (payment.amount_minor, payment.currency, payment.purpose, payment.status) == (2550, "USD", "topup", "pending")

    browser.goto(f"/pay/done?ref={ref}")
    done = browser.state(PayDoneState)
    events = browser.run(done.load())
    assert done.status == "ready" and done.outcome == "processing" and done.amount == "$25.50"
    assert "watch" in [getattr(e, "fn", None).__name__ for e in events if getattr(e, "fn", None)]
    _pay_sandbox(ref)
    browser.run(done.refresh())
    assert done.outcome == "succeeded" and done.next_href == "/wallet"

    browser.goto("/wallet")
    browser.run(page.load())
    assert page.balances[0].amount == "$25.50"
    [row] = page.payments
    # What was charged, with ≈ the student's display currency (INR, from their zone) beside it.
    assert (row.what, row.amount, row.status_label, row.receipt) == (
        "Wallet top-up", "$25.50 (≈ ₹2,121.60)", "Paid", True)
    events = browser.run(page.download_receipt(ref))
    assert any("data:text/plain" in str(getattr(e, "args", "")) for e in events)
    with session_scope() as s:
        body = payment_history.receipt(s, actor=shop["student"], reference=ref).body
    assert "Amount:        25.50 USD\n" in body
    assert "In INR:        ≈ 2,121.60 INR (TutorHub's exchange rates today; for information only" in body


def test_a_receipt_in_the_payers_own_currency_has_no_converted_line(browser, db, shop):
    """A student reading prices in $ paying in $: the list and the receipt show the amount only."""
    page = _open(browser, shop["other"].email)
    ref = _ref(browser.run(page.topup({"amount": "10", "currency": "USD"})))
    _pay_sandbox(ref)
    browser.run(page.load())
    assert [r.amount for r in page.payments] == ["$10"]
    with session_scope() as s:
        body = payment_history.receipt(s, actor=shop["other"], reference=ref).body
    assert "Amount:        10.00 USD" in body and "≈" not in body


def test_cancelled_checkout_says_nothing_was_charged(browser, shop):
    page = _open(browser, shop["student"].email)
    ref = _ref(browser.run(page.topup({"amount": "10", "currency": "USD"})))
    browser.goto(f"/pay/done?ref={ref}&cancelled=1")
    done = browser.state(PayDoneState)
    browser.run(done.load())
    assert done.outcome == "cancelled"
    # …and it is: the checkout is ended for good (not "Failed", not "Processing" forever)
    [payment] = fetch(Payment, col(Payment.reference) == ref)
    assert payment.status == "cancelled"
    browser.run(done.refresh())
    assert done.outcome == "cancelled"


def test_a_stranger_cannot_cancel_someone_elses_checkout(browser, new_browser, shop):
    page = _open(browser, shop["student"].email)
    ref = _ref(browser.run(page.topup({"amount": "10", "currency": "USD"})))
    other = new_browser()
    other.login(shop["other"].email)
    other.goto(f"/pay/done?ref={ref}&cancelled=1")
    done = other.state(PayDoneState)
    other.run(done.load())
    assert done.status == "notfound" and done.amount == ""
    [payment] = fetch(Payment, col(Payment.reference) == ref)
    assert payment.status == "pending"


def test_an_abandoned_checkout_shows_expired_after_its_window(browser, shop):
    page = _open(browser, shop["student"].email)
    ref = _ref(browser.run(page.topup({"amount": "10", "currency": "USD"})))
    with session_scope() as s:
        s.exec(select(Payment).where(Payment.reference == ref)).one().expires_at = datetime.now(UTC) - timedelta(minutes=1)
    browser.goto(f"/pay/done?ref={ref}")
    done = browser.state(PayDoneState)
    browser.run(done.load())
    assert done.outcome == "expired"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"amount": "abc", "currency": "USD"}, "amount"),
        ({"amount": "", "currency": "USD"}, "amount"),
        ({"amount": "10.555", "currency": "USD"}, "amount"),
        ({"amount": "0.50", "currency": "USD"}, "amount"),  # below the service's minimum top-up
        ({"amount": "10", "currency": "XYZ"}, "currency"),
    ],
)
def test_topup_errors_are_inline_and_nothing_is_started(browser, shop, form, field):
    page = _open(browser, shop["student"].email)
    events = browser.run(page.topup(form))
    assert field in page.topup_errors and redirects(events) == []
    assert count(Payment) == 0


def test_minute_pack_from_the_wallet_with_a_promo_code(browser, db, shop):
    fund_wallet(db, shop["student"].id, 10_000, "USD", commit=True)
    page = _open(browser, shop["student"].email)
    browser.run(page.pick_pack("hour5"))
    browser.run(page.check_promo("NOPE"))
    assert page.promo_errors.get("promo_code") and page.promo_note == ""
    browser.run(page.check_promo("welcome10"))
    assert page.promo_errors == {} and page.promo_note == "$6 off — you pay $54."
    browser.run(page.set_pack_method("wallet"))
    events = browser.run(page.buy_pack({"pack": "hour5", "promo_code": "welcome10"}))
    assert toasts(events, "success") and redirects(events) == []
    assert page.credits_total == "5 h" and page.balances[0].amount == "$46"


def test_buy_pack_needs_a_pack_and_a_valid_code(browser, shop):
    page = _open(browser, shop["student"].email)
    browser.run(page.buy_pack({"promo_code": ""}))
    assert page.pack_errors == {"pack": "Choose a pack."}
    browser.run(page.buy_pack({"pack": "hour5", "promo_code": "BOGUS"}))
    assert page.promo_errors.get("promo_code") and count(Payment) == 0
    events = browser.run(page.buy_pack({"pack": "hour5", "promo_code": ""}))  # card: off to the checkout
    _ref(events)


def test_subscribe_then_upgrade_downgrade_wording_and_cancel_at_period_end(browser, shop):
    page = _open(browser, shop["student"].email)
    ref = _ref(browser.run(page.subscribe("basic")))
    _pay_sandbox(ref)
    browser.run(page.load())
    assert page.has_sub and "You are on Basic" in page.sub_text and "renews on" in page.sub_text
    assert {p.code: p.action for p in page.plans} == {"lite": "downgrade", "basic": "current", "pro": "upgrade"}
    assert page.credits_total == "4 h"
    events = browser.run(page.change_plan("lite"))
    assert any("next renewal" in t for t in toasts(events, "success"))
    assert {p.code: p.action for p in page.plans}["lite"] == "next" and "changes to Lite" in page.sub_text
    browser.run(page.cancel_plan())
    assert page.sub_cancel_at_end and "will not renew" in page.sub_text
    assert fetch(Subscription)[0].cancel_at_period_end


def test_a_plan_with_more_minutes_at_the_same_price_is_shown_and_applied_as_an_upgrade(browser, db, shop):
    plans.create_plan(db, actor=shop["admin"], data={"code": "plus", "name": "Plus", "minutes_per_cycle": 300,
                                                     "prices": [{"currency": "USD", "amount_minor": 4000}]})
    db.commit()
    page = _open(browser, shop["student"].email)
    _pay_sandbox(_ref(browser.run(page.subscribe("basic"))))
    browser.run(page.load())
    assert {p.code: p.action for p in page.plans}["plus"] == "upgrade"  # $40 like Basic, 60 more minutes
    events = browser.run(page.change_plan("plus"))
    # What the card said is what happens: switched now, nothing to pay (not "at your next renewal").
    [done] = toasts(events, "success")
    assert "Your plan is updated." in done and not redirects(events)
    assert {p.code: p.action for p in page.plans}["plus"] == "current" and "You are on Plus" in page.sub_text


def test_anonymous_goes_to_login_and_cannot_start_anything(browser, shop):
    page = _open(browser, None)
    assert page.status == "loading" and page.balances == []
    events = browser.run(page.topup({"amount": "10", "currency": "USD"}))
    assert redirects(events) and redirects(events)[0].startswith("/login")
    browser.run(page.subscribe("basic"))
    browser.run(page.buy_pack({"pack": "hour5"}))
    browser.run(page.claim_trial())
    assert count(Payment) == 0 and count(CreditLot) == 0 and count(Subscription) == 0


@pytest.mark.parametrize("who", ["tutor", "admin"])
def test_other_roles_cannot_top_up_subscribe_or_claim(new_browser, shop, who):
    b = new_browser()
    page = _open(b, shop[who].email)
    assert page.status == "forbidden" and page.payments == []
    b.run(page.topup({"amount": "10", "currency": "USD"}))
    assert page.topup_message or page.topup_errors
    assert toasts(b.run(page.subscribe("basic")), "error")
    assert toasts(b.run(page.claim_trial()), "error")
    assert toasts(b.run(page.change_plan("pro")), "error")
    assert toasts(b.run(page.cancel_plan()), "error")
    for method in ("gateway", "wallet"):
        b.run(page.set_pack_method(method))
        b.run(page.buy_pack({"pack": "hour5"}))
        assert page.pack_message or page.pack_errors
    assert count(Payment) == 0 and count(CreditLot) == 0 and count(Subscription) == 0


def test_another_students_receipt_and_return_page_are_not_found(browser, new_browser, shop):
    owner = _open(browser, shop["student"].email)
    ref = _ref(browser.run(owner.topup({"amount": "10", "currency": "USD"})))
    _pay_sandbox(ref)
    b = new_browser()
    thief = _open(b, shop["other"].email)
    events = b.run(thief.download_receipt(ref))
    assert toasts(events, "error") and not any("data:" in str(getattr(e, "args", "")) for e in events)
    b.goto(f"/pay/done?ref={ref}")
    done = b.state(PayDoneState)
    b.run(done.load())
    assert done.status == "notfound" and done.amount == "" and done.reference == ""
    for garbage in (None, 5, "", "x" * 500):
        assert toasts(b.run(thief.download_receipt(garbage)), "error")


@pytest.mark.parametrize("garbage", [None, True, 0, 99, "2", -1])
def test_paging_ignores_garbage(browser, shop, garbage):
    page = _open(browser, shop["student"].email)
    browser.run(page.go_page(garbage))
    assert page.pay_page == 1


def test_a_euro_balance_buying_a_dollar_pack_is_told_which_balance_can_pay_what(browser, db, shop):
    fund_wallet(db, shop["student"].id, 25_000, "EUR", commit=True)
    page = _open(browser, shop["student"].email)
    browser.run(page.pick_pack("hour5"))
    browser.run(page.set_pack_method("wallet"))
    browser.run(page.buy_pack({"pack": "hour5", "promo_code": ""}))
    assert page.pack_message == "Your € balance (€250) can't pay a $ price — pay by card or top up in $."
    assert page.credits_total == "0 min"
