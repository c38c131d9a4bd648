"""`python -m tutorhub backup --to DIR`: a consistent copy of the install while it keeps running.

A backup is a folder:
  manifest.json        format, time, database kind and revision, row counts, and the SHA-256 and
                       size of every other file in the folder (restore refuses any mismatch)
  database.sqlite3     SQLite: made with SQLite's online backup API in one step, so it is one
                       consistent snapshot even while other processes write (WAL readers never block)
  database.pgdump      PostgreSQL: `pg_dump -Fc` inside an exported REPEATABLE READ snapshot, the same
                       snapshot the row counts are read in
  files/...            the private files (TUTORHUB_STORAGE_DIR), copied after the database snapshot,
                       so every file the snapshot refers to is there
  secrets.json         the install's generated secrets, when it has them (tokens stay valid)

The folder is written under a temporary name beside DIR and renamed at the end: a backup that was
interrupted never looks complete. `run_scheduled_backup` is the nightly job: a dated folder under
TUTORHUB_BACKUP_DIR, keeping the newest TUTORHUB_BACKUP_KEEP.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, make_url

from tutorhub.db import normalize_url
from tutorhub.secrets_store import SECRETS_FILE_NAME
from tutorhub.services.errors import DomainError
from tutorhub.settings import Settings

FORMAT = "tutorhub-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES_DIR = "files"
SECRETS_COPY = "secrets.json"
SCHEDULED_PREFIX = "tutorhub-"
_CHUNK = 1024 * 1024


class BackupError(DomainError):
    """A backup cannot be made or restored; the message says why (exit code 2 on the command line)."""

    status_code = 409


@dataclass
class BackupResult:
    path: Path
    database: str
    revision: str
    tables: int
    rows: int
    files: int
    bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def secrets_path(settings: Settings) -> Path:
    """The install's generated-secrets file (also when the environment sets the key)."""
    given = os.environ.get("TUTORHUB_SECRETS_FILE", "").strip()
    return settings.secrets_file or (Path(given) if given else settings.storage_dir.parent / SECRETS_FILE_NAME)


def libpq_env(url: str) -> dict[str, str]:
    """PG* variables for pg_dump / pg_restore (the password never appears in a process list)."""
    parsed: URL = make_url(normalize_url(url))
    env = dict(os.environ)
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                        ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value is not None:
            env[name] = str(value)
    return env


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table, every table but Alembic's own."""
    names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
    return {name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one()) for name in names}


def _revision(conn: Connection) -> str:
    try:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none() or "")
    except Exception:  # noqa: BLE001  (an unmigrated database)
        return ""


def _sqlite_snapshot(db_path: Path, target: Path) -> tuple[str, dict[str, int]]:
    if not db_path.exists():
        raise BackupError(f"There is no database at {db_path}.")
    source = sqlite3.connect(db_path, timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: all pages in one step, under one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("The database copy failed SQLite's integrity check.")
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return _revision(conn), row_counts(conn)
    finally:
        engine.dispose()


def _postgres_snapshot(url: str, target: Path) -> tuple[str, dict[str, int]]:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            revision, counts = _revision(conn), row_counts(conn)
            done = subprocess.run(  # noqa: S603  (fixed arguments, no shell)
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={target}"],
                env=libpq_env(url), capture_output=True, text=True, timeout=6 * 3600, check=False,
            )
            conn.rollback()
    finally:
        engine.dispose()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return revision, counts


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            yield Path(root) / name


def _copy_files(storage: Path, target: Path) -> None:
    if not storage.is_dir():
        return
    for path in _walk(storage):
        if path.is_symlink() or not path.is_file():
            continue
        copy = target / path.relative_to(storage)
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, copy)
        except FileNotFoundError:
            continue  # deleted while we walked: it was not part of the snapshot either


def _checksums(folder: Path) -> dict[str, dict[str, Any]]:
    return {path.relative_to(folder).as_posix(): {"sha256": sha256_of(path), "bytes": path.stat().st_size}
            for path in _walk(folder) if path.name != MANIFEST}


def _fresh_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not empty: back up into a new folder.")


def backup_to(target: Path, *, settings: Settings, now: datetime) -> BackupResult:
    """Write a complete backup folder at `target` (which must not exist, or be empty)."""
    target = target.absolute()
    _fresh_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        if settings.is_sqlite:
            kind, name = "sqlite", SQLITE_FILE
            database = make_url(settings.db_url).database or ""
            revision, counts = _sqlite_snapshot(Path(database), work / name)
        else:
            kind, name = "postgresql", PG_FILE
            revision, counts = _postgres_snapshot(settings.db_url, work / name)
        _copy_files(settings.storage_dir, work / FILES_DIR)
        secrets = secrets_path(settings)
        if secrets.is_file():
            shutil.copy2(secrets, work / SECRETS_COPY)
            os.chmod(work / SECRETS_COPY, 0o600)
        checksums = _checksums(work)
        manifest = {"format": FORMAT, "version": VERSION, "created_at": now.isoformat(),
                    "database": {"kind": kind, "file": name, "revision": revision, "row_counts": counts},
                    "files": checksums}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.chmod(work, 0o700)  # secrets and private files inside
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    files = sum(1 for key in checksums if key.startswith(FILES_DIR + "/"))
    return BackupResult(path=target, database=kind, revision=revision, tables=len(counts), rows=sum(counts.values()),
                        files=files, bytes=sum(int(v["bytes"]) for v in checksums.values()))


def scheduled_backups(folder: Path) -> list[Path]:
    """The nightly job's complete backups in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(SCHEDULED_PREFIX)
                  and (p / MANIFEST).is_file())


def run_scheduled_backup(*, settings: Settings, now: datetime) -> dict[str, object]:
    """The nightly backup: `<TUTORHUB_BACKUP_DIR>/tutorhub-<UTC time>`, then keep the newest
    TUTORHUB_BACKUP_KEEP (older ones and leftovers of interrupted runs are removed)."""
    folder = settings.backup_dir
    if folder is None:
        return {"skipped": "TUTORHUB_BACKUP_DIR is not set"}
    result = backup_to(folder / f"{SCHEDULED_PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}", settings=settings, now=now)
    complete = scheduled_backups(folder)
    removed = 0
    for old in complete[: max(0, len(complete) - settings.backup_keep)]:
        shutil.rmtree(old)
        removed += 1
    for leftover in folder.glob(f".{SCHEDULED_PREFIX}*.partial-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return {"path": str(result.path), "rows": result.rows, "files": result.files, "removed": removed}
