"""Creating and publishing classes: sessions take the tutor's time through the booking guard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.booking import NOW
from tests.support.classes import class_body, published_class
from tests.support.db import count
from tutorhub.models import ClassEvent, ClassSession, Role, TutorFreeSlots
from tutorhub.services.booking import bookings
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.classes import classes, queries
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.scheduling.engine.tzclock import to_minute

SESSION_1 = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)  # Tue 17:00 Berlin


def test_a_tutor_creates_a_draft_with_its_sessions_in_utc(env):
    created = classes.create_class(env.db, actor=env.tutor, data=class_body(), now=NOW)
    assert created.status == "DRAFT"
    assert len(created.sessions) == 8
    assert created.sessions[0].start == SESSION_1
    assert created.sessions[0].tutor_local == "Tue 2027-03-09 17:00"
    assert created.sessions[1].start == datetime(2027, 3, 11, 16, 0, tzinfo=UTC)


def test_only_approved_tutors_create_classes(env):
    with pytest.raises(Forbidden):
        classes.create_class(env.db, actor=env.student, data=class_body(), now=NOW)
    newcomer = env.make_user(Role.TUTOR)
    with pytest.raises(Forbidden):
        classes.create_class(env.db, actor=newcomer, data=class_body(), now=NOW)


@pytest.mark.parametrize("changes,field", [
    ({"capacity": 9}, "capacity"),  # online classes seat at most 8
    ({"capacity": 1}, "capacity"),
    ({"min_size": 6}, "min_size"),
    ({"duration_min": 50}, "duration_min"),
    ({"currency": "XXX"}, "currency"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"first_start_local": "2027-02-01T17:00"}, "first_start_local"),
    ({"first_start_local": "tomorrow"}, "first_start_local"),
    ({"rrule": "FREQ=WEEKLY"}, "rrule"),
])
def test_bad_fields_are_refused(env, changes, field):
    with pytest.raises(InvalidInput) as err:
        classes.create_class(env.db, actor=env.tutor, data=class_body(**changes), now=NOW)
    assert field in err.value.fields


def test_a_home_class_may_be_larger(env):
    created = classes.create_class(env.db, actor=env.tutor, data=class_body(capacity=20, mode="home"), now=NOW)
    assert created.status == "DRAFT"


def test_publishing_blocks_the_time_and_one_to_one_lessons_are_refused_over_a_session(env):
    before = env.db.exec(TutorFreeSlots.__table__.select()).all()  # type: ignore[attr-defined]
    assert before
    class_id = published_class(env.db, env.tutor, NOW)
    detail = queries.get_class(env.db, viewer=None, class_id=class_id)
    assert detail.status == "PUBLISHED" and detail.seats_left == 5
    with pytest.raises(SlotTaken):
        bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=SESSION_1, duration_min=60,
                                now=NOW)
    env.db.rollback()
    # The buffer-free tutor can still take the hour right after.
    ok = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id,
                                 start=datetime(2027, 3, 9, 17, 0, tzinfo=UTC), duration_min=60, now=NOW)
    assert ok.status == "PENDING_PAYMENT"
    env.db.commit()
    assert count(ClassEvent, ClassEvent.action == "publish") == 1


def test_publishing_refreshes_the_free_slot_index(env):
    from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots

    refresh_tutor_free_slots(env.db, env.tutor_id, now=NOW)
    env.db.commit()

    def starts():
        row = env.db.exec(TutorFreeSlots.__table__.select().where(  # type: ignore[attr-defined]
            TutorFreeSlots.tutor_id == env.tutor_id, TutorFreeSlots.duration_min == 60)).first()
        mask = int.from_bytes(row.starts, "little")
        return mask, row.base_minute

    mask, base = starts()
    bit = (to_minute(SESSION_1) - base) // 15
    assert mask >> bit & 1
    published_class(env.db, env.tutor, NOW)
    mask, base = starts()
    assert not mask >> ((to_minute(SESSION_1) - base) // 15) & 1


def test_publishing_over_a_lesson_or_another_class_is_refused_with_the_conflicts(env):
    lesson = env.book(datetime(2027, 3, 11, 16, 30, tzinfo=UTC), confirm=True)  # inside session 2
    created = classes.create_class(env.db, actor=env.tutor, data=class_body(), now=NOW)
    with pytest.raises(Conflict) as err:
        classes.publish_class(env.db, actor=env.tutor, class_id=created.id, now=NOW)
    conflicts = err.value.extra["conflicts"]
    assert [(c["session_seq"], c["kind"], c["id"]) for c in conflicts] == [(2, "lesson", lesson.id)]
    env.db.rollback()
    assert count(ClassSession, ClassSession.blocking) == 0

    other = classes.create_class(env.db, actor=env.tutor, data=class_body(first_start_local="2027-03-16T17:30",
                                                                          rrule="FREQ=WEEKLY;COUNT=2"), now=NOW)
    classes.publish_class(env.db, actor=env.tutor, class_id=other.id, now=NOW)
    env.db.commit()
    again = classes.create_class(env.db, actor=env.tutor, data=class_body(first_start_local="2027-03-12T17:00",
                                                                          rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3"),
                                 now=NOW)
    with pytest.raises(Conflict) as err:
        classes.publish_class(env.db, actor=env.tutor, class_id=again.id, now=NOW)
    assert {(c["kind"], c["id"]) for c in err.value.extra["conflicts"]} == {("class", other.id)}


def test_a_stale_hold_does_not_block_a_publish(env):
    env.book(datetime(2027, 3, 9, 16, 0, tzinfo=UTC))  # held at NOW, 15 minutes
    later = NOW.replace(hour=9)
    created = classes.create_class(env.db, actor=env.tutor, data=class_body(), now=later)
    assert classes.publish_class(env.db, actor=env.tutor, class_id=created.id, now=later) == {"status": "PUBLISHED"}


def test_strangers_cannot_publish_or_see_drafts(env):
    created = classes.create_class(env.db, actor=env.tutor, data=class_body(), now=NOW)
    env.db.commit()
    other_tutor, _ = env.make_approved_tutor()
    with pytest.raises(NotFound):
        classes.publish_class(env.db, actor=other_tutor, class_id=created.id, now=NOW)
    with pytest.raises(Forbidden):
        classes.publish_class(env.db, actor=env.student, class_id=created.id, now=NOW)
    with pytest.raises(NotFound):
        queries.get_class(env.db, viewer=env.student, class_id=created.id)
    assert queries.get_class(env.db, viewer=env.tutor, class_id=created.id).is_owner


def test_a_published_class_cannot_be_published_again_and_search_finds_it(env):
    class_id = published_class(env.db, env.tutor, NOW)
    with pytest.raises(Conflict):
        classes.publish_class(env.db, actor=env.tutor, class_id=class_id, now=NOW)
    found = queries.search_classes(env.db, subject="Maths", grade="high", now=NOW)
    assert [c.id for c in found.items] == [class_id] and found.total == 1
    assert queries.search_classes(env.db, subject="physics", now=NOW).total == 0


def test_cancelling_frees_the_time(env):
    class_id = published_class(env.db, env.tutor, NOW)
    assert classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW) == {"status": "CANCELLED"}
    env.db.commit()
    ok = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=SESSION_1, duration_min=60,
                                 now=NOW)
    assert ok.status == "PENDING_PAYMENT"
    assert queries.search_classes(env.db, now=NOW).total == 0
