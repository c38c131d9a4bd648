"""The admins' dispute screen shows the video room's join/leave evidence beside each disputed lesson
("the tutor joined 10:02, left 10:40 · the student never joined"), from the stays the room page
reported with the participant's own join token."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking_world import day_ahead, make_world
from tutorhub.services.learning import lessons
from tutorhub.services.rooms import presence, rooms
from tutorhub.state.money.admin_finance import AdminDisputesState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=True)


def test_admin_sees_who_was_in_the_room_beside_the_dispute(browser, new_browser, world):
    b = world.book(day_ahead(2, hour=10))
    start = b.start
    room = rooms.booking_room(world.db, actor=world.tutor, booking_id=b.id, now=start, sfu=None)
    presence.report_presence(world.db, token=room.token, event="joined", now=start + timedelta(minutes=2))
    lessons.start_lesson(world.db, actor=world.tutor, booking_id=b.id, now=start + timedelta(minutes=3))
    presence.report_presence(world.db, token=room.token, event="left", now=start + timedelta(minutes=40))
    lessons.complete_lesson(world.db, actor=world.tutor, booking_id=b.id, now=start + timedelta(minutes=60))
    lessons.dispute_lesson(world.db, actor=world.student, booking_id=b.id, reason="the student says: no tutor",
                           now=start + timedelta(hours=2))
    world.db.commit()
    undisputed = world.book(day_ahead(3, hour=10))  # no dispute: not on the screen, whatever its room says

    page, _ = browser.open(AdminDisputesState, "/admin/disputes", world.admin.email)  # the admin's zone: UTC
    [row] = page.rows
    assert row.id == b.id and row.id != undisputed.id
    assert row.video == "the tutor joined 10:02, left 10:40 · the student never joined"

    tutor_view, _ = new_browser().open(AdminDisputesState, "/admin/disputes", world.tutor.email)
    assert tutor_view.rows == []  # the evidence is for admins
