"""The cheap ways out of a contested hold (bench_booking.py: 31 of 32 requests lose) keep every answer
and guarantee: a loser that collides only through the tutor's buffers leaves before the calendar is
read; a refused attempt's commit skips the disk flush (only the attempt row is at stake) while a
won hold's commit is durable — also when the hold was expected to be refused and won after all.
Run on SQLite by default and on PostgreSQL with TUTORHUB_TEST_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from tests.support.booking import NOW, at, open_all_week
from tutorhub.db import get_engine
from tutorhub.models.bookings import HoldAttempt
from tutorhub.services.booking import bookings, hold_limits
from tutorhub.services.booking.guard import SlotTaken


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, sql, *_args) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)


def _attempts(db: Session, student_id: int) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(HoldAttempt).where(HoldAttempt.student_id == student_id)).one()


def test_a_loser_through_a_buffer_leaves_before_the_calendar_is_read_and_the_next_free_time_is_held(env):
    open_all_week(env.db, env.tutor, buffer_before_min=20, buffer_after_min=20)
    env.book(at(2, 10))  # 10:00-11:00, blocks 09:50-11:10
    env.db.commit()
    other = env.another_student()
    env.db.commit()
    with statements() as seen, Session(get_engine(), expire_on_commit=False) as fresh:
        with pytest.raises(SlotTaken) as taken:
            bookings.create_booking(fresh, actor=other, tutor_id=env.tutor_id, start=at(2, 11), duration_min=30,
                                    now=NOW)
    assert taken.value.status_code == 409 and taken.value.fields == {"start": "is not free"}
    assert not [sql for sql in seen if "availability_rules" in sql or "busy_intervals" in sql]
    assert _attempts(env.db, other.id) == 1  # the refused attempt still counts
    with Session(get_engine(), expire_on_commit=False) as fresh:
        held = bookings.create_booking(fresh, actor=other, tutor_id=env.tutor_id, start=at(2, 11, 30),
                                       duration_min=30, now=NOW)  # 20 minutes after the lesson: clear
        fresh.commit()
    assert held.status == "PENDING_PAYMENT"


def test_on_sqlite_a_refused_attempt_commits_without_fsync_and_the_level_is_restored(env):
    if env.db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's synchronous level")
    levels: list[int] = []
    raw = []

    def refuse(scope: hold_limits.HoldScope) -> None:
        conn = fresh.connection()
        levels.append(conn.exec_driver_sql("PRAGMA synchronous").scalar())
        raw.append(conn.connection.driver_connection)
        raise SlotTaken()

    student = env.another_student()
    env.db.commit()
    with Session(get_engine(), expire_on_commit=False) as fresh, pytest.raises(SlotTaken):
        hold_limits.relaxed_hold(fresh, student_id=student.id, kind="single", now=NOW, refused=lambda _s: True,
                                 hold=refuse)
    assert levels == [1]  # NORMAL: no fsync at commit
    assert raw[0].execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again once back in the pool
    assert _attempts(env.db, student.id) == 1


def test_a_hold_expected_refused_that_wins_after_all_is_run_again_durably_and_counted_once(env):
    student = env.another_student()
    env.db.commit()
    runs: list[int | None] = []

    def win(scope: hold_limits.HoldScope) -> str:
        conn = fresh.connection()
        if conn.dialect.name == "sqlite":
            runs.append(conn.exec_driver_sql("PRAGMA synchronous").scalar())
        else:
            runs.append(None)
        scope.protect()  # the first write of a won hold
        return "held"

    with Session(get_engine(), expire_on_commit=False) as fresh:
        assert hold_limits.relaxed_hold(fresh, student_id=student.id, kind="single", now=NOW,
                                        refused=lambda _s: True, hold=win) == "held"
        fresh.commit()
    if env.db.get_bind().dialect.name == "sqlite":
        assert runs == [1, 2]  # relaxed, then again with synchronous=FULL
    else:
        assert runs == [None]  # PostgreSQL decides within the transaction: one run
    assert _attempts(env.db, student.id) == 1


def test_on_postgresql_a_won_hold_commits_durably_and_a_refused_one_asynchronously(env):
    if env.db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit")
    open_all_week(env.db, env.tutor)
    env.db.commit()
    with Session(get_engine(), expire_on_commit=False) as fresh:
        default = fresh.execute(text("SHOW synchronous_commit")).scalar()
        fresh.commit()
        bookings.create_booking(fresh, actor=env.student, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60,
                                now=NOW)
        assert fresh.execute(text("SHOW synchronous_commit")).scalar() == default  # before the commit
        fresh.commit()
    other = env.another_student()
    env.db.commit()
    with statements() as seen, Session(get_engine(), expire_on_commit=False) as fresh:
        with pytest.raises(SlotTaken):
            bookings.create_booking(fresh, actor=other, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60,
                                    now=NOW)
    assert any("set_config('synchronous_commit', 'off', true)" in sql for sql in seen)
    assert len(seen) <= 3  # the student lock, the attempt, the tutor and slot look-up
