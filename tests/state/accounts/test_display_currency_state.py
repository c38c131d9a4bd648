"""The display currency: guessed at sign-up (the browser's picked currency, else its timezone),
changed on /account or with the search page's picker; anonymous visitors keep it in a cookie."""

from __future__ import annotations

import pytest

from tests.state.conftest import fetch, toasts
from tutorhub.models import Role, User
from tutorhub.state.accounts.auth import AccountState, SignupState
from tutorhub.state.tutors.search import SearchState


def _signup(browser, email, timezone, pick=""):
    browser.goto("/signup")
    browser.app.currency_pick = pick
    form = {"full_name": "Nia", "email": email, "password": "long-enough-pw", "role": "student", "timezone": timezone}
    browser.run(browser.state(SignupState).submit(form))
    return fetch(User, User.email == email)[0]


@pytest.mark.parametrize(("zone", "pick", "expected"), [
    ("Asia/Kolkata", "", "INR"), ("Europe/Paris", "", "EUR"), ("America/Chicago", "", "USD"),
    ("Asia/Kolkata", "GBP", "GBP"), ("Asia/Kolkata", "DOGE", "INR"),
])
def test_signup_guesses_the_display_currency(new_browser, zone, pick, expected):
    user = _signup(new_browser(), f"{expected.lower()}{len(pick)}@example.com", zone, pick)
    assert user.display_currency == expected


def test_account_page_shows_and_changes_the_display_currency(browser, make_user):
    make_user(Role.STUDENT, email="me@example.com", timezone="Asia/Kolkata")
    browser.login("me@example.com")
    page = browser.state(AccountState)
    browser.run(page.load())
    assert page.display_currency == "INR"
    events = browser.run(page.set_currency("EUR"))
    assert toasts(events, "success") and page.display_currency == "EUR" and browser.app.viewer_currency == "EUR"
    assert fetch(User, User.email == "me@example.com")[0].display_currency == "EUR"


@pytest.mark.parametrize("bad", ["DOGE", "", None, 42, ["EUR"], "E" * 5000])
def test_a_bad_display_currency_is_refused_and_nothing_changes(browser, make_user, bad):
    make_user(Role.STUDENT, email="me@example.com", timezone="Europe/Berlin")
    browser.login("me@example.com")
    page = browser.state(AccountState)
    browser.run(page.load())
    events = browser.run(page.set_currency(bad))
    assert toasts(events, "error")
    assert fetch(User, User.email == "me@example.com")[0].display_currency == "EUR"


def test_a_signed_out_visitor_cannot_set_an_account_currency(browser, make_user):
    make_user(Role.STUDENT, email="me@example.com")
    events = browser.run(browser.state(AccountState).set_currency("GBP"))
    assert toasts(events, "error")
    assert fetch(User, User.email == "me@example.com")[0].display_currency == "USD"


def test_anonymous_visitor_picks_a_currency_for_search(browser, make_approved_tutor):
    make_approved_tutor(hourly_rate=2000, currency="USD")
    browser.goto("/tutors")
    page = browser.state(SearchState)
    browser.app.browser_tz = "Europe/Paris"
    browser.run(page.load())
    assert page.shown_currency == "EUR" and page.results[0].price == "≈ €18.40/h ($20/h)"
    browser.run(page.pick_currency("gbp"))
    assert browser.app.currency_pick == "GBP" and page.shown_currency == "GBP"
    assert page.results[0].price == "≈ £15.80/h ($20/h)"
    browser.run(page.pick_currency("DOGE"))  # ignored
    assert browser.app.currency_pick == "GBP"


def test_signed_in_picker_saves_to_the_account(browser, make_user, make_approved_tutor):
    make_approved_tutor(hourly_rate=2000, currency="USD")
    make_user(Role.STUDENT, email="me@example.com")
    browser.login("me@example.com")
    browser.goto("/tutors")
    page = browser.state(SearchState)
    browser.run(page.load())
    assert page.results[0].price == "$20/h"  # same currency: just the price
    browser.run(page.pick_currency("INR"))
    assert fetch(User, User.email == "me@example.com")[0].display_currency == "INR"
    assert page.results[0].price == "≈ ₹1,664/h ($20/h)"


def test_max_price_is_in_the_display_currency(browser, make_approved_tutor):
    make_approved_tutor(hourly_rate=90000, currency="INR")
    make_approved_tutor(hourly_rate=3500, currency="EUR")
    browser.app.currency_pick = "EUR"
    browser.goto("/tutors?max_price=30")
    page = browser.state(SearchState)
    browser.run(page.load())
    assert page.currency == "" and page.total == 1 and page.results[0].price == "≈ €9.95/h (₹900/h)"


def test_tutor_profile_shows_the_viewers_currency_beside_the_own_price(browser, make_user, make_approved_tutor):
    from tutorhub.state.tutors.search import TutorPageState

    _, tutor_id = make_approved_tutor(hourly_rate=90000, currency="INR", modes=["online", "home"], home_rate=120000)
    make_user(Role.STUDENT, email="me@example.com", timezone="Europe/London")
    page, _ = browser.open(TutorPageState, f"/tutors/{tutor_id}", "me@example.com")
    assert page.online_price == "≈ £8.55/h (₹900/h)" and page.home_price == "≈ £11.39/h (₹1,200/h)"
