"""Backup and restore as an operator runs them: `python -m tutorhub backup --to DIR` while the app
writes, then `restore --from DIR` into a fresh install (SQLite file or PostgreSQL database)."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import IS_POSTGRES, TEST_DB_URL
from tests.support.money import fund_wallet
from tutorhub.db import normalize_url, session_scope
from tutorhub.services.ops.backup import BackupError, backup_to, run_scheduled_backup, scheduled_backups
from tutorhub.services.ops.restore import restore_from
from tutorhub.settings import get_settings

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutorhub", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def fresh_target(tmp_path) -> Iterator[dict[str, str]]:
    """Environment for a fresh install: a new SQLite file, or a new PostgreSQL database."""
    env = {**os.environ, "TUTORHUB_STORAGE_DIR": str(tmp_path / "restored" / "private")}
    if IS_POSTGRES:
        name = f"th_restore_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(normalize_url(TEST_DB_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        env["REFLEX_DB_URL"] = f"{TEST_DB_URL.rsplit('/', 1)[0]}/{name}"
        try:
            yield env
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        env["REFLEX_DB_URL"] = f"sqlite:///{tmp_path / 'restored' / 'tutorhub.db'}"
        yield env


@pytest.fixture
def private_files() -> Iterator[dict[str, bytes]]:
    storage = get_settings().storage_dir
    files = {"verification/41/diploma.pdf": b"%PDF-1.4\n" + secrets.token_bytes(20_000),
             "chat/7/photo.jpg": b"\xff\xd8\xff" + secrets.token_bytes(3_000), "avatars/empty.png": b""}
    for name, data in files.items():
        (storage / name).parent.mkdir(parents=True, exist_ok=True)
        (storage / name).write_bytes(data)
    yield files
    for name in files:
        (storage / name).unlink(missing_ok=True)


def _state(url: str) -> tuple[dict[str, int], list[tuple]]:
    """Row counts of every table and every ledger balance, read on a fresh connection."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            names = [r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type='table'" if url.startswith("sqlite") else
                "SELECT tablename FROM pg_tables WHERE schemaname='public'"))]
            counts = {n: int(conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one())  # noqa: S608
                      for n in names if n != "alembic_version" and not n.startswith("sqlite_")}
            balances = [tuple(r) for r in conn.execute(text(
                "SELECT a.code, e.unit, SUM(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
                "GROUP BY a.code, e.unit ORDER BY a.code, e.unit"))]
    finally:
        engine.dispose()
    return counts, balances


def _some_money(db, make_user, students: int = 3) -> None:
    for _ in range(students):
        student = make_user("student")
        fund_wallet(db, student.id, 12_345)
        fund_wallet(db, student.id, 500, "INR")
    db.commit()


def test_round_trip_into_a_fresh_install(tmp_path, db, make_user, private_files, fresh_target):
    _some_money(db, make_user)
    source_secrets = tmp_path / "secrets-source.json"
    source_secrets.write_text(json.dumps({"secret_key": "k" * 64, "sandbox_webhook_secret": "whsec_sbx_" + "a" * 64}))
    backup = _run(["backup", "--to", str(tmp_path / "backup")], {**os.environ, "TUTORHUB_SECRETS_FILE": str(source_secrets)})
    assert backup.returncode == 0, backup.stderr
    assert "private files" in backup.stdout
    assert (tmp_path / "backup" / "manifest.json").is_file()

    restored = _run(["restore", "--from", str(tmp_path / "backup")], fresh_target)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "verify-ledger: ok" in restored.stdout

    source_counts, source_balances = _state(TEST_DB_URL)
    counts, balances = _state(fresh_target["REFLEX_DB_URL"])
    assert counts == source_counts and counts["ledger_entries"] >= 12 and counts["users"] == 3
    assert balances == source_balances and len(balances) >= 6
    storage = Path(fresh_target["TUTORHUB_STORAGE_DIR"])
    for name, data in private_files.items():
        assert (storage / name).read_bytes() == data
    secrets_copy = storage.parent / "secrets.json"
    assert secrets_copy.read_text() == source_secrets.read_text()
    assert secrets_copy.stat().st_mode & 0o077 == 0

    again = _run(["restore", "--from", str(tmp_path / "backup")], fresh_target)
    assert again.returncode == 2 and "--force" in again.stderr  # a non-empty target is refused
    forced = _run(["restore", "--from", str(tmp_path / "backup"), "--force"], fresh_target)
    assert forced.returncode == 0, forced.stderr
    assert "kept in" in forced.stdout  # the files that were there are set aside, not deleted
    assert _state(fresh_target["REFLEX_DB_URL"]) == (source_counts, source_balances)


