"""Reliability strikes for group classes, mirroring lessons: the tutor calling off a session or a class
that students paid for is a strike (counted and flagged like a cancelled lesson); nobody hurt, no strike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.classes import class_body, funded_students, published_class
from tutorhub.models import ReliabilityStrike, TutorFlag
from tutorhub.services.classes import class_jobs, classes, seats
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.errors import Conflict
from tutorhub.services.tutors.reliability import recent_cancellations


def _strikes(db) -> list[ReliabilityStrike]:
    return list(db.exec(ReliabilityStrike.__table__.select()).all())  # type: ignore[attr-defined]


def _class_with_students(env, n: int = 1, **changes) -> int:
    class_id = published_class(env.db, env.tutor, NOW, **{"capacity": 3, "min_size": 1, **changes})
    for s in funded_students(env.db, env.make_user, n):
        seats.enrol(env.db, actor=s, class_id=class_id, now=NOW)
    env.db.commit()
    return class_id


def test_a_cancelled_session_with_students_is_one_strike_named_by_the_session(env):
    class_id = _class_with_students(env)
    third = class_sessions(env.db, class_id)[2]
    classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)
    [strike] = _strikes(env.db)
    assert (strike.tutor_id, strike.class_session_id, strike.booking_id, strike.kind) == (
        env.tutor_id, third.id, None, "tutor_cancel")
    assert strike.notice_hours == int((third.start_at - NOW).total_seconds() // 3600)
    with pytest.raises(Conflict):
        classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)
    assert len(_strikes(env.db)) == 1 and recent_cancellations(env.db, env.tutor_id, NOW) == 1


def test_a_cancelled_class_is_one_strike_and_three_raise_a_flag(env):
    ids = [_class_with_students(env, first_start_local=f"2027-0{4 + i}-06T17:00") for i in range(3)]
    for n, class_id in enumerate(ids, start=1):
        classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW)
        assert len(_strikes(env.db)) == n
        first = class_sessions(env.db, class_id)[0]
        assert _strikes(env.db)[-1].class_session_id == first.id  # the first session it took away
    [flag] = env.db.exec(TutorFlag.__table__.select()).all()  # type: ignore[attr-defined]
    assert flag.tutor_id == env.tutor_id and flag.reason == "cancellations"


def test_no_strike_when_nobody_was_hurt_or_the_system_cancelled(env):
    empty = published_class(env.db, env.tutor, NOW, capacity=3, min_size=1)
    classes.cancel_class(env.db, actor=env.tutor, class_id=empty, now=NOW)
    draft = classes.create_class(env.db, actor=env.tutor, data=class_body(first_start_local="2027-06-01T17:00"),
                                 now=NOW)
    classes.cancel_class(env.db, actor=env.tutor, class_id=draft.id, now=NOW)
    small = _class_with_students(env, first_start_local="2027-07-06T17:00", min_size=2)
    first = class_sessions(env.db, small)[0]
    assert class_jobs.cancel_undersized(env.db, now=first.start_at - timedelta(hours=23)) == 1  # the job, not the tutor
    assert _strikes(env.db) == []
