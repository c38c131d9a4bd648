"""Admin: flagged tutors (resolve) and the bookings overview; nobody else gets either."""

from __future__ import annotations

import pytest

from tests.state.conftest import fetch, redirects, toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.models.bookings import TutorFlag
from tutorhub.services.booking import changes as booking_changes
from tutorhub.state.booking.admin_bookings import AdminBookingsState, AdminFlagsState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    w = make_world(db, make_user, make_approved_tutor, instant=True)
    for d in (2, 3, 4):
        b = w.book(day_ahead(d))
        booking_changes.cancel_booking(db, actor=w.tutor, booking_id=b.id, reason="busy")
    w.book(day_ahead(5))
    db.commit()
    return w


def test_admin_sees_and_resolves_flags(browser, world):
    page, _ = browser.open(AdminFlagsState, "/admin/flags", world.admin.email)
    [flag] = page.flags
    assert flag.count == 3 and not flag.resolved
    events = browser.run(page.resolve({"flag_id": str(flag.id), "notes": "talked to them"}))
    assert toasts(events, "success") and page.flags == []
    browser.run(page.toggle_resolved(True))
    assert page.flags[0].resolved and page.flags[0].notes == "talked to them"


def test_admin_bookings_overview_filters_and_pages(browser, world):
    page, _ = browser.open(AdminBookingsState, "/admin/bookings", world.admin.email)
    assert page.total == 4
    browser.run(page.set_filter("CANCELLED"))
    assert page.total == 3 and all(r.status == "CANCELLED" for r in page.rows)
    browser.run(page.set_filter("NOPE"))
    assert page.filter_status == "CANCELLED"
    browser.run(page.set_filter("all"))
    assert page.total == 4
    assert page.pages == 1
    for garbage in (0, 2, "1", True, None, 2**40):
        browser.run(page.go_page(garbage))
        assert page.page == 1 and page.total == 4


@pytest.mark.parametrize("who", [None, "student", "tutor"])
def test_non_admins_get_nothing_and_cannot_resolve(new_browser, world, who):
    flag_id = fetch(TutorFlag)[0].id
    b = new_browser()
    email = getattr(world, who).email if who else None
    flags, events = b.open(AdminFlagsState, "/admin/flags", email)
    assert flags.flags == [] and (flags.status == "forbidden" or redirects(events))
    overview, events = b.open(AdminBookingsState, "/admin/bookings", email)
    assert overview.rows == [] and (overview.status == "forbidden" or redirects(events))
    events = b.run(flags.resolve({"flag_id": str(flag_id), "notes": "me"}))
    assert toasts(events, "error")
    assert fetch(TutorFlag)[0].resolved_at is None
