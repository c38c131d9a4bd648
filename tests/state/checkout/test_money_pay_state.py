"""Paying a held booking from the lesson page: wallet (and a clear message when it is short),
card through the sandbox checkout (the real signed webhook), lesson credits, a promo code —
and nobody but the booking's student can pay it or see the payment box."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col

from tests.state.conftest import count, fetch, redirects
from tests.support.booking_world import day_ahead, make_world
from tests.support.money import fund_wallet
from tutorhub.db import session_scope
from tutorhub.models import Role
from tutorhub.models.bookings import Booking
from tutorhub.models.money import Payment
from tutorhub.services.billing import credits
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.money import ledger, promos
from tutorhub.state.checkout.pay import LessonPayState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=True)


def _open(browser, booking_id, email: str | None) -> LessonPayState:
    if email:
        browser.login(email)
    browser.goto(f"/lessons/{booking_id}", route="/lessons/[booking_id]")
    page = browser.state(LessonPayState)
    browser.run(page.load())
    return page


def _status(booking_id: int) -> str:
    return fetch(Booking, col(Booking.id) == booking_id)[0].status


def _escrow(booking_id: int, currency: str = "EUR") -> int:
    with session_scope(read_only=True) as s:
        return ledger.balance(s, f"escrow:booking:{booking_id}", currency)


def test_wallet_short_then_topped_up_pays_into_escrow(browser, world):
    held = world.book(day_ahead(2), confirm=False)  # 60 min at €30/h
    page = _open(browser, held.id, world.student.email)
    assert page.pay_open and page.pay_method == "gateway"
    assert page.pay_wallet == "Your wallet has no € balance — pay by card or top up in €." and not page.pay_wallet_ok
    assert page.pay_credits == "0 min available · needs 1 h" and not page.pay_credits_ok
    browser.run(page.set_pay_method("wallet"))
    browser.run(page.pay({}))
    assert page.pay_error == "Your wallet has no € balance — pay by card or top up in €."
    assert _status(held.id) == "PENDING_PAYMENT"
    fund_wallet(world.db, world.student.id, 5000, "EUR", commit=True)
    browser.run(page.load())
    assert page.pay_wallet == "€50 available" and page.pay_wallet_ok
    browser.run(page.set_pay_method("wallet"))
    events = browser.run(page.pay({"promo_code": ""}))
    assert page.pay_error == "" and not page.pay_open and redirects(events) == []
    assert _status(held.id) == "CONFIRMED" and _escrow(held.id) == 3000


def test_a_balance_in_another_currency_is_named_not_a_bare_refusal(browser, world):
    held = world.book(day_ahead(2), confirm=False)  # €30
    fund_wallet(world.db, world.student.id, 25_000, "USD", commit=True)
    page = _open(browser, held.id, world.student.email)
    assert page.pay_wallet == "Your $ balance ($250) can't pay a € price — pay by card or top up in €."
    browser.run(page.set_pay_method("wallet"))
    browser.run(page.pay({}))
    assert page.pay_error == "Your $ balance ($250) can't pay a € price — pay by card or top up in €."
    assert _status(held.id) == "PENDING_PAYMENT"


def test_card_goes_to_the_sandbox_checkout_and_the_webhook_confirms(browser, world):
    held = world.book(day_ahead(2), confirm=False)
    page = _open(browser, held.id, world.student.email)
    events = browser.run(page.pay({}))
    [target] = redirects(events)
    assert target.startswith("/pay/sandbox/")
    ref = target.rsplit("/", 1)[-1]
    [payment] = fetch(Payment, col(Payment.reference) == ref)
    assert (payment.purpose, payment.booking_id, payment.amount_minor) == ("booking", held.id, 3000)
    assert _status(held.id) == "PENDING_PAYMENT"
    with session_scope() as s:
        sandbox_checkout.complete_checkout(s, reference=ref, outcome="succeed", now=datetime.now(UTC))
    assert _status(held.id) == "CONFIRMED" and _escrow(held.id) == 3000


def test_credits_pay_the_minutes_and_a_promo_code_is_checked_inline(browser, db, world, make_user):
    admin = make_user(Role.ADMIN)
    promos.create_promo(db, actor=admin, data={"code": "HALF", "kind": "percent", "percent": 50})
    credits.claim_trial_credit(db, actor=world.student)  # one 60-minute lot
    db.commit()
    held = world.book(day_ahead(2), confirm=False)
    page = _open(browser, held.id, world.student.email)
    assert page.pay_credits == "1 h available · needs 1 h" and page.pay_credits_ok
    browser.run(page.check_pay_promo("nope"))
    assert page.pay_promo_errors.get("promo_code") and page.pay_promo_note == ""
    browser.run(page.check_pay_promo("half"))
    assert page.pay_promo_errors == {} and page.pay_promo_note == "€15 off — you pay €15."
    browser.run(page.set_pay_method("credits"))
    browser.run(page.pay({}))
    assert _status(held.id) == "CONFIRMED"
    with session_scope(read_only=True) as s:
        assert credits.credit_summary(s, world.student.id, datetime.now(UTC))[0] == 0


def test_a_checked_promo_code_changes_the_total_the_pay_button_and_the_checkout(browser, db, world, make_user):
    """Issue 12 item 3: after "€6 off — you pay €24" the total and the Pay button said €30."""
    promos.create_promo(db, actor=make_user(Role.ADMIN), data={"code": "FIFTH", "kind": "percent", "percent": 20})
    db.commit()
    held = world.book(day_ahead(2), confirm=False)
    fund_wallet(world.db, world.student.id, 2500, "EUR", commit=True)  # enough for €24, not for €30
    page = _open(browser, held.id, world.student.email)
    assert (page.pay_total, page.pay_list_total) == ("€30", "")
    browser.run(page.set_pay_method("wallet"))
    assert not page.pay_wallet_ok
    browser.run(page.check_pay_promo("fifth"))
    assert page.pay_promo_note == "€6 off — you pay €24."
    assert (page.pay_total, page.pay_list_total) == ("€24", "€30") and page.pay_wallet_ok
    browser.run(page.set_pay_method("credits"))  # minutes have no price to discount
    assert (page.pay_total, page.pay_list_total) == ("€30", "")
    browser.run(page.set_pay_method("gateway"))
    assert page.pay_total == "€24"
    browser.run(page.check_pay_promo(""))  # the code removed: the full price again
    assert (page.pay_total, page.pay_list_total) == ("€30", "")
    browser.run(page.check_pay_promo("FIFTH"))
    events = browser.run(page.pay({"promo_code": "FIFTH"}))
    ref = redirects(events)[0].rsplit("/", 1)[-1]
    with session_scope(read_only=True) as s:
        view = sandbox_checkout.view_checkout(s, reference=ref)
    assert view.amount_minor == 2400  # the checkout page charges what the panel showed


def test_garbage_method_is_ignored(browser, world):
    held = world.book(day_ahead(2), confirm=False)
    page = _open(browser, held.id, world.student.email)
    for garbage in ("cash", None, 5, "", ["wallet"]):
        browser.run(page.set_pay_method(garbage))
        assert page.pay_method == "gateway"


# Strangers


@pytest.mark.parametrize("who", ["other_student", "tutor", "other_tutor", "admin", None])
def test_nobody_else_sees_the_box_or_can_pay(new_browser, world, who):
    held = world.book(day_ahead(2), confirm=False)
    fund_wallet(world.db, world.other_student.id, 10_000, "EUR", commit=True)
    b = new_browser()
    person = getattr(world, who) if who else None
    page = _open(b, held.id, person.email if person else None)
    assert not page.pay_open and page.pay_wallet == ""
    # A tampered client that shows itself the box anyway: the service still refuses.
    page.pay_open = True
    for method in ("wallet", "gateway", "credits"):
        page.pay_method = method
        b.run(page.pay({}))
    assert _status(held.id) == "PENDING_PAYMENT" and _escrow(held.id) == 0 and count(Payment) == 0


def test_a_paid_booking_shows_no_pay_box(browser, world):
    paid = world.book(day_ahead(2))  # confirmed (paid from a funded wallet)
    page = _open(browser, paid.id, world.student.email)
    assert not page.pay_open
    browser.run(page.pay({}))
    assert count(Payment) == 0
