"""The /home page: a tutor's day and a student's next lessons as display rows; visitors are sent to
log in and admins to their own pages."""

from __future__ import annotations

import pytest

from tests.state.conftest import redirects
from tests.support.booking_world import day_ahead, make_world
from tutorhub.state.dashboards.role_home import RoleHomeState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=False)


def _open(browser, email: str | None = None) -> tuple[RoleHomeState, list]:
    if email:
        browser.login(email)
    browser.goto("/home")
    browser.run(browser.app.load_viewer())
    page = browser.state(RoleHomeState)
    return page, browser.run(page.load())


def test_tutor_home_shows_requests_waiting_and_student_home_the_next_lessons(browser, new_browser, world):
    booked = world.book(day_ahead(2, hour=14))
    tutor, _ = _open(browser, world.tutor.email)
    assert tutor.status == "ready" and tutor.is_tutor and tutor.greeting.startswith("Hello")
    assert [r.id for r in tutor.requests] == [booked.id] and tutor.requests_total == 1
    assert tutor.requests[0].with_whom == "with Sam Student" and tutor.requests[0].href == f"/lessons/{booked.id}"
    assert tutor.money and tutor.money[0].amount  # the paid request is held in escrow
    student_tab = new_browser()
    student, _ = _open(student_tab, world.student.email)
    assert student.status == "ready" and not student.is_tutor
    assert [r.id for r in student.lessons] == [booked.id] and student.requests == [] and student.money == []


def test_visitors_log_in_first_and_admins_go_to_their_pages(browser, new_browser, world):
    _page, events = _open(browser)
    assert redirects(events) == ["/login?next=%2Fhome"]
    _page, events = _open(new_browser(), world.admin.email)
    assert redirects(events) == ["/admin/verification"]
