"""Helpers the benchmarks share: percentiles, free ports, and starting/stopping a server process.

`start_granian` starts an ASGI app under granian with ONE worker — the server Reflex runs in
production (`reflex run --env prod` and deploy/serve.py), so a bare app measured under it and the
real app differ only by what the app does.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.support.processes import stop_process_group

REPO = Path(__file__).resolve().parent.parent


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q + 0.5) - 1))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_process(proc)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def start_granian(target: str, port: int, env: dict[str, str], log: Path, *, health: str = "/health",
                  websockets: bool = False, timeout: float = 120) -> subprocess.Popen:
    """`granian --interface asgi --workers 1 <target>` on 127.0.0.1:port, answered `health` → 200."""
    args = [str(REPO / ".venv" / "bin" / "granian"), "--interface", "asgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--log-level", "warning"]
    if not websockets:
        args.append("--no-ws")
    with log.open("wb") as out:
        proc = subprocess.Popen([*args, target], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    wait_healthy(f"http://127.0.0.1:{port}{health}", proc, log, timeout)
    return proc


stop_process = stop_process_group  # the benchmarks' name for it
