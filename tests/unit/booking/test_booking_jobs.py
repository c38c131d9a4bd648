"""Time-driven transitions with a controllable `now`, and their scheduler registration."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.support.booking import NOW, at, open_all_week
from tutorhub.jobs import scheduler
from tutorhub.models import Booking, BookingEvent, TutorProfile
from tutorhub.services.booking import timeouts as booking_jobs
from tutorhub.services.learning import lessons
from tutorhub.services.scheduling import slots

START = at(3, 10)


def status(env, booking_id):
    env.db.expire_all()
    return env.db.get(Booking, booking_id).status


def test_holds_expire_after_15_minutes_and_free_the_slot(env):
    held = env.book(START)
    assert booking_jobs.expire_holds(env.db, now=NOW + timedelta(minutes=14, seconds=59)) == 0
    assert booking_jobs.expire_holds(env.db, now=NOW + timedelta(minutes=15)) == 1
    env.db.commit()
    assert status(env, held.id) == "EXPIRED"
    event = env.db.exec(select(BookingEvent).where(BookingEvent.action == "expire")).one()
    assert (event.actor_role, event.actor_id, event.from_status) == ("system", None, "PENDING_PAYMENT")
    page = slots.get_slots(env.db, tutor_id=env.tutor_id, start=START, end=START + timedelta(hours=1), duration=60,
                           now=NOW)
    assert len(page.slots) == 1
    assert booking_jobs.expire_holds(env.db, now=NOW + timedelta(hours=1)) == 0  # idempotent


def test_unanswered_requests_are_declined_after_24_hours(env):
    open_all_week(env.db, env.tutor, instant_booking=False)
    req = env.book(START, confirm=True)
    assert booking_jobs.auto_decline_requests(env.db, now=NOW + timedelta(hours=23, minutes=59)) == 0
    assert booking_jobs.auto_decline_requests(env.db, now=NOW + timedelta(hours=24)) == 1
    row = env.db.get(Booking, req.id)
    assert (row.status, row.refund_percent, row.refund_status) == ("DECLINED", 100, "DUE")
    event = env.db.exec(select(BookingEvent).where(BookingEvent.action == "auto_decline")).one()
    assert event.actor_role == "system" and "24 hours" in event.reason


def test_requests_whose_lesson_time_came_are_declined(env):
    open_all_week(env.db, env.tutor, instant_booking=False, min_notice_hours=0)
    req = env.book(at(0, 10), confirm=True)  # two hours after NOW, due in 24 h
    assert booking_jobs.auto_decline_requests(env.db, now=at(0, 10)) == 1
    assert status(env, req.id) == "DECLINED"


def test_completed_lessons_settle_after_the_dispute_window(env):
    booked = env.book(START, confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    end = START + timedelta(hours=1)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=end)
    assert booking_jobs.settle_lessons(env.db, now=end + timedelta(hours=47)) == 0
    assert booking_jobs.settle_lessons(env.db, now=end + timedelta(hours=48)) == 1
    assert status(env, booked.id) == "SETTLED"
    assert booking_jobs.settle_lessons(env.db, now=end + timedelta(hours=49)) == 0


def test_disputed_lessons_do_not_settle(env):
    booked = env.book(START, confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, end_early=True, now=START)
    lessons.dispute_lesson(env.db, actor=env.student, booking_id=booked.id, reason="No", now=START)
    assert booking_jobs.settle_lessons(env.db, now=START + timedelta(days=10)) == 0


def test_no_shows_settle_too(env):
    booked = env.book(START, confirm=True)
    lessons.report_no_show(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=15))
    assert booking_jobs.settle_lessons(env.db, now=START + timedelta(hours=49)) == 1


def test_forgotten_lessons_complete_automatically_48_hours_after_their_end(env):
    confirmed = env.book(START, confirm=True)
    running = env.book(START + timedelta(hours=2), confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=running.id, now=START + timedelta(hours=2))
    end = START + timedelta(hours=3)
    assert lessons.auto_complete_lessons(env.db, now=end + timedelta(hours=47)) == 1  # only the first
    assert lessons.auto_complete_lessons(env.db, now=end + timedelta(hours=48)) == 1
    assert status(env, confirmed.id) == status(env, running.id) == "COMPLETED"
    assert env.db.get(TutorProfile, env.tutor_id).minutes_taught == 120


def test_the_scheduler_runs_the_booking_jobs_often(env, monkeypatch):
    jobs = {job.id: job for job in scheduler.build_scheduler().get_jobs()}
    assert "minute='*'" in str(jobs["booking_minutely"].trigger)
    assert "minute='*/15'" in str(jobs["booking_quarter_hourly"].trigger)
    assert "hour='3'" in str(jobs["refresh_tutor_stats"].trigger)
    held = env.book(START)
    counts = scheduler.booking_minutely(now=NOW + timedelta(minutes=16))
    assert counts == {"expired_holds": 1, "auto_declined": 0, "enquiries_settled": 0}
    assert status(env, held.id) == "EXPIRED"
    assert scheduler.booking_quarter_hourly(now=NOW) == {"auto_completed": 0, "settled": 0, "credited_back": 0}
    assert scheduler.refresh_tutor_stats(now=NOW) >= 1
