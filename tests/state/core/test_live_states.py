"""Live updates at the state level: page loads start their watchers, and the live re-read of a
tutor's week drops a time someone else just took (without touching the viewer's other vars)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.state.conftest import chained
from tests.support.booking import open_all_week
from tests.support.booking_world import day_ahead, make_world
from tutorhub.integrations import broker
from tutorhub.models import Role
from tutorhub.services.booking import bookings
from tutorhub.services.scheduling import shared_weeks
from tutorhub.state import live
from tutorhub.state.booking.lessons import MyLessonsState
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.scheduling.tutor_times import TutorSlotsState


def test_profile_load_starts_the_watcher_and_a_live_refresh_drops_a_taken_time(
    browser, db, make_user, make_approved_tutor
):
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=datetime.now(UTC), min_notice_hours=0, lesson_lengths=[60])
    browser.app.browser_tz = "UTC"
    browser.goto(f"/tutors/{tutor_id}", route="/tutors/[tutor_id]")
    page = browser.state(TutorSlotsState)
    broker.publish("tutor:0:slots", {"type": "slots"})  # the hint counter is not at 0
    events = browser.run(page.load())
    assert "watch_slots" in chained(events)
    # The mark the watcher compares with (no lost hints) was taken for this load.
    assert page._live_mark == live.mark() > 0
    before = page.slot_count
    assert before > 0

    taker = make_user(Role.STUDENT, timezone="UTC")
    first_shown = next(s.start for d in page.days for s in d.slots)  # a time on the open page
    start = datetime.fromisoformat(first_shown)
    bookings.create_booking(db, actor=taker, tutor_id=tutor_id, start=start, duration_min=60, kind="single")
    db.commit()

    shared_weeks.clear()
    browser.run(page._live_refresh(time.monotonic()))
    assert page.slot_count < before
    shown = {s.start[:16] for d in page.days for s in d.slots}
    assert first_shown[:16] not in shown
    shared_weeks.clear()


def test_hidden_profile_starts_no_watcher(browser):
    browser.app.browser_tz = "UTC"
    browser.goto("/tutors/999999", route="/tutors/[tutor_id]")
    page = browser.state(TutorSlotsState)
    events = browser.run(page.load())
    assert page.slots_status == "hidden"
    assert "watch_slots" not in chained(events)


def test_lesson_page_and_my_lessons_start_watchers_for_parties_only(browser, new_browser, db, make_user,
                                                                   make_approved_tutor):
    world = make_world(db, make_user, make_approved_tutor)
    b = world.book(day_ahead(2, hour=14))

    browser.login(world.student.email)
    browser.goto(f"/lessons/{b.id}", route="/lessons/[booking_id]")
    lesson = browser.state(LessonChangeState)
    assert "watch_lesson" in chained(browser.run(lesson.load()))
    browser.goto("/lessons")
    mine = browser.state(MyLessonsState)
    assert "watch_lessons" in chained(browser.run(mine.load()))

    stranger = new_browser()
    stranger.login(world.other_student.email)
    stranger.goto(f"/lessons/{b.id}", route="/lessons/[booking_id]")
    theirs = stranger.state(LessonChangeState)
    events = stranger.run(theirs.load())
    assert theirs.lesson_status == "notfound" and "watch_lesson" not in chained(events)
    anonymous = new_browser()
    anonymous.goto("/lessons")
    assert "watch_lessons" not in chained(anonymous.run(anonymous.state(MyLessonsState).load()))
