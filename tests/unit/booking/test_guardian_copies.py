"""Linked guardian accounts get copies of the student's lesson messages and reminders, each
through the guardian's own notification preferences and time zone; an unlinked (or never linked)
guardian gets nothing, and each reminder still goes once per recipient."""

from __future__ import annotations

from datetime import timedelta

from tests.support.booking import at
from tests.support.guardians import link_guardian
from tests.support.notify import rows
from tutorhub.db import session_scope
from tutorhub.models import Notification, OutboxMessage, ReminderLog, Role
from tutorhub.services.booking.reminders import run_reminders
from tutorhub.services.learning import guardians
from tutorhub.services.messaging.preferences import save_preferences


def _family(env, *, email="mum@example.com", zone="Asia/Kolkata"):
    parent = env.make_user(Role.GUARDIAN, email=email, timezone=zone)
    link_guardian(env.db, env.student, parent)
    return parent


def test_linked_guardian_gets_reminders_in_their_zone_once(env):
    parent = _family(env)
    stranger = env.make_user(Role.GUARDIAN, email="stranger@example.com")
    lesson = env.book(at(3, 10), confirm=True)
    start = at(3, 10)
    assert run_reminders(now=start - timedelta(hours=24))["sent"] == 3  # student, tutor, guardian
    assert run_reminders(now=start - timedelta(hours=23))["sent"] == 0
    logs = rows(ReminderLog, ReminderLog.booking_id == lesson.id, ReminderLog.recipient_user_id == parent.id)
    assert [r.kind for r in logs] == ["24h"]
    [bell] = rows(Notification, Notification.user_id == parent.id, Notification.kind == "reminder")
    assert bell.link == "/guardian" and env.student.full_name in bell.title
    [mail] = rows(OutboxMessage, OutboxMessage.recipient == "mum@example.com",
                  OutboxMessage.subject.like("%Reminder%"))  # type: ignore[attr-defined]
    assert "(India time)" in mail.body or "IST" in mail.body or "Kolkata" in mail.body
    assert rows(Notification, Notification.user_id == stranger.id) == []


def test_guardian_preferences_decide_the_channels(env):
    parent = _family(env, email="quiet@example.com")
    with session_scope() as session:
        save_preferences(session, actor=parent, enabled=[])  # bell only
    env.book(at(3, 10), confirm=True)
    run_reminders(now=at(2, 10))
    assert rows(Notification, Notification.user_id == parent.id, Notification.kind == "reminder")
    assert rows(OutboxMessage, OutboxMessage.recipient == "quiet@example.com",
                OutboxMessage.subject.like("%Reminder%")) == []  # type: ignore[attr-defined]


def test_lesson_messages_are_copied_and_stop_after_unlinking(env):
    parent = _family(env)
    env.book(at(3, 10), confirm=True)  # "Lesson confirmed" to the student
    copies = rows(Notification, Notification.user_id == parent.id, Notification.kind == "booking")
    assert [n.title for n in copies] == [f"{env.student.full_name}: Lesson confirmed"]
    assert copies[0].link == "/guardian" and "For " in copies[0].body
    link = guardians.list_my_guardians(env.db, actor=env.student)[0]
    guardians.unlink_guardian(env.db, actor=env.student, link_id=link.id)
    env.db.commit()
    env.book(at(4, 10), confirm=True)
    assert len(rows(Notification, Notification.user_id == parent.id, Notification.kind == "booking")) == 1
    assert run_reminders(now=at(3, 10) - timedelta(hours=24))["sent"] == 2  # student and tutor only
