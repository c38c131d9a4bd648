"""Lighthouse 12 on the pages a newcomer sees first — home, search (/tutors) and a tutor's profile —
for mobile and desktop: prints performance / accessibility / best practices / SEO and the layout
shift (CLS) of each.

Run: `.venv/bin/python benchmarks/bench_lighthouse.py [--url http://127.0.0.1:PORT]`.
Needs `npm install --prefix benchmarks/web` (lighthouse 12.2.3, pinned in package.json) and
Debian's Chromium (/usr/bin/chromium). Without --url it builds and starts the app itself
(`reflex run --env prod`, several minutes the first time) on a free port with a fresh demo database,
and stops it afterwards. Goals (issue 12): performance ≥ 85 mobile / ≥ 95 desktop, CLS ≤ 0.05,
accessibility ≥ 98.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
LIGHTHOUSE = REPO / "benchmarks" / "web" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_app() -> tuple[str, subprocess.Popen]:
    workdir = Path(tempfile.mkdtemp(prefix="tutorhub-lighthouse-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "TUTORHUB_"))}
    env.update({
        "REFLEX_DB_URL": f"sqlite:///{workdir / 'lighthouse.db'}",
        "TUTORHUB_STORAGE_DIR": str(workdir / "private"),
        "TUTORHUB_SEED_DEMO": "1",
        "TUTORHUB_ENV": "development",
        "TUTORHUB_RUN_JOBS": "0",
        "TUTORHUB_SECRET_KEY": "lighthouse-secret-key-that-is-long-enough-0123456789",
        "TUTORHUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REFLEX_BUN_PATH": str(REPO / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"),
    })
    log = open(workdir / "app.log", "wb")  # noqa: SIM115  (the app writes to it while it runs)
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--single-port",
         "--frontend-port", str(port), "--backend-port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited: see {workdir / 'app.log'}")
        try:
            if httpx.get(f"{base}/api/v1/tutors", timeout=5).status_code == 200 and \
                    "<html" in httpx.get(base, timeout=5).text.lower():
                return base, proc
        except httpx.HTTPError:
            pass
        time.sleep(3)
    raise SystemExit("the app did not start within 15 minutes")


def _first_tutor(base: str) -> int:
    found = httpx.get(f"{base}/api/v1/tutors", params={"per_page": 1}, timeout=10).json()
    return int(found["items"][0]["id"])


def _lighthouse(url: str, desktop: bool, save: Path | None = None) -> dict[str, float]:
    command = ["node", str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    if desktop:
        command.append("--preset=desktop")
    for attempt in range(3):  # Lighthouse's own trace errors (NO_NAVSTART, ...) ask for another run
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                              env={**os.environ, "CHROME_PATH": CHROMIUM})
        if done.returncode == 0 or "run Lighthouse again" not in done.stderr:
            break
        print(f"  (lighthouse asked for another run on {url}, attempt {attempt + 2} of 3)", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    if save is not None:
        save.write_text(done.stdout, encoding="utf-8")
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    scores["cls"] = round(report["audits"]["cumulative-layout-shift"]["numericValue"], 3)
    scores["lcp_s"] = round(report["audits"]["largest-contentful-paint"]["numericValue"] / 1000, 2)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running TutorHub with demo data (default: start one)")
    parser.add_argument("--save", type=Path, help="a directory to keep each full Lighthouse report (JSON) in")
    args = parser.parse_args()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    if not LIGHTHOUSE.exists():
        raise SystemExit("lighthouse missing: npm install --prefix benchmarks/web")
    proc = None
    base = args.url.rstrip("/") if args.url else None
    if base is None:
        base, proc = _start_app()
    try:
        pages = {"home": "/", "search": "/tutors", "profile": f"/tutors/{_first_tutor(base)}"}
        print(f"{'page':8} {'form':8} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5} {'CLS':>6} {'LCP s':>6}")
        for name, path in pages.items():
            for desktop in (False, True):
                httpx.get(base + path, timeout=30)  # warm the server's caches once
                form = "desktop" if desktop else "mobile"
                s = _lighthouse(base + path, desktop, args.save / f"{name}-{form}.json" if args.save else None)
                print(f"{name:8} {'desktop' if desktop else 'mobile':8} {s['performance']:>5} "
                      f"{s['accessibility']:>5} {s['best-practices']:>5} {s['seo']:>5} {s['cls']:>6} {s['lcp_s']:>6}",
                      flush=True)
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
