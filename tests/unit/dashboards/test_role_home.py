"""The signed-in home: a tutor's day (today's lessons in their zone, requests waiting, earnings,
messages) and a student's next lessons; admins and visitors are refused."""

from __future__ import annotations

import pytest

from tests.support.booking import NOW, at, open_all_week
from tests.support.chat import make_pair
from tutorhub.models import Role
from tutorhub.services.dashboards.role_home import role_home
from tutorhub.services.errors import Forbidden, NotAuthenticated
from tutorhub.services.messaging.messages import send_message


def test_tutor_home_shows_the_lessons_of_the_tutors_own_day(env):
    tokyo_tutor, tokyo_id = env.make_approved_tutor(timezone="Asia/Tokyo")
    open_all_week(env.db, tokyo_tutor, zone="Asia/Tokyo", min_notice_hours=1)
    # NOW is Monday 08:00 UTC = 17:00 in Tokyo; Tokyo's Monday ends at 15:00 UTC.
    monday = env.book(at(0, 12), tutor_id=tokyo_id, confirm=True)  # 21:00 Monday in Tokyo
    tuesday = env.book(at(0, 16), tutor_id=tokyo_id, confirm=True)  # 01:00 Tuesday in Tokyo
    home = role_home(env.db, actor=tokyo_tutor, now=NOW)
    assert home.role == "tutor" and [b.id for b in home.lessons] == [monday.id]
    assert tuesday.id not in [b.id for b in home.lessons]
    assert home.requests == []
    assert [(e.currency, e.held_in_escrow_minor) for e in home.earnings] == [("EUR", 6000)]  # two paid lessons


def test_tutor_home_lists_the_requests_waiting_soonest_first(env):
    asking, asking_id = env.make_approved_tutor(timezone="UTC")
    open_all_week(env.db, asking, instant_booking=False)
    later = env.book(at(2, 9), tutor_id=asking_id, confirm=True)
    sooner = env.book(at(1, 9), tutor_id=asking_id, confirm=True)
    home = role_home(env.db, actor=asking, now=NOW)
    assert [b.id for b in home.requests] == [sooner.id, later.id] and home.requests_total == 2
    assert home.lessons == []  # requests are not lessons yet


def test_tutor_home_lists_confirmed_lessons_of_the_local_day(env):
    lesson = env.book(at(0, 21), confirm=True)  # instant booking: confirmed, 21:00 UTC today
    tomorrow = env.book(at(1, 9), confirm=True)
    home = role_home(env.db, actor=env.tutor, now=NOW)
    assert [b.id for b in home.lessons] == [lesson.id]
    assert tomorrow.id not in [b.id for b in home.lessons] and home.requests == []


def test_student_home_shows_next_lessons_and_unread_messages(env, make_user):
    first = env.book(at(1, 9), confirm=True)
    second = env.book(at(2, 9), confirm=True)
    pair = make_pair(env.db, make_user, student=env.student, tutor=env.tutor)
    send_message(env.db, actor=env.tutor, conversation_id=pair.conversation_id, body="See you tomorrow!", now=NOW)
    env.db.commit()
    home = role_home(env.db, actor=env.student, now=NOW)
    assert [b.id for b in home.lessons] == [first.id, second.id] and home.lessons_total == 2
    assert home.unread_messages == 1
    assert home.conversations[0].last_message == "See you tomorrow!" and home.conversations[0].unread == 1
    assert home.first_name == env.student.full_name.split()[0]


def test_admins_and_visitors_have_no_role_home(env):
    admin = env.make_user(Role.ADMIN)
    with pytest.raises(Forbidden):
        role_home(env.db, actor=admin, now=NOW)
    with pytest.raises(NotAuthenticated):
        role_home(env.db, actor=None, now=NOW)
