"""What every app worker (and `python -m tutorhub prepare`) does before serving: migrate, then
seed demo data into an empty database when TUTORHUB_SEED_DEMO allows it."""

from __future__ import annotations

from tutorhub.db import get_engine, session_scope
from tutorhub.demo import seed as demo_seed
from tutorhub.migrations import migration_lock, upgrade_to_head
from tutorhub.settings import get_settings


def prepare_database() -> str:
    """Migrate to head and seed demo data if configured and the database is empty."""
    # Migrating and seeding happen under one lock, so several workers starting on an empty
    # database cannot both seed it.
    engine = get_engine()
    with migration_lock(engine):
        upgrade_to_head(engine, locked=True)
        if not get_settings().seed_demo:
            return "migrated (demo seeding disabled)"
        with session_scope() as session:
            if not demo_seed.database_is_empty(session):
                return "migrated (database already has data)"
            counts = demo_seed.seed_demo(session)
    return f"migrated and seeded demo data: {counts}"
