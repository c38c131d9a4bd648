"""'My lessons': tabs, paging, the other party's time, a tutor's requests, and strangers."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col

from tests.state.conftest import fetch, redirects, toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.models.bookings import Booking
from tutorhub.state.base import AppState
from tutorhub.state.booking.lessons import MyLessonsState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=False)


def _open(browser, email: str | None = None, url: str = "/lessons") -> MyLessonsState:
    if email:
        browser.login(email)
    browser.goto(url, route="/lessons")
    browser.run(browser.app.load_viewer())
    page = browser.state(MyLessonsState)
    browser.run(page.load())
    return page


def test_student_sees_upcoming_in_their_zone_with_the_tutors_time(browser, world):
    start = day_ahead(2, hour=14)
    world.book(start)
    page = _open(browser, world.student.email)
    assert page.lessons_status == "ready" and not page.is_tutor and page.requests == []
    [row] = page.rows
    local = start.astimezone(ZoneInfo("America/New_York"))
    assert row.when.endswith(f"{local:%H}:00–{local.hour + 1:02d}:00")
    assert row.other_time == "14:00 for your tutor" and row.status_label and row.color == "orange"
    assert row.with_whom.startswith("with ")
    browser.run(page.set_tab("past"))
    assert page.tab == "past" and page.rows == []


def test_tutor_sees_requests_accepts_and_declines(browser, world):
    a = world.book(day_ahead(2))
    b = world.book(day_ahead(3), student=world.other_student)
    page = _open(browser, world.tutor.email)
    assert page.is_tutor and [r.id for r in page.requests] == [a.id, b.id]
    assert browser.app.pending_requests == 2
    assert "for your student" in page.requests[0].other_time
    events = browser.run(page.accept(a.id))
    assert toasts(events, "success")
    assert browser.app.pending_requests == 1  # the badge clears without another page load
    browser.run(page.decline(b.id))
    assert browser.app.pending_requests == 0
    status = {x.id: x.status for x in fetch(Booking)}
    assert status == {a.id: "CONFIRMED", b.id: "DECLINED"} and page.requests == []


def test_paging(browser, world):
    for d in range(12):
        world.book(day_ahead(2) + timedelta(days=d))
    page = _open(browser, world.student.email)
    assert len(page.rows) == 10 and page.pages == 2
    browser.run(page.go_page(2))
    assert len(page.rows) == 2 and page.page == 2
    for garbage in (0, 3, "2", True, None):
        browser.run(page.go_page(garbage))
        assert page.page == 2


def test_anonymous_is_sent_to_login_and_admin_is_not_allowed(browser, new_browser, world):
    page = browser.state(MyLessonsState)
    browser.goto("/lessons")
    assert redirects(browser.run(page.load())) == ["/login?next=%2Flessons"]
    admin = new_browser()
    assert _open(admin, world.admin.email).lessons_status == "forbidden"


def test_a_student_sees_only_their_own_lessons(browser, world):
    world.book(day_ahead(2), student=world.other_student)
    assert _open(browser, world.student.email).rows == []


@pytest.mark.parametrize("who", [None, "student", "other_student", "other_tutor", "admin"])
@pytest.mark.parametrize("handler", ["accept", "decline"])
def test_strangers_cannot_answer_a_request(new_browser, world, who, handler):
    booking = world.book(day_ahead(2))
    b = new_browser()
    if who:
        b.login(getattr(world, who).email)
    page = b.state(MyLessonsState)
    b.goto("/lessons")
    events = b.run(getattr(page, handler)(booking.id))
    assert toasts(events, "error") or redirects(events)
    assert fetch(Booking, col(Booking.id) == booking.id)[0].status == "REQUESTED"


@pytest.mark.parametrize("garbage", [None, "x", -1, True, 2**40, "1; drop", "²"])
def test_answer_ignores_garbage_ids(browser, world, garbage):
    booking = world.book(day_ahead(2))
    page = _open(browser, world.tutor.email)
    browser.run(page.accept(garbage))
    assert fetch(Booking, col(Booking.id) == booking.id)[0].status == "REQUESTED"


def test_pending_badge_only_for_tutors(browser, world):
    world.book(day_ahead(2))
    browser.login(world.student.email)
    browser.run(browser.app.load_viewer())
    assert browser.state(AppState).pending_requests == 0
