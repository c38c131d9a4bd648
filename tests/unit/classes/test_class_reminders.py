"""Class-session reminders with a controlled clock: 24 h and 1 h before each session, to enrolled
students (and guardians) and the tutor, exactly once, with catch-up and cancellations."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.support.booking import NOW
from tests.support.classes import funded_students, published_class
from tests.support.notify import add_guardian
from tutorhub.db import session_scope
from tutorhub.jobs.scheduler import send_reminders
from tutorhub.models import ClassReminderLog, Notification, OutboxMessage
from tutorhub.services.classes import classes, seats
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.classes.class_reminders import run_class_reminders


def _logs() -> list[tuple[int, int, str]]:
    with session_scope(read_only=True) as s:
        return sorted((r.session_id, r.recipient_user_id, r.kind) for r in s.exec(select(ClassReminderLog)).all())


def _bell(user_id: int) -> list[Notification]:
    with session_scope(read_only=True) as s:
        return list(s.exec(select(Notification).where(Notification.user_id == user_id,
                                                      Notification.kind == "reminder")).all())


def _world(env, capacity: int = 2):
    class_id = published_class(env.db, env.tutor, NOW, capacity=capacity, min_size=1,
                               rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=2")
    students = funded_students(env.db, env.make_user, 3)
    for s in students:
        seats.enrol(env.db, actor=s, class_id=class_id, now=NOW)
    env.db.commit()
    return class_id, students, class_sessions(env.db, class_id)


def test_each_session_reminds_enrolled_students_and_the_tutor_24h_and_1h_once(env):
    _, (a, b, waiting), (first, second) = _world(env)
    start = first.start_at
    assert run_class_reminders(now=start - timedelta(hours=24, minutes=1)) == {"class_sent": 0, "class_skipped": 0}
    assert run_class_reminders(now=start - timedelta(hours=24))["class_sent"] == 3  # a, b and the tutor
    assert run_class_reminders(now=start - timedelta(hours=23))["class_sent"] == 0  # never twice
    assert run_class_reminders(now=start - timedelta(hours=1))["class_sent"] == 3
    assert run_class_reminders(now=start - timedelta(minutes=5))["class_sent"] == 0
    who = {(uid, kind) for sid, uid, kind in _logs() if sid == first.id}
    assert who == {(u, k) for u in (a.id, b.id, env.tutor.id) for k in ("24h", "1h")}
    assert _bell(waiting.id) == []  # the waitlist is not reminded
    titles = sorted(n.title for n in _bell(a.id))
    assert titles == ["Reminder: Algebra club in 1 hour", "Reminder: Algebra club in 24 hours"]
    assert all(n.link.startswith("/classes/") for n in _bell(a.id))
    assert any("Session 1" in n.body and "Berlin" not in n.body for n in _bell(a.id))  # the student's own zone
    assert run_class_reminders(now=second.start_at - timedelta(hours=1))["class_sent"] == 3  # the next session


def test_after_an_outage_only_the_reminder_still_useful_goes_out(env):
    _, _, (first, _) = _world(env)
    assert run_class_reminders(now=first.start_at - timedelta(minutes=30))["class_sent"] == 3
    assert {kind for _, _, kind in _logs()} == {"1h"}
    assert run_class_reminders(now=first.start_at + timedelta(minutes=1))["class_sent"] == 0  # started: none


def test_late_joiners_cancelled_sessions_and_leavers_get_no_stale_reminder(env):
    class_id, (a, b, waiting), (first, second) = _world(env)
    day_before = first.start_at - timedelta(hours=24)
    seats.leave(env.db, actor=a, class_id=class_id, now=day_before - timedelta(hours=1))  # waiting gets the offer
    seats.enrol(env.db, actor=waiting, class_id=class_id, now=day_before - timedelta(minutes=30))
    classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=second.id, now=NOW)
    env.db.commit()
    assert run_class_reminders(now=day_before)["class_sent"] == 3  # b, the tutor, and the newcomer
    run_class_reminders(now=first.start_at - timedelta(hours=1))
    assert a.id not in {uid for _, uid, _ in _logs()}
    assert {sid for sid, _, _ in _logs()} == {first.id}  # the cancelled session is never reminded
    assert run_class_reminders(now=second.start_at - timedelta(hours=1))["class_sent"] == 0


def test_a_student_enrolled_after_the_24h_mark_gets_only_the_1h_reminder(env):
    class_id = published_class(env.db, env.tutor, NOW, capacity=3, min_size=1, rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=1")
    [first] = class_sessions(env.db, class_id)
    [late] = funded_students(env.db, env.make_user, 1)
    seats.enrol(env.db, actor=late, class_id=class_id, now=first.start_at - timedelta(hours=5))
    env.db.commit()
    run_class_reminders(now=first.start_at - timedelta(hours=4))
    run_class_reminders(now=first.start_at - timedelta(hours=1))
    assert [kind for _, uid, kind in _logs() if uid == late.id] == ["1h"]


def test_guardians_get_an_email_and_the_job_runs_both_kinds(env):
    _, (a, _, _), (first, _) = _world(env)
    add_guardian(a.id, email="mum@example.com")
    out = send_reminders(now=first.start_at - timedelta(hours=24))
    assert out["class_sent"] == 4 and out["sent"] == 0  # no lessons; a, b, the tutor and a's guardian
    with session_scope(read_only=True) as s:
        [mail] = s.exec(select(OutboxMessage).where(OutboxMessage.recipient == "mum@example.com")).all()
    assert "Algebra club" in mail.body and "24 hours" in mail.body
    assert send_reminders(now=first.start_at - timedelta(hours=23))["class_sent"] == 0
