"""`python -m tutorhub restore --from DIR [--force]`: put a backup (services/ops/backup.py) back.

Order: check the manifest (every file present, same size and SHA-256, nothing unlisted; a backup of
another database kind is refused) before anything is touched; refuse a target that already holds
data unless `--force`; restore the database, the private files and the secrets; migrate to the
latest revision (a backup of an older release is upgraded); check the restored row counts against
the manifest; run verify-ledger. Stop the app first: a running app would keep writing to the
database being replaced. With `--force`, the private files that were there are kept aside in
`<storage dir>.before-restore-<time>` rather than deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, literal, select, table, text
from sqlalchemy.engine import Engine, make_url

from tutorhub.db import normalize_url
from tutorhub.services.ops.backup import (
    FILES_DIR,
    FORMAT,
    MANIFEST,
    PG_FILE,
    SECRETS_COPY,
    SQLITE_FILE,
    BackupError,
    libpq_env,
    row_counts,
    secrets_path,
    sha256_of,
)
from tutorhub.settings import Settings


@dataclass
class RestoreResult:
    database: str
    revision: str
    rows: int
    files: int
    set_aside: Path | None = None
    count_mismatches: list[str] = field(default_factory=list)


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup at `source`, after checking every file against it."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{source} is not a TutorHub backup (no {MANIFEST}).") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"The manifest of {source} is unreadable or damaged: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{source} is not a TutorHub backup (unknown manifest format).")
    listed: dict[str, Any] = manifest["files"]
    database = manifest.get("database") or {}
    if database.get("file") not in listed:
        raise BackupError("The backup's manifest lists no database file.")
    for name, expected in sorted(listed.items()):
        path = source / name
        if ".." in Path(name).parts or not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if path.stat().st_size != expected.get("bytes") or sha256_of(path) != expected.get("sha256"):
            raise BackupError(f"The backup is damaged: {name} does not match its checksum.")
    for root, _dirs, names in os.walk(source):
        for name in names:
            relative = (Path(root) / name).relative_to(source).as_posix()
            if relative != MANIFEST and relative not in listed:
                raise BackupError(f"The backup holds a file its manifest does not list: {relative}.")
    return manifest


def _has_rows(engine: Engine) -> bool:
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        return any(conn.execute(select(literal(1)).select_from(table(n)).limit(1)).first() is not None for n in names)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def _restore_sqlite(copy: Path, database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = database.with_name(database.name + ".restoring")
    shutil.copyfile(copy, staged)
    with open(staged, "rb") as handle:
        os.fsync(handle.fileno())
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    os.replace(staged, database)


def _restore_postgres(dump: Path, url: str, engine: Engine) -> None:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError("pg_restore is not installed (Debian: apt-get install postgresql-client).")
    with engine.begin() as conn:  # empty (or --force): start from an empty schema
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    done = subprocess.run([pg_restore,  # noqa: S603  (fixed arguments, no shell) "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                           f"--dbname={libpq_env(url)['PGDATABASE']}", str(dump)],
                          env=libpq_env(url), capture_output=True, text=True, timeout=6 * 3600, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")


def _restore_files(copy: Path, storage: Path, *, now: datetime) -> tuple[int, Path | None]:
    set_aside = None
    if storage.exists() and _has_files(storage):
        set_aside = storage.with_name(f"{storage.name}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}")
        os.replace(storage, set_aside)
    elif storage.exists():
        shutil.rmtree(storage)
    if copy.is_dir():
        shutil.copytree(copy, storage)
    else:
        storage.mkdir(parents=True)
    return sum(1 for p in storage.rglob("*") if p.is_file()), set_aside


def restore_from(source: Path, *, settings: Settings, force: bool, now: datetime) -> RestoreResult:
    """Restore the backup at `source` into the configured database and storage folder, then
    migrate. The caller runs verify-ledger on the result (see the command)."""
    source = source.absolute()
    manifest = read_manifest(source)
    database = manifest["database"]
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if database.get("kind") != kind:
        raise BackupError(f"This is a {database.get('kind')} backup; the configured database is {kind}.")
    engine = create_engine(normalize_url(settings.db_url))
    try:
        db_path = Path(make_url(settings.db_url).database or "") if kind == "sqlite" else None
        occupied = (db_path is None or db_path.exists()) and _has_rows(engine)
        if not force and (occupied or _has_files(settings.storage_dir)):
            raise BackupError("The target database or storage folder already holds data: restore into a fresh "
                              "install, or pass --force to replace it.")
        engine.dispose()
        if db_path is not None:
            _restore_sqlite(source / SQLITE_FILE, db_path)
        else:
            _restore_postgres(source / PG_FILE, settings.db_url, engine)
        files, set_aside = _restore_files(source / FILES_DIR, settings.storage_dir, now=now)
        if (source / SECRETS_COPY).is_file():
            secrets = secrets_path(settings)
            secrets.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / SECRETS_COPY, secrets)
            os.chmod(secrets, 0o600)
        engine.dispose()
        with engine.connect() as conn:
            counts = row_counts(conn)
    finally:
        engine.dispose()
    expected: dict[str, int] = database.get("row_counts") or {}
    mismatches = [f"{name}: {counts.get(name)} rows, the backup had {rows}"
                  for name, rows in sorted(expected.items()) if counts.get(name) != rows]
    return RestoreResult(database=kind, revision=str(database.get("revision") or ""), rows=sum(counts.values()),
                         files=files, set_aside=set_aside, count_mismatches=mismatches)
