"""`prepare` (run by every worker on start) migrates and seeds exactly once, even in parallel."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from tutorhub.db import reset_engines
from tutorhub.models import User
from tutorhub.settings import reset_settings
from tutorhub.startup import prepare_database


def test_two_workers_starting_on_an_empty_database_seed_it_once(monkeypatch):
    path = Path(tempfile.mkdtemp()) / "fresh.db"
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{path}")
    monkeypatch.setenv("TUTORHUB_SEED_DEMO", "1")
    reset_settings()
    try:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def worker() -> None:
            barrier.wait()
            outcomes.append(prepare_database())

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(o.split(" ")[1] for o in outcomes) == ["(database", "and"], outcomes
        engine = create_engine(f"sqlite:///{path}")
        with Session(engine) as s:
            admins = s.exec(select(func.count()).select_from(User).where(User.role == "admin")).one()
        engine.dispose()
        assert admins == 1
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_engines()


def test_seeding_runs_under_the_migration_lock(monkeypatch):
    """On SQLite the write scope alone serializes two seeders; on PostgreSQL only the migration
    lock does, so check directly that the seeder runs while that lock is held."""
    import fcntl

    from tutorhub.demo import seed as demo

    path = Path(tempfile.mkdtemp()) / "fresh.db"
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{path}")
    monkeypatch.setenv("TUTORHUB_SEED_DEMO", "1")
    reset_settings()
    lock_states: list[str] = []

    def probing_seed(session, **_kwargs):
        with open(f"{path}.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_states.append("held")
            else:
                fcntl.flock(handle, fcntl.LOCK_UN)
                lock_states.append("free")
        return {"tutors": 0}

    monkeypatch.setattr(demo, "seed_demo", probing_seed)
    try:
        assert prepare_database() == "migrated and seeded demo data: {'tutors': 0}"
        assert lock_states == ["held"]
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_engines()
