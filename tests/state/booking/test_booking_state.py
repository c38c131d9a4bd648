"""Booking from the public profile: the dialog's quote, holding, confirming, series previews,
taken slots, and people who may not book."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col

from tests.state.conftest import count, fetch, redirects, toasts
from tests.support.booking_world import day_ahead, make_world
from tests.support.money import fund_wallet
from tutorhub.models.bookings import Booking
from tutorhub.services.booking import bookings
from tutorhub.services.errors import InvalidInput
from tutorhub.state.accounts.auth import SignupState
from tutorhub.state.booking.dialog import BookingState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=False)


def _open(browser, world, email: str | None = None) -> BookingState:
    if email:
        browser.login(email)
    browser.app.browser_tz = "America/New_York"
    browser.goto(f"/tutors/{world.tutor_id}", route="/tutors/[tutor_id]")
    browser.run(browser.app.load_viewer())
    page = browser.state(BookingState)
    browser.run(page.load())
    return page


def test_student_picks_a_time_holds_and_confirms_a_request(browser, world):
    page = _open(browser, world, world.student.email)
    start = day_ahead()
    browser.run(page.pick(start.isoformat()))
    assert page.book_open and page.book_step == "form"
    assert page.book_lengths == ["45", "60"] and page.trial_available
    # What is charged (the tutor's €) first, ≈ the student's display currency (USD, from UTC) beside it.
    assert page.single_price == "€22.50 (≈ $24.46)" and page.trial_price == "€11.25 (≈ $12.23)"
    assert page.trial_discount == 50
    assert "for your tutor" in page.book_tutor_time and page.instant is False
    browser.run(page.set_book_length("60"))
    assert page.single_price == "€30 (≈ $32.61)"
    browser.run(page.hold())
    assert page.book_step == "held" and page.hold_expires and page.held_price == "€30"
    [held] = fetch(Booking, col(Booking.student_id) == world.student.id)
    assert held.status == "PENDING_PAYMENT" and held.start_at == start
    assert page.pay_wallet == "Your wallet has no € balance — pay by card or top up in €."
    assert not page.pay_wallet_ok and page.pay_method == "gateway"
    browser.run(page.set_pay_method("wallet"))
    browser.run(page.pay({}))  # an empty wallet: a clear message, nothing paid
    assert "no € balance" in page.pay_error and page.book_step == "held"
    assert fetch(Booking, col(Booking.id) == held.id)[0].status == "PENDING_PAYMENT"
    fund_wallet(world.db, world.student.id, 3000, "EUR", commit=True)
    browser.run(page.pay({"promo_code": ""}))
    assert page.book_step == "done" and "Request sent" in page.done_text
    assert page.lesson_href == f"/lessons/{held.id}"
    assert fetch(Booking, col(Booking.id) == held.id)[0].status == "REQUESTED"


def test_trial_price_and_only_once(browser, world):
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(day_ahead().isoformat()))
    browser.run(page.set_book_kind("trial"))
    browser.run(page.hold())
    browser.run(page.set_pay_method("wallet"))
    browser.run(page.pay({}))
    assert fetch(Booking, col(Booking.student_id) == world.student.id)[0].kind == "trial"
    browser.run(page.pick(day_ahead(3).isoformat()))
    assert page.trial_available is False
    browser.run(page.set_book_kind("trial"))  # not offered any more: ignored
    assert page.book_kind == "single"


def test_release_gives_the_time_back(browser, world):
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(day_ahead().isoformat()))
    browser.run(page.hold())
    browser.run(page.release())
    assert not page.book_open
    assert [b.status for b in fetch(Booking)] == ["CANCELLED"]


def test_slot_taken_is_a_clear_message_and_the_week_refreshes(browser, world):
    start = day_ahead()
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(start.isoformat()))
    world.book(start, student=world.other_student)  # somebody else is quicker
    events = browser.run(page.hold())
    assert any("just taken" in t for t in toasts(events, "error"))
    assert not page.book_open and count(Booking) == 1
    assert page.slots_status == "ready"


def test_series_preview_shows_conflicts_with_alternatives_before_holding(browser, world):
    start = day_ahead(2)
    world.book(start + timedelta(weeks=1), student=world.other_student)
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(start.isoformat()))
    browser.run(page.set_book_kind("series"))
    browser.run(page.set_book_weeks("3"))
    browser.run(page.hold())  # not checked yet
    assert page.book_error and count(Booking) == 1
    browser.run(page.check_series())
    assert page.series_checked and page.series_conflicts == 1
    assert [o.ok for o in page.occurrences] == [True, False, True]
    assert page.occurrences[1].alternatives and page.occurrences[1].reason
    fund_wallet(world.db, world.student.id, 4500, "EUR", commit=True)  # a series is held only when covered
    browser.run(page.hold())
    assert page.book_step == "held" and page.held_count == 2
    assert page.pay_series and page.pay_method == "wallet"  # card payments are one lesson at a time
    browser.run(page.set_pay_method("gateway"))
    assert page.pay_method == "wallet"
    browser.run(page.pay({}))
    assert page.book_step == "done" and page.pay_error == ""
    mine = fetch(Booking, col(Booking.student_id) == world.student.id)
    assert sorted(b.status for b in mine) == ["REQUESTED", "REQUESTED"] and all(b.kind == "series" for b in mine)


def test_the_dialog_explains_the_hold_limit(browser, world):
    """At 3 unpaid holds the dialog says so up front and a 4th hold is refused inline. Before: held."""
    for day in (2, 3, 4):
        world.book(day_ahead(day), confirm=False)
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(day_ahead(5).isoformat()))
    assert page.book_open and (page.unpaid_holds, page.max_unpaid_holds) == (3, 3)
    browser.run(page.hold())
    assert page.book_step == "form" and "3 lessons held and awaiting payment" in page.book_error
    assert "Pay for one or release it" in page.book_error and count(Booking) == 3


def test_a_series_needs_the_wallet_or_credits_and_the_dialog_says_how_much(browser, world):
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(day_ahead(2).isoformat()))
    browser.run(page.set_book_kind("series"))
    browser.run(page.set_book_weeks("3"))
    browser.run(page.check_series())
    browser.run(page.hold())
    assert page.book_step == "form" and "top up €67.50 more" in page.book_error and count(Booking) == 0
    fund_wallet(world.db, world.student.id, 6750, "EUR", commit=True)
    browser.run(page.hold())
    assert page.book_step == "held" and page.held_count == 3 and page.book_error == ""


def test_too_many_hold_attempts_are_a_clear_message(browser, world):
    """The 21st attempt within an hour is refused with a clear message (429 on the API)."""
    for _ in range(20):
        with pytest.raises(InvalidInput):
            bookings.create_booking(world.db, actor=world.student, tutor_id=world.tutor_id, start="soon",
                                    duration_min=60)
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(day_ahead(2).isoformat()))
    browser.run(page.hold())
    assert page.book_step == "form" and "Too many attempts to hold lessons" in page.book_error
    assert count(Booking) == 0


@pytest.mark.parametrize("weeks", ["1", "53", "x", "", "999", "²"])
def test_series_weeks_outside_2_to_52_are_ignored(browser, world, weeks):
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(day_ahead().isoformat()))
    browser.run(page.set_book_weeks(weeks))
    assert page.book_weeks == "4"


def test_a_visitor_signs_up_and_comes_back_to_the_chosen_time(browser, world):
    page = _open(browser, world)
    start = day_ahead().astimezone(ZoneInfo("America/New_York")).isoformat()  # "...-05:00": a sign in it
    events = browser.run(page.pick(start))
    [target] = redirects(events)
    assert not page.book_open and target.startswith("/signup?next=")
    back = parse_qs(urlsplit(target).query)["next"][0]
    assert back == f"/tutors/{world.tutor_id}?{urlencode({'book': start})}"
    # Sign-up (or log-in from there) carries `next` along, and lands back on it.
    browser.goto(target, route="/signup")
    signup = browser.state(SignupState)
    browser.run(signup.load())
    assert signup.next_path == back and signup.login_href == "/login?" + urlencode({"next": back})
    events = browser.run(signup.submit({"full_name": "Vera Visitor", "email": "vera@example.com",
                                        "password": "long-enough-pw", "role": "student",
                                        "timezone": "America/New_York"}))
    assert redirects(events) == [back]
    # The profile reopens the dialog on the chosen time.
    browser.goto(back, route="/tutors/[tutor_id]")
    browser.run(browser.app.load_viewer())
    page = browser.state(BookingState)
    browser.run(page.load())
    browser.run(page.resume())
    assert page.book_open and page.book_step == "form" and page._start == start


def test_book_a_trial_opens_the_dialog_on_the_first_free_time(browser, new_browser, world):
    visitor = _open(browser, world)
    [target] = redirects(browser.run(visitor.book_trial()))
    assert parse_qs(urlsplit(target).query)["next"][0] == f"/tutors/{world.tutor_id}?trial=1"
    tab = new_browser()
    page = _open(tab, world, world.student.email)
    first = next(slot.start for day in page.days for slot in day.slots)
    tab.run(page.book_trial())
    assert page.book_open and page.book_kind == "trial" and page._start == first
    tab.goto(f"/tutors/{world.tutor_id}?trial=1", route="/tutors/[tutor_id]")
    tab.run(page.close_done())
    tab.run(page.resume())  # after signing up with ?trial=1
    assert page.book_open and page.book_kind == "trial"


@pytest.mark.parametrize("who", ["tutor", "other_tutor", "admin"])
def test_tutors_and_admins_cannot_book(browser, world, who):
    page = _open(browser, world, getattr(world, who).email)
    events = browser.run(page.pick(day_ahead().isoformat()))
    assert toasts(events, "info") and not page.book_open
    browser.run(page.hold())
    assert count(Booking) == 0


@pytest.mark.parametrize("garbage", [None, 5, "", "tomorrow", "2027-01-01T10:00", "x" * 100, ["a"]])
def test_pick_ignores_garbage(browser, world, garbage):
    page = _open(browser, world, world.student.email)
    browser.run(page.pick(garbage))
    assert not page.book_open


# Strangers


def test_confirm_and_release_without_a_hold_change_nothing(new_browser, world):
    held = world.book(day_ahead(), confirm=False)
    stranger = new_browser()
    page = _open(stranger, world, world.other_student.email)
    stranger.run(page.pay({}))
    stranger.run(page.release())
    stranger.run(page.hold())  # no dialog open
    assert fetch(Booking, col(Booking.id) == held.id)[0].status == "PENDING_PAYMENT" and count(Booking) == 1


def test_a_hold_cannot_be_confirmed_after_the_session_changed_hands(new_browser, world):
    """The held id is only a backend var; the service re-checks who is asking on confirm."""
    b = new_browser()
    page = _open(b, world, world.student.email)
    b.run(page.pick(day_ahead().isoformat()))
    b.run(page.hold())
    b.login(world.other_student.email)  # same tab, another account's cookie
    fund_wallet(world.db, world.other_student.id, 10_000, "EUR", commit=True)  # money is not what stops it
    b.run(page.set_pay_method("wallet"))
    b.run(page.pay({}))
    assert page.pay_error and page.book_step == "held"
    assert [x.status for x in fetch(Booking)] == ["PENDING_PAYMENT"]
    b.set_cookie("")
    b.run(page.release())
    assert [x.status for x in fetch(Booking)] == ["PENDING_PAYMENT"]


def test_dialog_times_fall_back_to_utc_for_an_unknown_zone():
    from datetime import UTC, datetime

    from tutorhub.state.lesson_views import in_zone

    moment = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
    assert in_zone(moment, "Asia/Kolkata") == "2027-03-01T22:30:00+05:30"
    for zone in ("", "Mars/Olympus", "../etc/passwd"):
        assert in_zone(moment, zone) == "2027-03-01T17:00:00+00:00"
