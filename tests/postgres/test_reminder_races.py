"""Exactly-once reminders and a single scheduler leader under real concurrency, on whichever
database the suite runs on (CI runs tests/postgres on SQLite and again on PostgreSQL).

Three "processes" (threads, each with its own holder id and connections) are released together
on a barrier, round after round, over many lessons. Leadership is bypassed in the first test so
the unique reminder log alone must hold; the second checks the lease gives one leader per round.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from tests.support.booking import at
from tests.support.booking import env as env  # noqa: F401  (the fixture)
from tests.support.notify import add_guardian, count, rows
from tutorhub.jobs.scheduler import LeaderGate, send_reminders
from tutorhub.models import JobRun, Notification, OutboxMessage, ReminderLog
from tutorhub.services.booking.reminders import run_reminders
from tutorhub.services.ops.leader import try_acquire

INSTANCES = 3


def _together(fn, n: int = INSTANCES) -> list:
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_unique_log_keeps_reminders_exactly_once_across_instances(env):
    add_guardian(env.student.id)
    lessons = [env.book(at(3, h), confirm=True) for h in range(6, 22, 2)]  # 8 lessons
    # a tick every 40 minutes from 24 h before the first lesson to past the last one, 3 instances each
    ticks = [at(2, 6) + timedelta(minutes=m) for m in range(0, 40 * 60, 40)]
    for now in ticks:
        _together(lambda i, n=now: run_reminders(now=n, holder=f"proc-{i}"))
    keys = [(r.booking_id, r.recipient_user_id, r.kind) for r in rows(ReminderLog)]
    assert len(keys) == len(set(keys))
    per_lesson = Counter(k[0] for k in keys)
    assert per_lesson == {b.id: 6 for b in lessons}  # (student, tutor, guardian) × (24 h, 1 h)
    assert count(Notification, Notification.kind == "reminder") == 8 * 4
    assert count(OutboxMessage, OutboxMessage.recipient == "parent@example.com") == 8 * 2


def test_one_leader_per_tick_and_failover(env):
    env.book(at(3, 10), confirm=True)
    clock = {"now": at(2, 10)}
    gates = [LeaderGate(holder=f"proc-{i}", clock=lambda: clock["now"]) for i in range(INSTANCES)]
    for minute in range(5):
        clock["now"] = at(2, 10) + timedelta(minutes=minute)
        results = _together(lambda i: gates[i].run("send_reminders", lambda: send_reminders(now=clock["now"])))
        assert sum(r is not None for r in results) == 1
    holders = {r.holder for r in rows(JobRun)}
    assert len(holders) == 1  # renewals keep the same leader while it lives
    leader = holders.pop()
    # the leader dies; after the lease lapses exactly one of the others takes over
    clock["now"] += timedelta(seconds=130)
    survivors = [g for g in gates if g.holder != leader]
    results = _together(lambda i: survivors[i].is_leader(), n=2)
    assert sorted(results) == [False, True]
    assert count(ReminderLog) == 2


def test_lease_race_many_rounds():
    base = at(1, 0)
    for round_no in range(30):
        now = base + timedelta(minutes=2 * round_no)  # each round starts after the previous lease expired
        results = _together(lambda i, n=now, r=round_no: try_acquire(f"r{r}-p{i}", now=n))
        assert results.count(True) == 1, (round_no, results)
