"""The container recipe, proven without a Docker engine: the Dockerfile's own scripts
(deploy/build.sh, deploy/entrypoint.sh) run in a fresh Debian root made with debootstrap, as root
for the build and as an unprivileged user for the app, which must then answer /ready.

Slow (several minutes: a Debian base, Python packages, bun and the frontend build), so it runs only
with TUTORHUB_DEPLOY_TESTS=1: `make test-deploy`, a step of .ci/run, never `make test`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.deploy import debian_root

pytestmark = [
    pytest.mark.skipif(os.environ.get("TUTORHUB_DEPLOY_TESTS") != "1",
                       reason="slow: runs with TUTORHUB_DEPLOY_TESTS=1 (make test-deploy)"),
    pytest.mark.timeout(3600),
]
APP_USER = "10001:10001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, limit: float = 300) -> httpx.Response:
    deadline = time.monotonic() + limit
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            res = httpx.get(url, timeout=5)
            if res.status_code == 200:
                return res
            last = f"{res.status_code} {res.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(1)
    pytest.fail(f"/ready never answered 200 (last: {last}):\n{log.read_text()[-4000:]}")


def test_the_image_scripts_build_and_serve_in_a_fresh_debian_root():
    reason = debian_root.missing_tools()
    if reason:
        pytest.skip(reason)
    work = Path(tempfile.mkdtemp(prefix="tutorhub-debian-root-", dir="/var/tmp"))
    root = work / "root"
    proc = None
    try:
        seconds = debian_root.make_root(root)
        print(f"\ndebootstrap ({debian_root.SUITE}, minbase + {len(debian_root.PACKAGES)} packages): {seconds:.0f} s")
        print(f"apt-get install nodejs npm janus in the root: {debian_root.install_build_packages(root):.0f} s")
        debian_root.copy_app(root)
        port = _free_port()
        public = f"http://127.0.0.1:{port}"

        started = time.monotonic()
        built = debian_root.run(root, ["/app/deploy/build.sh"],
                                {**debian_root.network_env(), "TUTORHUB_PUBLIC_URL": public})
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        print(f"deploy/build.sh: {time.monotonic() - started:.0f} s")
        assert (root / "app/.web/build/client/index.html").is_file()
        assert not (root / "app/.web/node_modules").exists()

        # The final image's user and volume (Dockerfile): the app runs unprivileged and writes only /data.
        setup = debian_root.run(root, ["sh", "-c", "groupadd --system --gid 10001 tutorhub && useradd --system "
                                       "--uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin tutorhub && "
                                       "mkdir -p /data && chown tutorhub:tutorhub /data && chown -R tutorhub:tutorhub /app"],
                                {})
        assert setup.returncode == 0, setup.stderr
        token = "scrape-" + secrets.token_urlsafe(32)
        env = {"HOME": "/data", "PORT": str(port), "TUTORHUB_PUBLIC_URL": public,
               "TUTORHUB_SECRET_KEY": secrets.token_urlsafe(48), "TUTORHUB_METRICS_TOKEN": token}
        log = work / "app.log"
        started = time.monotonic()
        with log.open("wb") as out:
            proc = subprocess.Popen(debian_root.command(root, ["/app/deploy/entrypoint.sh", "serve"], env, user=APP_USER),
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        ready = _wait_ready(f"{public}/ready", proc, log)
        print(f"start to /ready: {time.monotonic() - started:.0f} s")
        body = ready.json()
        assert body["database"] == "ok" and body["migrations"] == "ok" and body["status"] == "ready"

        page = httpx.get(f"{public}/", timeout=30)
        assert page.status_code == 200 and "<title>TutorHub" in page.text  # the built frontend, same port
        # The entrypoint started the image's Janus beside the app: /health reports it (a cached ping).
        deadline, health_body = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            health_body = httpx.get(f"{public}/health", timeout=10).json()
            if health_body.get("sfu") == "ok":
                break
            time.sleep(2)
        assert health_body == {"status": "ok", "sfu": "ok"}, (log.read_text()[-2000:], health_body)
        metrics = httpx.get(f"{public}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert metrics.status_code == 200 and 'route="/ready"' in metrics.text
        health = debian_root.run(root, ["/app/deploy/entrypoint.sh", "healthcheck"], env, user=APP_USER, timeout=60)
        assert health.returncode == 0, health.stderr  # the image's HEALTHCHECK

        # Backups are taken while the app serves, by the same user, into the volume.
        backup = debian_root.run(root, ["/app/deploy/entrypoint.sh", "backup", "--to", "/data/backups/manual"], env,
                                 user=APP_USER, timeout=300)
        assert backup.returncode == 0, backup.stdout + backup.stderr
        manifest = json.loads((root / "data/backups/manual/manifest.json").read_text())
        assert manifest["database"]["kind"] == "sqlite" and manifest["database"]["row_counts"]
        assert (root / "data/tutorhub.db").stat().st_uid == 10001

        lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
        assert any(json.loads(line).get("logger") == "tutorhub.request" for line in lines)  # JSON logs by default
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        debian_root.remove_root(work)