def test_backup_while_the_app_writes_is_one_consistent_snapshot(tmp_path, db, make_user, fresh_target):
    student = make_user("student")
    stop = threading.Event()
    written = {"n": 0}
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                with session_scope() as session:
                    fund_wallet(session, student.id, 100)
                written["n"] += 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        while written["n"] < 20:
            stop.wait(0.01)
        before = written["n"]
        backup = _run(["backup", "--to", str(tmp_path / "backup")], dict(os.environ))
        during = written["n"]
        while written["n"] < during + 20:
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert backup.returncode == 0, backup.stderr

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    in_backup = manifest["database"]["row_counts"]["ledger_transactions"]
    assert before <= in_backup <= during < written["n"]  # taken while the writer ran, not after it
    assert manifest["database"]["row_counts"]["ledger_entries"] == 2 * in_backup  # no half-written posting

    restored = _run(["restore", "--from", str(tmp_path / "backup")], fresh_target)
    assert restored.returncode == 0, restored.stdout + restored.stderr  # counts match, verify-ledger ok
    counts, balances = _state(fresh_target["REFLEX_DB_URL"])
    assert counts["ledger_transactions"] == in_backup
    wallet = next(b for b in balances if b[0] == f"student:{student.id}:wallet")
    assert wallet[2] == -100 * in_backup


@pytest.fixture
def made_backup(tmp_path, db, make_user, private_files) -> Path:
    _some_money(db, make_user, students=1)
    backup_to(tmp_path / "backup", settings=get_settings(), now=NOW)
    return tmp_path / "backup"


def _fresh_settings(tmp_path: Path):
    if IS_POSTGRES:
        pytest.skip("the refusal checks run before the database is touched: SQLite covers them")
    return dataclasses.replace(get_settings(), db_url=f"sqlite:///{tmp_path / 'fresh' / 'db.sqlite3'}",
                               storage_dir=tmp_path / "fresh" / "private")


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "remove a file", "add a file", "break the manifest"])
def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path, made_backup, damage):
    target = _fresh_settings(tmp_path)
    victim = made_backup / "files" / "verification" / "41" / "diploma.pdf"
    if damage == "flip a byte":
        data = bytearray(victim.read_bytes())
        data[1000] ^= 0x01
        victim.write_bytes(bytes(data))
    elif damage == "truncate":
        (made_backup / "database.sqlite3" if not IS_POSTGRES else victim).write_bytes(b"SQLite format 3\x00")
    elif damage == "remove a file":
        victim.unlink()
    elif damage == "add a file":
        (made_backup / "files" / "planted.sh").write_text("#!/bin/sh\n")
    else:
        (made_backup / "manifest.json").write_text("{not json")
    with pytest.raises(BackupError) as refused:
        restore_from(made_backup, settings=target, force=False, now=NOW)
    assert any(word in refused.value.message for word in ("damaged", "missing", "does not list", "unreadable"))
    assert not (tmp_path / "fresh").exists()


def test_a_target_with_data_is_refused_without_force(tmp_path, made_backup):
    before = _state(TEST_DB_URL)
    with pytest.raises(BackupError, match="--force"):
        restore_from(made_backup, settings=get_settings(), force=False, now=NOW)
    assert _state(TEST_DB_URL) == before


def test_backup_refuses_a_folder_that_holds_something(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        backup_to(tmp_path / "full", settings=get_settings(), now=NOW)
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


def test_the_nightly_backup_keeps_the_newest_few(tmp_path, db, make_user):
    _some_money(db, make_user, students=1)
    settings = dataclasses.replace(get_settings(), backup_dir=tmp_path / "nightly", backup_keep=2)
    (tmp_path / "nightly").mkdir()
    (tmp_path / "nightly" / ".tutorhub-x.partial-abc").mkdir()  # an interrupted run's leftover
    (tmp_path / "nightly" / "operator-notes").mkdir()  # not ours: left alone
    for day in range(3):
        result = run_scheduled_backup(settings=settings, now=NOW + timedelta(days=day))
        assert result["rows"] > 0
    kept = [p.name for p in scheduled_backups(tmp_path / "nightly")]
    assert kept == ["tutorhub-20260302T020000Z", "tutorhub-20260303T020000Z"]
    assert sorted(p.name for p in (tmp_path / "nightly").iterdir()) == sorted([*kept, "operator-notes"])
    off = dataclasses.replace(get_settings(), backup_dir=None)
    assert "skipped" in run_scheduled_backup(settings=off, now=NOW)


def test_the_nightly_backup_is_a_registered_job(tmp_path, monkeypatch, db, make_user):
    from tutorhub.jobs.scheduler import JOBS, nightly_backup
    from tutorhub.settings import reset_settings

    assert ("nightly_backup", nightly_backup) in {(j.job_id, j.func) for j in JOBS}
    _some_money(db, make_user, students=1)
    monkeypatch.setenv("TUTORHUB_BACKUP_DIR", str(tmp_path / "nightly"))
    monkeypatch.setenv("TUTORHUB_BACKUP_KEEP", "1")
    reset_settings()
    try:
        nightly_backup(NOW)
        nightly_backup(NOW + timedelta(days=1))
        assert [p.name for p in scheduled_backups(tmp_path / "nightly")] == ["tutorhub-20260302T020000Z"]
    finally:
        monkeypatch.undo()
        reset_settings()
