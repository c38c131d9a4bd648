"""Two app processes ("replicas") sharing one PostgreSQL database and one Redis, for the tests that
prove live updates cross processes (REFLEX_REDIS_URL set: Reflex keeps state in Redis and our
broker uses Redis pub/sub).

Fixture `two_apps` → TwoApps(a, b): two base URLs of `reflex run --env prod --single-port` on
different ports, each built into its own frontend directory (REFLEX_WEB_WORKDIR: the bundle
holds the backend port, and the repository's `.web` is left to `app_url`). Each run
gets a private PostgreSQL database, a Redis database number and a broker channel prefix of its
own, so parallel runs and other tests never see each other's hints. An admin
(ADMIN_EMAIL / ADMIN_PASSWORD) is created first, as in `app_url`.

Skipped with the reason when PostgreSQL (TUTORHUB_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/test) or Redis (TUTORHUB_TEST_REDIS_URL, else
redis://127.0.0.1:6379) cannot be reached, or when bun / Chromium are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import stop_process_group

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379"


@dataclass(frozen=True)
class TwoApps:
    a: str
    b: str
    db_url: str
    redis_url: str
    broker_prefix: str


def _pg_base() -> str:
    given = os.environ.get("TUTORHUB_TEST_DATABASE_URL", "").strip()
    return given if given.startswith("postgres") else os.environ.get("TUTORHUB_E2E_PG_URL", PG_DEFAULT)


def _private_pg_database(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    from tutorhub.db import normalize_url

    name = f"th_e2e_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable at {base} ({type(exc).__name__}); set TUTORHUB_TEST_DATABASE_URL")
    return name, f"{base.rsplit('/', 1)[0]}/{name}"


def _drop_pg_database(base: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    from tutorhub.db import normalize_url

    admin = create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _redis_url() -> str:
    import redis

    base = os.environ.get("TUTORHUB_TEST_REDIS_URL", REDIS_DEFAULT).rstrip("/")
    if base.rsplit("/", 1)[-1].isdigit():
        base = base.rsplit("/", 1)[0]
    try:
        redis.Redis.from_url(base, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {base} ({type(exc).__name__}); set TUTORHUB_TEST_REDIS_URL")
    return f"{base}/{7 + os.getpid() % 8}"  # a database number of its own (pub/sub is separated by prefix)


_stop = stop_process_group


@pytest.fixture(scope="session")
def two_apps() -> Iterator[TwoApps]:
    from tests.e2e.conftest import (
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        BUN,
        CHROMIUM,
        REPO,
        _app_env,
        _free_port,
        _wait_until_up,
    )

    if not BUN.exists():
        pytest.skip(f"bun not found at {BUN} (npm install --prefix .tools bun@1.4.4)")
    if not CHROMIUM.exists():
        pytest.skip("Chromium not found at /usr/bin/chromium (apt-get install -y chromium)")
    redis_url = _redis_url()
    pg_base = _pg_base()
    db_name, db_url = _private_pg_database(pg_base)
    prefix = f"e2e-{uuid.uuid4().hex[:8]}:"
    workdir = Path(tempfile.mkdtemp(prefix="tutorhub-replicas-"))
    env = _app_env(workdir)
    env.update({"REFLEX_DB_URL": db_url, "REFLEX_REDIS_URL": redis_url, "TUTORHUB_BROKER_PREFIX": prefix})
    python = REPO / ".venv" / "bin" / "python"
    reflex = REPO / ".venv" / "bin" / "reflex"
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run(
            [str(python if python.exists() else sys.executable), "-m", "tutorhub", "create-admin",
             "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--name", "E2E Admin"],
            cwd=REPO, env=env, check=True, capture_output=True, timeout=180,
        )
        urls = []
        for name in ("a", "b"):  # one after the other (two production builds at once starve 2 CPUs)
            port = _free_port()
            # Each replica compiles into a frontend directory of its own: the build bakes the backend
            # port into the bundle, so a shared `.web` would send both tabs to the last one built.
            env["REFLEX_WEB_WORKDIR"] = str(workdir / f"web-{name}")
            # The event websocket accepts only the public URL's origin (rxconfig.py): this replica's.
            env["TUTORHUB_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
            log = workdir / f"app-{name}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    [str(reflex), "run", "--env", "prod", "--single-port",
                     "--frontend-port", str(port), "--backend-port", str(port)],
                    cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            procs.append(proc)
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, proc, log)
            urls.append(base)
        yield TwoApps(urls[0], urls[1], db_url, redis_url, prefix)
    finally:
        for proc in procs:
            _stop(proc)
        try:
            _drop_pg_database(pg_base, db_name)
        except Exception:  # noqa: BLE001 - cleanup only
            pass
        if os.environ.get("TUTORHUB_E2E_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"replicas work dir kept: {workdir}")
