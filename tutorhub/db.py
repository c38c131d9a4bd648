"""Engine and session scope.

SQLite gets WAL, foreign keys, a busy timeout and synchronous=FULL (money will live here);
PostgreSQL gets a plain pooled engine. Engines are cached per URL so tests can point the
process at another database by changing settings and calling `reset_engines()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from tutorhub.settings import get_settings

_engines: dict[str, Engine] = {}
_side_engines: dict[str, Engine] = {}

# SQLite lets one writer in at a time. Writers of this process queue on this lock first, so the
# next one starts the moment the previous one commits; without it they wait in SQLite's busy
# handler, which polls with sleeps of up to 100 ms (measured: chat delivery p95 1.6 s with ten
# messages in flight). Re-entrant so a nested scope in the same thread cannot deadlock here.
# Other processes still queue through busy_timeout.
_sqlite_writer = threading.RLock()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN so that BEGIN IMMEDIATE works later.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _begin_sqlite(conn: Any) -> None:
    # Write transactions take the write lock up front (BEGIN IMMEDIATE): a deferred transaction
    # that reads and then writes can fail with "database is locked" when another writer got in
    # between, and busy_timeout cannot help with that upgrade. Read-only scopes stay deferred.
    options = conn.get_execution_options()
    if options.get("sqlite_sync") == "NORMAL":
        # A transaction expected to write nothing that must survive a power cut (a refused hold
        # attempt, services/booking/hold_limits.relax_if_refused) commits without an fsync; the
        # level can only change outside a transaction, and `_restore_sync` puts it back on check-in.
        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        conn.connection.info["relaxed_sync"] = True
    conn.exec_driver_sql("BEGIN DEFERRED" if options.get("sqlite_begin", "IMMEDIATE") == "DEFERRED" else "BEGIN IMMEDIATE")


def _restore_sync(dbapi_connection: Any, record: Any) -> None:
    if record is not None and record.info.pop("relaxed_sync", False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA synchronous=FULL")


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short form."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: the configured database), created once."""
    url = normalize_url(url or get_settings().db_url)
    engine = _engines.get(url)
    if engine is None:
        settings = get_settings()
        engine = _create(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                         pool_timeout=settings.db_pool_timeout_seconds)
        _engines[url] = engine
    return engine


def _create(url: str, **pool: int) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, **pool)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        event.listen(engine, "checkin", _restore_sync)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def side_engine(url: str | None = None) -> Engine:
    """A second, small pool for short reads that refill process-wide caches (platform settings).

    Such a refill can happen in the middle of a request that already holds a pooled connection,
    possibly under the tutor lock. From the main pool it would need a second connection; with every
    connection held by requests queued at that lock, it would wait for the pool timeout while
    holding the lock everyone waits for. Its own pool never runs dry that way: refills are reads
    that hold no lock and finish in milliseconds.
    """
    url = normalize_url(url or get_settings().db_url)
    engine = _side_engines.get(url)
    if engine is None:
        engine = _create(url, pool_size=1, max_overflow=4, pool_timeout=get_settings().db_pool_timeout_seconds)
        _side_engines[url] = engine
    return engine.execution_options(sqlite_begin="DEFERRED")


def reset_engines() -> None:
    """Dispose every cached engine (tests switch databases)."""
    for engine in (*_engines.values(), *_side_engines.values()):
        engine.dispose()
    _engines.clear()
    _side_engines.clear()


def read_engine(url: str | None = None) -> Engine:
    """The same engine, with SQLite transactions left deferred (for read-only work)."""
    return get_engine(url).execution_options(sqlite_begin="DEFERRED")


@contextmanager
def session_scope(*, read_only: bool = False) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error.

    On SQLite a normal scope holds the write lock for its whole transaction, so keep scopes
    short; pass read_only=True for pure reads (search, public pages) so they never queue.
    """
    engine = get_engine()
    queue = _sqlite_writer if (not read_only and engine.dialect.name == "sqlite") else nullcontext()
    with queue:
        session = Session(read_engine() if read_only else engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def lock_key(session: Session, key: str) -> None:
    """Serialize transactions that work on the same logical key (e.g. one email's OTP sends).

    PostgreSQL: a transaction-scoped advisory lock on a hash of the key. SQLite: nothing to do,
    write transactions already hold the database write lock (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def rows_matched(result: Any) -> int:
    """Rows an UPDATE or DELETE matched: the race-free test of a conditional write ("did I win it?")."""
    return int(getattr(result, "rowcount", 0) or 0)


def upsert_insert(session: Session) -> Any:
    """The INSERT construct of this session's database that knows ON CONFLICT (PostgreSQL's or
    SQLite's: the same `on_conflict_do_nothing` / `on_conflict_do_update` calls on both)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
