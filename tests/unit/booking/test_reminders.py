"""Lesson reminders with a controllable clock: exactly once, catch-up, cancellations, DST."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.booking import NOW, at
from tests.support.notify import add_guardian, count, rows
from tutorhub.db import session_scope
from tutorhub.jobs.scheduler import LeaderGate, send_reminders
from tutorhub.models import JobRun, Notification, OutboxMessage, ReminderLog
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking.reminders import run_reminders


def _kinds(booking_id: int) -> list[tuple[int, str]]:
    return sorted((r.recipient_user_id, r.kind) for r in rows(ReminderLog, ReminderLog.booking_id == booking_id))


def test_24h_and_1h_reminders_reach_student_and_tutor_once(env):
    lesson = env.book(at(3, 10), confirm=True)
    start = at(3, 10)
    assert run_reminders(now=start - timedelta(hours=24, minutes=1)) == {"sent": 0, "skipped": 0}
    assert run_reminders(now=start - timedelta(hours=24))["sent"] == 2
    assert run_reminders(now=start - timedelta(hours=23))["sent"] == 0  # nothing new
    assert run_reminders(now=start - timedelta(hours=1))["sent"] == 2
    assert run_reminders(now=start - timedelta(minutes=30))["sent"] == 0
    assert _kinds(lesson.id) == sorted([(env.student.id, "24h"), (env.tutor.id, "24h"),
                                        (env.student.id, "1h"), (env.tutor.id, "1h")])
    bell = rows(Notification, Notification.user_id == env.student.id, Notification.kind == "reminder")
    assert sorted(n.title for n in bell) == ["Reminder: lesson in 1 hour", "Reminder: lesson in 24 hours"]
    assert all(n.link == f"/lessons/{lesson.id}" for n in bell)
    # email is on by default for reminders, shown in the recipient's own zone (student: New York)
    mails = rows(OutboxMessage, OutboxMessage.recipient == env.student.email,
                 OutboxMessage.subject == "Reminder: lesson in 24 hours")
    assert len(mails) == 1 and "(New York time)" in mails[0].body and "05:00" in mails[0].body
    assert "Thu 4 Mar" in mails[0].body and "T05:00" not in mails[0].body  # a human date, not ISO


def test_guardian_gets_email_and_is_logged_separately(env):
    add_guardian(env.student.id, email="mum@example.com")
    lesson = env.book(at(3, 10), confirm=True)
    assert run_reminders(now=at(2, 10))["sent"] == 3
    assert (env.student.id, "guardian_24h") in _kinds(lesson.id)
    [mail] = rows(OutboxMessage, OutboxMessage.recipient == "mum@example.com")
    assert "Student" in mail.body and "24 hours" in mail.body
    assert run_reminders(now=at(2, 11))["sent"] == 0


def test_three_concurrent_scheduler_instances_send_each_reminder_once(env):
    """Leadership bypassed (as when a slow leader's lease lapses mid-run): the unique log alone
    must keep every (lesson, recipient, kind) to one reminder."""
    lessons = [env.book(at(3, h), confirm=True) for h in (9, 11, 13)]
    add_guardian(env.student.id)

    def round_at(now: datetime) -> int:
        barrier = threading.Barrier(3)

        def one(i: int) -> dict[str, int]:
            barrier.wait()
            return run_reminders(now=now, holder=f"proc-{i}")

        with ThreadPoolExecutor(3) as pool:
            return sum(r["sent"] for r in pool.map(one, range(3)))

    assert round_at(at(2, 13)) == 9  # 3 lessons × (student, tutor, guardian), 24 h
    assert round_at(at(2, 13, 1)) == 0
    assert round_at(at(3, 12, 30)) == 3  # only the 13:00 lesson has not started: its 1 h reminders
    keys = [(r.booking_id, r.recipient_user_id, r.kind) for r in rows(ReminderLog)]
    assert len(keys) == len(set(keys)) == 12
    assert {k[0] for k in keys} == {b.id for b in lessons}
    assert count(Notification, Notification.kind == "reminder") == 8  # guardians have no bell
    assert count(OutboxMessage, OutboxMessage.recipient == "parent@example.com") == 4


def test_only_the_leader_runs_the_job_among_three_instances(env):
    lesson = env.book(at(3, 10), confirm=True)
    now = at(2, 10)
    gates = [LeaderGate(holder=f"proc-{i}", clock=lambda: now) for i in range(3)]
    barrier = threading.Barrier(3)

    def tick(gate: LeaderGate):
        barrier.wait()
        return gate.run("send_reminders", lambda: send_reminders(now=now))

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(tick, gates))
    ran = [r for r in results if r is not None]
    assert len(ran) == 1 and ran[0].outcome == "ok" and "sent=2" in ran[0].detail
    assert count(JobRun) == 1
    assert len(_kinds(lesson.id)) == 2


def test_a_restarted_scheduler_sends_no_duplicates(env):
    lesson = env.book(at(3, 10), confirm=True)
    first = LeaderGate(holder="before-restart", clock=lambda: at(2, 10))
    first.run("send_reminders", lambda: send_reminders(now=at(2, 10)))
    # the old process died without releasing; the new one takes over once the lease expires
    later = at(2, 10, 2)
    second = LeaderGate(holder="after-restart", clock=lambda: later)
    result = second.run("send_reminders", lambda: send_reminders(now=later))
    assert result is not None and "sent=0" in result.detail
    assert len(_kinds(lesson.id)) == 2


def test_outage_catch_up_while_still_useful(env):
    lesson = env.book(at(3, 10), confirm=True)
    start = at(3, 10)
    # down from 5 min before the 24 h instant until 25 min after: sent on the first run after
    assert run_reminders(now=start - timedelta(hours=24) + timedelta(minutes=25))["sent"] == 2
    other = env.book(at(4, 10), confirm=True)
    # a much longer outage: by 30 min before the lesson only the 1 h reminder is still useful
    assert run_reminders(now=at(4, 9, 30))["sent"] == 2
    assert sorted(k for _, k in _kinds(other.id)) == ["1h", "1h"]
    third = env.book(at(5, 10), confirm=True)
    # the lesson has started: nothing at all
    assert run_reminders(now=at(5, 10, 1))["sent"] == 0
    assert _kinds(third.id) == []
    assert len(_kinds(lesson.id)) == 2


def test_no_reminder_for_a_cancelled_lesson(env):
    lesson = env.book(at(3, 10), confirm=True)
    with session_scope() as session:
        booking_changes.cancel_booking(session, actor=env.student, booking_id=lesson.id, now=NOW)
    assert run_reminders(now=at(2, 10))["sent"] == 0
    assert run_reminders(now=at(3, 9))["sent"] == 0
    assert _kinds(lesson.id) == []


def test_lesson_booked_under_24h_ahead_gets_only_the_1h_reminder(env):
    lesson = env.book(at(3, 23), confirm=True, now=at(2, 17))  # booked 30 h ahead: gets the 24 h one
    assert run_reminders(now=at(2, 23))["sent"] == 2
    late = env.book(at(4, 10), confirm=True, now=at(3, 22))  # 12 h ahead
    run_reminders(now=at(3, 22, 1))  # the first lesson's 1 h reminders
    assert _kinds(late.id) == []  # its 24 h instant (3/10:00) was before it was booked
    assert run_reminders(now=at(4, 9))["sent"] == 2
    assert sorted(k for _, k in _kinds(late.id)) == ["1h", "1h"]
    assert len(_kinds(lesson.id)) == 4


def _utc(local: str, zone: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_dst_crossing_lessons_are_reminded_24_real_hours_before(env):
    # Europe/Berlin springs forward on 2027-03-28; America/New_York on 2027-03-14.
    for local, zone in (("2027-03-28 09:00", "Europe/Berlin"), ("2027-03-14 10:00", "America/New_York")):
        start = _utc(local, zone)
        lesson = env.book(start, confirm=True)
        due = start - timedelta(hours=24)
        same_time_yesterday = _utc(str(datetime.fromisoformat(local) - timedelta(days=1)), zone)
        # the wall-clock "same time yesterday" is 23 real hours before, not 24: not our instant
        assert start - same_time_yesterday == timedelta(hours=23)
        assert run_reminders(now=due - timedelta(minutes=1))["sent"] == 0
        assert run_reminders(now=due)["sent"] == 2
        [log] = rows(ReminderLog, ReminderLog.booking_id == lesson.id, ReminderLog.recipient_user_id == env.tutor.id)
        assert log.due_at == due


def test_a_rescheduled_lesson_is_reminded_for_its_new_time_only(env):
    lesson = env.book(at(3, 10), confirm=True)
    assert run_reminders(now=at(2, 10))["sent"] == 2  # 24 h before the original time
    with session_scope() as session:
        booking_changes.reschedule_booking(session, actor=env.student, booking_id=lesson.id, start=at(4, 10), now=at(2, 12))
    assert run_reminders(now=at(3, 9))["sent"] == 0  # the old time's 1 h reminder is gone with it
    assert run_reminders(now=at(3, 10))["sent"] == 2  # 24 h before the new time
    assert run_reminders(now=at(4, 9))["sent"] == 2
    assert run_reminders(now=at(4, 9, 30))["sent"] == 0
    logs = rows(ReminderLog, ReminderLog.booking_id == lesson.id)
    assert sorted((r.lesson_start_at, r.kind) for r in logs if r.recipient_user_id == env.student.id) == [
        (at(3, 10), "24h"), (at(4, 10), "1h"), (at(4, 10), "24h")]
