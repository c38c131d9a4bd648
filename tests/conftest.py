"""Shared fixtures: a real database (SQLite file by default, PostgreSQL when
TUTORHUB_TEST_DATABASE_URL is set), migrated once per run and emptied after every test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

_TMP = Path(tempfile.mkdtemp(prefix="tutorhub-tests-"))
_GIVEN_URL = os.environ.get("TUTORHUB_TEST_DATABASE_URL", "").strip()
_PG_DB_NAME = ""


def _create_private_postgres_database(url: str) -> str:
    """Each run gets its own database beside the given one, so parallel runs never collide."""
    global _PG_DB_NAME
    from tutorhub.db import normalize_url as _normalize

    _PG_DB_NAME = f"th_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_normalize(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{_PG_DB_NAME}"'))
    admin.dispose()
    return f"{url.rsplit('/', 1)[0]}/{_PG_DB_NAME}"


if _GIVEN_URL.startswith("postgres"):
    TEST_DB_URL = _create_private_postgres_database(_GIVEN_URL)
else:
    TEST_DB_URL = _GIVEN_URL or f"sqlite:///{_TMP / 'test.db'}"
os.environ["REFLEX_DB_URL"] = TEST_DB_URL
os.environ["TUTORHUB_STORAGE_DIR"] = str(_TMP / "private")
os.environ.setdefault("TUTORHUB_ENV", "development")
os.environ["TUTORHUB_SEED_DEMO"] = "0"
os.environ.setdefault("TUTORHUB_SECRET_KEY", "test-secret-key-that-is-long-enough-1234567890")

from tutorhub.db import get_engine, normalize_url, read_engine, reset_engines  # noqa: E402
from tutorhub.models import Role  # noqa: E402
from tutorhub.services.accounts import passwords  # noqa: E402
from tutorhub.services.actor import UserOut  # noqa: E402
from tutorhub.settings import reset_settings  # noqa: E402

IS_POSTGRES = TEST_DB_URL.startswith("postgres")


def _drop_private_postgres_database() -> None:
    admin = create_engine(normalize_url(_GIVEN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_PG_DB_NAME}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[str]:
    reset_settings()
    reset_engines()
    from tutorhub.migrations import upgrade_to_head

    upgrade_to_head()
    yield TEST_DB_URL
    reset_engines()
    if IS_POSTGRES:
        _drop_private_postgres_database()


def _empty_all_tables() -> None:
    engine = get_engine()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if IS_POSTGRES:
            # Only the tables the test wrote to: a TRUNCATE syncs every table file it names, and most
            # tests touch a handful of ~120 tables. Written = holds rows, or its id sequence was used
            # (rows inserted and deleted again still advanced it; RESTART IDENTITY resets it).
            used = set(conn.execute(text("SELECT sequencename FROM pg_sequences "
                                         "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).scalars())
            filled = set(conn.execute(text(" UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables))).scalars())
            touched = [name for name in tables if name in filled or f"{name}_id_seq" in used]
            if touched:
                conn.execute(text(f"TRUNCATE {', '.join(touched)} RESTART IDENTITY CASCADE"))
        else:
            # The ledger refuses DELETE by trigger (migration 0004): lift it for the wipe only.
            from tutorhub.models.money import SQLITE_IMMUTABLE_TRIGGERS

            for trigger, _sql in SQLITE_IMMUTABLE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            for _trigger, sql in SQLITE_IMMUTABLE_TRIGGERS:
                conn.execute(text(sql))
    from tutorhub.services.platform.store import forget_cache

    forget_cache()  # the per-process cache of admin platform settings (services/platform/store.py)


@pytest.fixture(autouse=True)
def clean_database(migrated_database: str) -> Iterator[None]:
    yield
    _empty_all_tables()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap argon2id parameters in tests (still argon2id; hashes verify the same way).

    Production parameters cost ~0.1 s per hash and the suite creates hundreds of users;
    test_production_hasher_parameters checks the real ones."""
    from argon2 import PasswordHasher

    from tutorhub.services.accounts import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db() -> Iterator[Session]:
    """A session on the test database; tests commit when they want data visible to others."""
    # Deferred on SQLite so a test's open read never blocks the writers it is watching.
    session = Session(read_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(db: Session):
    """Create a committed user: make_user(role="student", email=None, **kwargs) -> UserOut."""
    counter = {"n": 0}

    def _make(role: str = Role.STUDENT, email: str | None = None, timezone: str = "UTC", name: str | None = None) -> UserOut:
        counter["n"] += 1
        address = email or f"{role}{counter['n']}@example.com"
        if role == Role.ADMIN:
            user = passwords.create_admin(db, email=address, password=PASSWORD, full_name=name or "Admin")
        else:
            user = passwords.register(db, email=address, password=PASSWORD, full_name=name or f"{role.title()} {counter['n']}",
                                 role=role, timezone=timezone)
        db.commit()
        return user

    return _make


@pytest.fixture
def make_approved_tutor(db: Session, make_user):
    """An approved tutor with a complete profile: make_approved_tutor(**profile_fields) -> (UserOut, tutor_id)."""
    from tutorhub.services.tutors import profiles as tutor_profiles
    from tutorhub.services.tutors import verification

    def _make(**fields):
        tutor = make_user(Role.TUTOR, timezone=fields.pop("timezone", "Europe/Berlin"))
        admin = make_user(Role.ADMIN)
        data = {
            "headline": "Maths made simple",
            "bio": "Ten years of teaching.",
            "subjects": [{"subject": "mathematics", "grades": ["high"]}],
            "languages": ["English"],
            "hourly_rate": 3000,
            "currency": "EUR",
            "city": "Berlin",
            "modes": ["online"],
        }
        data.update(fields)
        profile = tutor_profiles.update_own_profile(db, actor=tutor, data=data)
        tutor_profiles.submit_for_review(db, actor=tutor)
        verification.approve_tutor(db, actor=admin, tutor_id=profile.id, notes="ok")
        db.commit()
        return tutor, profile.id

    return _make
