"""Start the real app once per test session and drive it with Chromium through Playwright.

The app runs exactly as in production (`reflex run --env prod --single-port`) from this repository,
against its own temporary SQLite database and private-file directory, with demo seeding off; the
tests create what they need (an admin via `python -m tutorhub create-admin`, everybody else
through the browser). `tests/conftest.py` points REFLEX_DB_URL at the unit-test database when it is
imported, so the app gets an explicit environment of its own.

Skipped (with the reason) when bun or Chromium is missing. The production build takes 1–3 minutes;
the fixture waits up to 6. Set TUTORHUB_E2E_SHOTS=/some/dir to keep phone and desktop screenshots.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.e2e.axe import axe_available, axe_blockers
from tests.support.processes import stop_process_group

REPO = Path(__file__).resolve().parents[2]
BUN = REPO / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ADMIN_EMAIL = "e2e-admin@example.com"
ADMIN_PASSWORD = "e2e-admin-pass-123"
START_TIMEOUT = 360
PHONE = {"width": 390, "height": 844}
APP_ENV: dict[str, str] = {}  # the running app's environment (database URL etc.), set by app_url
JANUS_PORTS: dict[str, int] = {}  # where the app expects Janus (tests/e2e/test_video_room.py starts it there)
DESKTOP = {"width": 1280, "height": 800}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REFLEX_", "TUTORHUB_"))}
    env.update(
        {
            "REFLEX_DB_URL": f"sqlite:///{workdir / 'e2e.db'}",
            "TUTORHUB_STORAGE_DIR": str(workdir / "private"),
            "TUTORHUB_SEED_DEMO": "0",
            "TUTORHUB_ENV": "development",
            "TUTORHUB_ALLOW_PRIVATE_CALENDAR_URLS": "1",  # outside calendars served by the tests' local server
            "TUTORHUB_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
            "TUTORHUB_TEST_CLOCK_FILE": str(workdir / "clock-offset"),  # the app's clock (`app_clock`)
            "REFLEX_BUN_PATH": str(BUN),
            "REFLEX_PERF_MODE": os.environ.get("TUTORHUB_E2E_PERF_MODE", "raise"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    JANUS_PORTS.setdefault("http", _free_port())
    JANUS_PORTS.setdefault("admin", _free_port())
    env.update({"TUTORHUB_JANUS_HTTP_PORT": str(JANUS_PORTS["http"]),
                "TUTORHUB_JANUS_ADMIN_PORT": str(JANUS_PORTS["admin"])})
    return env


def _wait_until_up(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            health = httpx.get(f"{base}/health", timeout=3)
            page = httpx.get(f"{base}/", timeout=5)
            if health.status_code == 200 and page.status_code == 200 and "<html" in page.text.lower():
                return
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise RuntimeError(f"the app did not answer within {START_TIMEOUT}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    if not BUN.exists():
        pytest.skip(f"bun not found at {BUN} (npm install --prefix .tools bun@1.4.4)")
    if not CHROMIUM.exists():
        pytest.skip("Chromium not found at /usr/bin/chromium (apt-get install -y chromium)")
    # One production build in `.web` at a time: concurrent runs from the same checkout would
    # overwrite each other's compiled frontend, so a second run waits here for the first.
    lock_file = open(REPO / ".e2e.lock", "w")  # noqa: SIM115  (held for the whole session)
    fcntl.flock(lock_file, fcntl.LOCK_EX)
    workdir = Path(tempfile.mkdtemp(prefix="tutorhub-e2e-"))
    env = _app_env(workdir)
    python = REPO / ".venv" / "bin" / "python"
    reflex = REPO / ".venv" / "bin" / "reflex"
    subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            "-m",
            "tutorhub",
            "create-admin",
            "--email",
            ADMIN_EMAIL,
            "--password",
            ADMIN_PASSWORD,
            "--name",
            "E2E Admin",
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    # Checkout return URLs and links in messages are built from the public URL: this server's.
    env["TUTORHUB_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    APP_ENV.clear()
    APP_ENV.update(env)  # for tests that run a CLI / job against the same database
    log = workdir / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(reflex),
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log)
        yield base
    finally:
        stop_process_group(proc)
        if os.environ.get("TUTORHUB_E2E_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"e2e work dir kept: {workdir}")
        fcntl.flock(lock_file, fcntl.LOCK_UN)
        lock_file.close()


class AppClock:
    """The running app's clock (models/base.utcnow reads TUTORHUB_TEST_CLOCK_FILE): tests move it
    forward instead of sleeping until a lesson starts. The browser's own clock is not moved."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set_offset(self, seconds: float) -> None:
        self.path.write_text(f"{seconds:.3f}", encoding="ascii")
        time.sleep(0.3)  # the app re-reads the file at most every 0.25 s

    def advance_to(self, instant: datetime) -> None:
        """From now on the app's "now" is about `instant` (and runs on from there)."""
        self.set_offset(max(0.0, (instant - datetime.now(UTC)).total_seconds()))


