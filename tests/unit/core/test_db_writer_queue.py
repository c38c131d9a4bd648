"""db.session_scope queues this process's SQLite writers on one lock (instead of SQLite's polling
busy handler), while read-only scopes never wait for it."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import IS_POSTGRES
from tutorhub.db import session_scope

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="the writer queue is SQLite-only")

HOLD = 0.3


def _hold_write_scope(entered: threading.Event, spans: list[tuple[float, float]]) -> None:
    with session_scope():
        start = time.monotonic()
        entered.set()
        time.sleep(HOLD)
        spans.append((start, time.monotonic()))


def test_write_scopes_of_two_threads_run_one_after_the_other(db):
    first_in = threading.Event()
    first: list[tuple[float, float]] = []
    second: list[tuple[float, float]] = []
    t1 = threading.Thread(target=_hold_write_scope, args=(first_in, first))
    t1.start()
    assert first_in.wait(5)
    t2 = threading.Thread(target=_hold_write_scope, args=(threading.Event(), second))
    t2.start()
    t1.join(5)
    t2.join(5)
    (_, first_end), (second_start, _) = first[0], second[0]
    assert second_start >= first_end  # the second writer waited for the first to commit


def test_a_read_only_scope_does_not_wait_for_a_writer(db):
    entered, release = threading.Event(), threading.Event()

    def writer() -> None:
        with session_scope():
            entered.set()
            release.wait(5)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert entered.wait(5)
        started = time.monotonic()
        with session_scope(read_only=True) as session:
            session.connection()
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        t.join(5)
    assert not t.is_alive()


def test_a_nested_write_scope_in_the_same_thread_does_not_deadlock(db):
    done = threading.Event()

    def nested() -> None:
        with session_scope(), session_scope():
            done.set()

    t = threading.Thread(target=nested, daemon=True)
    t.start()
    t.join(5)
    assert done.is_set()
