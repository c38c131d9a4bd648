"""compose.yaml's topology without containers, for tests/deploy/test_replicas_nginx.py and
benchmarks/bench_realtime.py --replicas 2: PostgreSQL and Redis of this machine (a private
database, a Redis database number and a broker prefix of its own), two app replicas started as the
image starts them (deploy/serve.py, one prebuilt frontend), and Debian's nginx in front with the
shipped deploy/nginx.conf (only the upstream addresses and the listen port changed).

`nginx_topology(prepare)` is a context manager yielding a Topology; `prepare(env)`, when given, runs
after the database is migrated (create-admin) and before the replicas start: `env` is the
replicas' environment (REFLEX_DB_URL, TUTORHUB_SECRET_KEY, ...), e.g. to seed accounts. Calls
`pytest.skip` (outside pytest: raises `pytest.skip.Exception`) when nginx, bun, PostgreSQL or
Redis are missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Topology:
    proxy: str
    a: str
    b: str
    replicas: dict[str, subprocess.Popen]
    nginx: subprocess.Popen
    workdir: Path

    def diagnose(self) -> str:
        logs = "".join(f"\n--- {p.name}:\n{p.read_text()[-2000:]}" for p in sorted(self.workdir.glob("*.log")))
        return f"nginx exit code: {self.nginx.poll()}{logs}"


def _nginx_conf(workdir: Path, port: int, a: int, b: int) -> Path:
    site = (REPO / "deploy/nginx.conf").read_text()
    site = site.replace("app1:3000", f"127.0.0.1:{a}").replace("app2:3000", f"127.0.0.1:{b}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (workdir / "site.conf").write_text(site)
    temp = workdir / "nginx-temp"
    temp.mkdir()
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"pid {workdir}/nginx.pid;\nerror_log {workdir}/nginx-error.log warn;\nevents {{ worker_connections 4096; }}\n"
        "http {\n  access_log off;\n"
        + "".join(f"  {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  include {workdir}/site.conf;\n}}\n")
    return conf


def _wait(url: str, proc: subprocess.Popen, log: Path, limit: float = 360) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} never answered 200:\n{log.read_text()[-4000:]}")


@contextmanager
def nginx_topology(prepare: Callable[[dict[str, str]], None] | None = None) -> Iterator[Topology]:
    from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, BUN, _app_env, _free_port
    from tests.e2e.replicas import _drop_pg_database, _pg_base, _private_pg_database, _redis_url, _stop

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    if not BUN.exists():
        pytest.skip("bun is needed (make bun)")
    redis_url = _redis_url()
    pg_base = _pg_base()
    db_name, db_url = _private_pg_database(pg_base)
    workdir = Path(tempfile.mkdtemp(prefix="tutorhub-nginx-"))
    procs: list[subprocess.Popen] = []
    try:
        proxy_port, port_a, port_b = _free_port(), _free_port(), _free_port()
        proxy = f"http://127.0.0.1:{proxy_port}"
        env = _app_env(workdir)
        env.update({"REFLEX_DB_URL": db_url, "REFLEX_REDIS_URL": redis_url,
                    "TUTORHUB_BROKER_PREFIX": f"nginx-{uuid.uuid4().hex[:8]}:",
                    "REFLEX_WEB_WORKDIR": str(workdir / "web"), "TUTORHUB_PUBLIC_URL": proxy, "REFLEX_API_URL": proxy,
                    "TUTORHUB_HOST": "127.0.0.1", "GRANIAN_WORKERS": "1", "REFLEX_TELEMETRY_ENABLED": "false"})
        python = str(REPO / ".venv/bin/python") if (REPO / ".venv/bin/python").exists() else sys.executable
        subprocess.run([python, "-m", "tutorhub", "create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD,
                        "--name", "E2E Admin"], cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
        if prepare is not None:
            prepare(env)
        # One production build for both replicas, as one image serves every replica.
        built = subprocess.run([str(Path(python).parent / "reflex"), "export", "--frontend-only", "--no-zip",
                                "--env", "prod"], cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        replicas = {}
        for name, port in (("a", port_a), ("b", port_b)):
            log = workdir / f"app-{name}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen([python, str(REPO / "deploy/serve.py")], cwd=REPO, env={**env, "PORT": str(port)},
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            procs.append(proc)
            replicas[name] = proc
            _wait(f"http://127.0.0.1:{port}/health", proc, log)
        conf = _nginx_conf(workdir, proxy_port, port_a, port_b)
        with (workdir / "nginx.log").open("wb") as out:
            proc = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        _wait(f"{proxy}/health", proc, workdir / "nginx-error.log", limit=30)
        yield Topology(proxy, f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}", replicas, proc, workdir)
    finally:
        for proc in procs:
            if proc.poll() is None:
                _stop(proc)
        try:
            _drop_pg_database(pg_base, db_name)
        except Exception:  # noqa: BLE001  (cleanup only)
            pass
        shutil.rmtree(workdir, ignore_errors=True)
