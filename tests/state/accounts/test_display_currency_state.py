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


# --- The guess from the browser's language (navigator.language) and zone --------------------------

def _scripts(events) -> list[str]:
    """The JS of the call_script events among `events` (e.g. the browser detection)."""
    from reflex.event import EventSpec

    from tests.state.conftest import _flatten

    out = []
    for event in _flatten(events):
        if isinstance(event, EventSpec) and event.handler.fn.__qualname__ == "_call_script":
            out.append(str(dict((n._js_expr, v) for n, v in event.args)["javascript_code"]))
    return out


def _form(email, **extra):
    return {"full_name": "Nia", "email": email, "password": "long-enough-pw", "role": "student",
            "timezone": "America/Chicago", **extra}


@pytest.mark.parametrize(("hints", "expected"), [
    (["America/Chicago", "de-DE"], "EUR"), (["UTC", "en-IN"], "INR"), (["America/New_York", "en-GB"], "GBP"),
    (["UTC", "en-AU"], "AUD"), (["UTC", "en-SG"], "SGD"), (["Europe/Madrid", "fr"], "EUR"),
    (["Asia/Kolkata", "<script>"], "INR"), (["not a zone", 42], "USD"), ("junk", "USD"),
])
def test_signup_prefills_the_currency_from_the_browser_and_stores_it(new_browser, hints, expected):
    browser = new_browser()
    browser.goto("/signup")
    page = browser.state(SignupState)
    events = browser.run(page.load())
    assert any("navigator.language" in js for js in _scripts(events))
    browser.run(page.set_detected_browser(hints))
    assert page.display_currency == expected
    # The form submits what the (editable) select shows; the server stores it.
    email = f"guess-{expected.lower()}-{len(str(hints))}@example.com"
    browser.run(page.submit(_form(email, display_currency=page.display_currency)))
    assert not page.errors and fetch(User, User.email == email)[0].display_currency == expected


def test_signup_keeps_the_currency_the_visitor_changed_it_to(browser):
    browser.goto("/signup")
    page = browser.state(SignupState)
    browser.run(page.load())
    browser.run(page.set_detected_browser(["Europe/Berlin", "de-DE"]))
    assert page.display_currency == "EUR"
    browser.run(page.submit(_form("changed@example.com", display_currency="jpy")))
    assert fetch(User, User.email == "changed@example.com")[0].display_currency == "JPY"


def test_a_visitors_picked_currency_wins_over_the_guess_at_signup(browser):
    browser.goto("/signup")
    browser.app.currency_pick = "AUD"
    page = browser.state(SignupState)
    browser.run(page.load())
    browser.run(page.set_detected_browser(["Europe/London", "en-GB"]))
    assert page.display_currency == "AUD"


@pytest.mark.parametrize("bad", ["DOGE", "XXX", "EURO", "€", "<b>"])
def test_signup_refuses_an_unknown_currency_with_a_clear_error(browser, bad):
    browser.goto("/signup")
    page = browser.state(SignupState)
    browser.run(page.submit(_form("bad@example.com", display_currency=bad)))
    assert page.errors.get("display_currency", "").startswith("must be one of USD, EUR, GBP")
    assert fetch(User, User.email == "bad@example.com") == []


def test_signup_without_the_field_is_guessed_on_the_server_from_the_locale(browser):
    """No script ran in the form (or an old tab): the service guesses from the locale hint, then the zone."""
    browser.goto("/signup")
    page = browser.state(SignupState)
    browser.run(page.set_detected_browser(["America/Chicago", "en-IN"]))
    browser.run(page.submit(_form("noscript@example.com")))
    assert fetch(User, User.email == "noscript@example.com")[0].display_currency == "INR"


def test_an_anonymous_first_search_shows_prices_in_the_browsers_currency(browser, make_approved_tutor):
    make_approved_tutor(hourly_rate=2000, currency="USD")
    browser.goto("/tutors")
    page = browser.state(SearchState)
    events = browser.run(page.load())  # the layout's detection has not answered yet
    assert any("navigator.language" in js for js in _scripts(events))
    browser.run(page.use_browser_hints(["America/New_York", "de-DE"]))
    assert browser.app.browser_locale == "de-DE" and browser.app.viewer_currency == "EUR"
    assert page.shown_currency == "EUR" and page.results[0].price == "≈ €18.40/h ($20/h)"
    # The visitor changes it on the page, and the change sticks over the guess.
    browser.run(page.pick_currency("INR"))
    assert page.results[0].price == "≈ ₹1,664/h ($20/h)"
    events = browser.run(page.load())
    assert page.shown_currency == "INR" and not _scripts(events)


def test_known_hints_need_no_second_detection_and_junk_hints_change_nothing(browser, make_approved_tutor):
    make_approved_tutor(hourly_rate=2000, currency="USD")
    browser.goto("/tutors")
    page = browser.state(SearchState)
    browser.run(page.load())
    browser.run(page.use_browser_hints(["<script>", {"x": 1}]))
    assert page.shown_currency == "USD" and page.results[0].price == "$20/h"
    browser.run(browser.app.set_browser_hints(["Asia/Singapore", "en-SG"]))  # the layout's callback
    events = browser.run(page.load())
    assert not _scripts(events) and page.shown_currency == "SGD"


def test_a_signed_in_users_search_ignores_the_browsers_language(browser, make_user, make_approved_tutor):
    make_approved_tutor(hourly_rate=2000, currency="USD")
    make_user(Role.STUDENT, email="me@example.com", timezone="Asia/Kolkata")
    browser.login("me@example.com")
    browser.goto("/tutors")
    page = browser.state(SearchState)
    events = browser.run(page.load())
    assert not _scripts(events)
    browser.run(page.use_browser_hints(["Europe/Berlin", "de-DE"]))
    assert page.shown_currency == fetch(User, User.email == "me@example.com")[0].display_currency


def test_the_home_pages_top_tutors_follow_the_browsers_language_too(browser, db, make_approved_tutor):
    from tutorhub.state.tutors.search import HomeState

    make_approved_tutor(hourly_rate=2000, currency="USD")
    browser.goto("/")
    page = browser.state(HomeState)
    events = browser.run(page.load())
    assert any("navigator.language" in js for js in _scripts(events))
    assert page.top_tutors[0].price == "$20/h"
    browser.run(page.use_browser_hints(["UTC", "en-GB"]))
    assert page.top_tutors[0].price == "≈ £15.80/h ($20/h)"
