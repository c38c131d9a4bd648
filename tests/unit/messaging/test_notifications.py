"""In-app notifications, channel preferences and booking events routed through them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.booking import at
from tests.support.notify import count, rows
from tutorhub.db import session_scope
from tutorhub.models import Notification, NotificationPreference, OutboxMessage, User
from tutorhub.services.errors import InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.messaging import notifications as notes
from tutorhub.services.messaging import preferences as prefs

T = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def _notify(user_id: int, kind: str = "booking", title: str = "Hello", link: str = "/lessons/1") -> int:
    with session_scope() as session:
        nid = notes.notify(session, user_id=user_id, kind=kind, title=title, body="Body", link=link, now=T)
    assert nid is not None
    return nid


def _set_phone(user_id: int, phone: str) -> None:
    with session_scope() as session:
        user = session.get(User, user_id)
        user.phone = phone
        session.add(user)


def test_notify_writes_the_bell_and_emails_by_default_for_bookings(make_user):
    user = make_user()
    _notify(user.id, "booking", "Lesson confirmed")
    _notify(user.id, "message", "New message")
    assert count(Notification, Notification.user_id == user.id) == 2
    mails = rows(OutboxMessage, OutboxMessage.recipient == user.email)
    assert [m.subject for m in mails] == ["Lesson confirmed"]  # messages: in-app only by default
    assert "http://localhost:3000/lessons/1" in mails[0].body


def test_sms_and_whatsapp_need_opt_in_and_a_phone(make_user):
    user = make_user()
    with session_scope() as session:
        prefs.save_preferences(session, actor=user, enabled=["reminder:sms", "reminder:whatsapp", "booking:email"])
    _notify(user.id, "reminder", "Soon")
    assert {m.channel for m in rows(OutboxMessage)} == set()  # opted in, but no phone yet (and email now off)
    _set_phone(user.id, "+4915112345678")
    _notify(user.id, "reminder", "Soon")
    assert sorted(m.channel for m in rows(OutboxMessage)) == ["sms", "whatsapp"]
    assert {m.recipient for m in rows(OutboxMessage)} == {"+4915112345678"}


def test_preferences_matrix_defaults_and_validation(make_user):
    user = make_user()
    with session_scope() as session:
        out = prefs.get_preferences(session, actor=user)
    on = {(c.kind, c.channel) for c in out.cells if c.enabled}
    assert on == {("booking", "email"), ("reminder", "email")}
    assert out.has_email and not out.has_phone
    assert len(out.cells) == len(prefs.KINDS) * 3
    with session_scope() as session, pytest.raises(InvalidInput):
        prefs.save_preferences(session, actor=user, enabled=["booking:pigeon"])
    with session_scope() as session, pytest.raises(InvalidInput):
        prefs.save_preferences(session, actor=user, enabled="booking:email")
    with session_scope() as session, pytest.raises(NotAuthenticated):
        prefs.save_preferences(session, actor=None, enabled=[])
    assert count(NotificationPreference) == 0
    with session_scope() as session:
        saved = prefs.save_preferences(session, actor=user, enabled=["payment:email"])
    assert {(c.kind, c.channel) for c in saved.cells if c.enabled} == {("payment", "email")}


def test_list_page_unread_and_mark_read_owner_only(make_user):
    owner, stranger = make_user(), make_user()
    ids = [_notify(owner.id, title=f"n{i}") for i in range(5)]
    with session_scope() as session:
        page = notes.list_notifications(session, actor=owner, limit=2)
    assert [n.title for n in page.items] == ["n4", "n3"] and page.unread == 5 and page.next_before == ids[3]
    with session_scope() as session:
        page2 = notes.list_notifications(session, actor=owner, limit=2, before=page.next_before)
    assert [n.title for n in page2.items] == ["n2", "n1"]
    with session_scope() as session, pytest.raises(NotFound):
        notes.mark_read(session, actor=stranger, notification_id=ids[0], now=T)
    with session_scope() as session, pytest.raises(NotFound):
        notes.mark_read(session, actor=owner, notification_id=999999, now=T)
    with session_scope() as session, pytest.raises(NotFound):
        notes.mark_read(session, actor=owner, notification_id="x", now=T)
    with session_scope() as session:
        assert notes.mark_read(session, actor=owner, notification_id=ids[0], now=T).read
        assert notes.unread_count(session, actor=owner) == 4
        assert notes.list_notifications(session, actor=stranger).items == []
    with session_scope() as session:
        assert notes.mark_all_read(session, actor=stranger, now=T) == 0
        assert notes.mark_all_read(session, actor=owner, now=T) == 4
    assert count(Notification, Notification.read_at.is_(None)) == 0


def test_unsafe_links_are_dropped(make_user):
    user = make_user()
    for bad in ("//evil.example/x", "/\\evil.example", "https://evil.example", "/\tx", "javascript:alert(1)"):
        nid = _notify(user.id, link=bad)
        [row] = rows(Notification, Notification.id == nid)
        assert row.link == "", bad


def test_bell_hint_is_published_only_after_commit(make_user):
    import asyncio

    from tutorhub.integrations import broker

    user = make_user()

    async def scenario() -> list:
        sub = broker.subscribe([f"user:{user.id}"])
        with session_scope() as session:
            notes.notify(session, user_id=user.id, kind="system", title="Hi", now=T)
            assert sub.drain() == []
        try:
            with session_scope() as session:
                notes.notify(session, user_id=user.id, kind="system", title="Rolled back", now=T)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        await asyncio.sleep(0.05)
        got = sub.drain()
        sub.close()
        return got

    got = asyncio.run(scenario())
    assert got == [(f"user:{user.id}", {"type": "notification"})]
    assert count(Notification, Notification.title == "Rolled back") == 0


def test_booking_events_notify_both_parties(env):
    lesson = env.book(at(3, 10), confirm=True)
    student_bell = rows(Notification, Notification.user_id == env.student.id)
    tutor_bell = rows(Notification, Notification.user_id == env.tutor.id)
    assert [n.title for n in student_bell] == ["Lesson confirmed"]
    assert [n.title for n in tutor_bell] == ["New lesson booked"]
    assert all(n.kind == "booking" and n.link == f"/lessons/{lesson.id}" for n in student_bell + tutor_bell)
    assert count(OutboxMessage, OutboxMessage.recipient == env.student.email) == 1