@pytest.fixture
def app_clock(app_url: str) -> Iterator[AppClock]:
    clock = AppClock(Path(APP_ENV["TUTORHUB_TEST_CLOCK_FILE"]))
    yield clock
    clock.set_offset(0)  # the next test starts at the real time again


@pytest.fixture(scope="module")
def chromium_browser(app_url: str):
    """Chromium for one test module (Playwright's sync API keeps an event loop running while open)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page of every browser test reports Content-Security-Policy violations to the console, where
# `watch_csp` collects them (with Chromium's own "Refused to …" errors); the fixture fails the test on any.
CSP_PROBE = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
    + `in ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


def watch_csp(context, violations: list[str]) -> None:
    """Collect CSP violations of every page opened in `context` into `violations`."""
    context.add_init_script(CSP_PROBE)

    def _console(message) -> None:
        text = message.text
        if message.type == "error" and ("CSP violation" in text or "Refused to" in text):
            violations.append(f"{message.page.url if message.page else '?'}: {text}")

    context.on("console", _console)


def _axe_check(contexts: list) -> list[str]:
    """axe-core on every page still open at the end of a test (see tests/e2e/axe.py); tests call
    `axe_blockers` themselves on pages they leave in between."""
    if not axe_available():
        return []
    found: list[str] = []
    for context in contexts:
        for page in context.pages:
            if page.is_closed() or not page.url.startswith("http"):
                continue
            try:
                found += axe_blockers(page)
            except Exception as exc:  # noqa: BLE001  (a page mid-navigation: nothing to judge)
                if "navigat" not in str(exc) and "closed" not in str(exc):
                    raise
    return found


@pytest.fixture
def new_context(chromium_browser, app_url):
    """Open isolated browser profiles (each with its own cookies): new_context(viewport=PHONE).
    Fails the test if any page opened in them reported a Content-Security-Policy violation;
    reports what axe-core finds (critical or serious) on the pages left open."""
    contexts = []
    violations: list[str] = []

    def _open(
        viewport: dict | None = None, timezone_id: str = "Europe/Lisbon", locale: str = "en-GB", has_touch: bool = False
    ):
        context = chromium_browser.new_context(
            viewport=viewport or DESKTOP, base_url=app_url, timezone_id=timezone_id, locale=locale, has_touch=has_touch
        )
        context.set_default_timeout(30_000)
        watch_csp(context, violations)
        contexts.append(context)
        return context

    AXE_FOUND.clear()
    yield _open
    blockers = AXE_FOUND + _axe_check(contexts)
    AXE_FOUND.clear()
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
    # Enforced on the pages tests/e2e/test_accessibility.py covers, which include the screens and
    # states the flows used to report here (toasts, the chat log, /enquiries, /student/times, the
    # notification settings, the admin's decision dialog); on any other screen a flow leaves open,
    # a violation is reported (pytest's warnings summary) for that test to take up.
    for blocker in blockers:
        warnings.warn(f"axe-core: {blocker}", AxeViolation, stacklevel=1)


class AxeViolation(UserWarning):
    """An accessibility violation axe-core found on a screen a flow test left open."""


AXE_FOUND: list[str] = []  # what `shot` saw on the screens it was asked to keep (checked at the end)


def shot(page, name: str) -> None:
    """Keep a screenshot when TUTORHUB_E2E_SHOTS names a directory (for eyeballing layouts); every
    screen a test shows this way is also checked by axe-core (reported at the end of the test)."""
    if axe_available():
        AXE_FOUND.extend(axe_blockers(page))
    target = os.environ.get("TUTORHUB_E2E_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(target) / f"{name}-{width}.png"), full_page=True)


# Two app processes sharing PostgreSQL + Redis (live updates across replicas): see replicas.py.
from tests.e2e.replicas import TwoApps, two_apps  # noqa: E402,F401
