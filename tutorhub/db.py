"""Engine and session scope.

SQLite gets WAL, foreign keys, a busy timeout and synchronous=FULL (money will live here);
PostgreSQL gets a plain pooled engine. Engines are cached per URL so tests can point the
process at another database by changing settings and calling `reset_engines()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from tutorhub.settings import get_settings

_engines: dict[str, Engine] = {}


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
    conn.exec_driver_sql("BEGIN")


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
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
            event.listen(engine, "connect", _configure_sqlite)
            event.listen(engine, "begin", _begin_sqlite)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        _engines[url] = engine
    return engine


def reset_engines() -> None:
    """Dispose every cached engine (tests switch databases)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
