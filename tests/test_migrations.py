"""Empty database → head, and the models do not drift from the migrations (both databases)."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from tests.conftest import IS_POSTGRES, TEST_DB_URL
from tutorhub.db import normalize_url
from tutorhub.migrations import upgrade_to_head


@pytest.fixture
def empty_engine():
    if IS_POSTGRES:
        name = f"th_migrate_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalize_url(TEST_DB_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        base = TEST_DB_URL.rsplit("/", 1)[0]
        engine = create_engine(normalize_url(f"{base}/{name}"))
        yield engine
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()
    else:
        path = Path(tempfile.mkdtemp()) / "fresh.db"
        engine = create_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()


def test_upgrade_from_empty_to_head_matches_the_models(empty_engine):
    upgrade_to_head(empty_engine)
    upgrade_to_head(empty_engine)  # idempotent: a restart must not fail
    tables = set(inspect(empty_engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations drifted: {diff}"
