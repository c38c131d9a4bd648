"""Courses paid with credits under concurrency (CI runs these on PostgreSQL, the default run on SQLite):
many enrol calls of one student in one course make one enrolment and spend the minutes once; parallel
enrolments in two courses with minutes for only one never both succeed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.courses import ready_course
from tests.support.races import race
from tutorhub.db import session_scope
from tutorhub.models import CourseCreditSpend, CourseEnrolment, LotSource, Role
from tutorhub.services.billing import credits
from tutorhub.services.courses import enrolment
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger

THREADS = 8
NOW = datetime.now(UTC)
MINUTES = 98  # 49.00 EUR at the tutor's 30.00 EUR an hour


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor(timezone="UTC")
    first, _ = ready_course(db, tutor)
    second, _ = ready_course(db, tutor, title="Geometry from zero")
    return first, second, make_user(Role.STUDENT)


def _grant(user_id: int, minutes: int) -> None:
    with session_scope() as s:
        credits.grant_lot(s, user_id=user_id, minutes=minutes, source=LotSource.PACK, source_ref=f"race:{user_id}",
                          expires_at=NOW + timedelta(days=30), now=NOW)


def test_many_clicks_enrol_once_and_spend_once(db, world):
    cid, _, student = world
    _grant(student.id, 5 * MINUTES)
    results = race(THREADS, lambda s, i: enrolment.enrol(s, actor=student, course_id=cid, method="credits",
                                                         now=NOW)["status"])
    assert sorted(r[0] for r in results) == ["Conflict"] * (THREADS - 1) + ["ok"], results
    db.rollback()
    assert len(db.exec(select(CourseEnrolment)).all()) == 1
    assert sum(s.minutes for s in db.exec(select(CourseCreditSpend)).all()) == MINUTES
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 4 * MINUTES
    assert credits.credit_lots_consistent(db) == [] and verify_ledger(db, now=NOW) == []


def test_minutes_for_one_course_buy_only_one_of_two(db, world):
    first, second, student = world
    _grant(student.id, MINUTES + 10)
    courses = [first, second] * (THREADS // 2)
    results = race(THREADS, lambda s, i: enrolment.enrol(s, actor=student, course_id=courses[i], method="credits",
                                                         now=NOW)["status"])
    assert [r[0] for r in results].count("ok") == 1, results
    assert {r[0] for r in results} <= {"ok", "Conflict", "InsufficientCredits"}
    db.rollback()
    assert [e.status for e in db.exec(select(CourseEnrolment)).all()] == ["ACTIVE"]
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 10
    assert credits.credit_lots_consistent(db) == [] and verify_ledger(db, now=NOW) == []
