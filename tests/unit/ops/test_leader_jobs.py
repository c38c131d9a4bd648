"""Scheduler leader lease (acquire, renew, failover) and the job run log / admin controls."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.notify import count, rows
from tutorhub.db import session_scope
from tutorhub.jobs.scheduler import JOBS, LeaderGate, build_scheduler
from tutorhub.models import JobRun, Role
from tutorhub.services.errors import Forbidden, NotAuthenticated, NotFound
from tutorhub.services.ops import job_runs
from tutorhub.services.ops.leader import current_holder, release, try_acquire

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def test_one_of_three_concurrent_instances_wins_the_lease():
    barrier = threading.Barrier(3)

    def attempt(i: int) -> bool:
        barrier.wait()
        return try_acquire(f"proc-{i}", now=T0)

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(attempt, range(3)))
    assert results.count(True) == 1
    assert current_holder(now=T0) == f"proc-{results.index(True)}"


def test_leader_renews_and_others_take_over_only_after_expiry():
    assert try_acquire("a", now=T0)
    assert not try_acquire("b", now=T0 + timedelta(seconds=30))
    assert try_acquire("a", now=T0 + timedelta(seconds=40))  # renewal: now valid until +100 s
    assert not try_acquire("b", now=T0 + timedelta(seconds=61))
    # the leader dies (stops renewing): the lease lapses and b takes over
    assert try_acquire("b", now=T0 + timedelta(seconds=101))
    assert not try_acquire("a", now=T0 + timedelta(seconds=102))
    assert current_holder(now=T0 + timedelta(seconds=102)) == "b"


def test_release_hands_over_at_once():
    assert try_acquire("a", now=T0)
    release("a", now=T0 + timedelta(seconds=5))
    assert try_acquire("b", now=T0 + timedelta(seconds=6))


def test_failover_of_job_runs_between_gates():
    clock = {"now": T0}
    a = LeaderGate(holder="a", clock=lambda: clock["now"])
    b = LeaderGate(holder="b", clock=lambda: clock["now"])
    assert a.run("demo", lambda: "ran a") is not None
    assert b.run("demo", lambda: "ran b") is None
    clock["now"] = T0 + timedelta(seconds=90)  # a stopped renewing 90 s ago
    run = b.run("demo", lambda: "ran b")
    assert run is not None and run.holder == "b" and run.detail == "ran b"
    assert [r.holder for r in rows(JobRun)] == ["a", "b"]


def test_job_errors_are_recorded_not_raised():
    def broken() -> None:
        raise RuntimeError("provider exploded")

    out = job_runs.run_recorded("demo", broken, trigger="schedule", holder="x", clock=lambda: T0)
    assert out.outcome == "error" and "provider exploded" in out.detail and out.finished_at == T0


def test_scheduler_wraps_every_job_and_keeps_other_helpers_entries():
    scheduler = build_scheduler(LeaderGate(holder="t"))
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {j for j, _f, _c in JOBS}
    assert {"send_reminders", "deliver_outbox", "prune_job_runs", "booking_minutely"} <= ids
    assert all(job.func.__name__.startswith("leader_") for job in scheduler.get_jobs())


def test_admin_sees_jobs_and_can_run_one_now(make_user, db):
    admin = make_user(Role.ADMIN)
    student = make_user(Role.STUDENT)
    out = job_runs.run_now(actor=admin, job_id="send_reminders", registry=JOBS)
    assert out.outcome == "ok" and out.trigger == "manual"
    with session_scope(read_only=True) as session:
        statuses = job_runs.job_statuses(session, actor=admin, registry=JOBS)
    by_id = {s.job_id: s for s in statuses}
    assert by_id["send_reminders"].last is not None and by_id["send_reminders"].last.outcome == "ok"
    assert by_id["rebuild_free_slot_index"].last is None
    with pytest.raises(Forbidden):
        job_runs.run_now(actor=student, job_id="send_reminders", registry=JOBS)
    with pytest.raises(NotAuthenticated):
        job_runs.run_now(actor=None, job_id="send_reminders", registry=JOBS)
    with pytest.raises(NotFound):
        job_runs.run_now(actor=admin, job_id="rm -rf", registry=JOBS)
    with session_scope(read_only=True) as session, pytest.raises(Forbidden):
        job_runs.job_statuses(session, actor=student, registry=JOBS)
    assert count(JobRun) == 1


def test_the_job_run_service_runs_only_the_registry_it_is_handed(make_user, db):
    """The service knows no jobs of its own: the registry comes from the caller (jobs/ sits above it)."""
    admin = make_user(Role.ADMIN)
    registry = [job_runs.Job("demo", lambda: {"done": 3}, {"minute": "*/5"})]
    out = job_runs.run_now(actor=admin, job_id="demo", registry=registry)
    assert (out.job_id, out.outcome, out.detail, out.trigger) == ("demo", "ok", "done=3", "manual")
    with pytest.raises(NotFound):  # a real job, but not in the registry handed over
        job_runs.run_now(actor=admin, job_id="send_reminders", registry=registry)
    with session_scope(read_only=True) as session:
        [status] = job_runs.job_statuses(session, actor=admin, registry=registry)
    assert (status.job_id, status.schedule, status.last.outcome) == ("demo", "minute=*/5 (UTC)", "ok")


def test_prune_keeps_recent_runs_and_the_newest_per_job():
    with session_scope() as session:
        for i in range(60):
            session.add(JobRun(job_id="old", started_at=T0 - timedelta(days=30, minutes=i), outcome="ok"))
        session.add(JobRun(job_id="fresh", started_at=T0 - timedelta(days=1), outcome="ok"))
        session.add(JobRun(job_id="stuck", started_at=T0 - timedelta(hours=7), outcome="running"))
    with session_scope() as session:
        removed = job_runs.prune_job_runs(session, now=T0)
    assert removed == 10
    assert [r.outcome for r in rows(JobRun, JobRun.job_id == "stuck")] == ["abandoned"]
    assert count(JobRun, JobRun.job_id == "old") == job_runs.KEEP_PER_JOB
    assert count(JobRun, JobRun.job_id == "fresh") == 1
