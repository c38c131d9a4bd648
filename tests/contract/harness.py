"""Start the API on a free port over a fresh database, sign people in, and run Schemathesis against it.

Used by tests/contract/test_schemathesis.py and runnable by hand for the figures:

    .venv/bin/python -m tests.contract.harness [--examples 20] [--seed 20260611] [--role student]

The app runs as `make run` serves it (tests/contract/asgi.py: the API with a stand-in frontend mounted
behind it), in a subprocess under granian (the server `reflex run` uses), over a new SQLite database migrated and seeded with the demo
data (tutors, students, an admin). Tokens come from `POST /api/v1/auth/login` like any client's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SEED = 20260611
EXAMPLES = 20
DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 (public demo logins, see tutorhub/demo/seed.py)
ROLES = {"student": "student1@tutorhub.test", "tutor": "tutor1@tutorhub.test"}
# Signing out everywhere revokes the run's own token (every later request would be a 401): it gets a
# run of its own, after the others.
LAST_PATHS = ("/api/v1/auth/logout-all",)


@dataclass
class App:
    base_url: str
    workdir: Path
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORHUB_", "REFLEX_"))}
    env.update(
        REFLEX_DB_URL=f"sqlite:///{workdir / 'app.db'}",
        TUTORHUB_ENV="development",
        TUTORHUB_STORAGE_DIR=str(workdir / "private"),
        TUTORHUB_SECRETS_FILE=str(workdir / "secrets.json"),
        TUTORHUB_SECRET_KEY="contract-test-signing-key-" + os.urandom(16).hex(),
        TUTORHUB_SEED_DEMO="1",
        TUTORHUB_RUN_JOBS="1",  # as `make run`: the scheduler holds its lease, so /ready answers 200
        TUTORHUB_ACCESS_TOKEN_TTL_MINUTES="600",
        TUTORHUB_CONTRACT_SITE_DIR=str(workdir / "site"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _wait_healthy(base_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the app did not answer /health in 60 s:\n{log.read_text()[-4000:]}")


def login(base_url: str, email: str, password: str = DEMO_PASSWORD) -> str:
    res = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30)
    res.raise_for_status()
    return str(res.json()["access_token"])


@contextlib.contextmanager
def running_app(workdir: Path | None = None) -> Iterator[App]:
    """The app under granian (the server `reflex run` uses) on a free port, over a fresh migrated database with the demo data."""
    own = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="tutorhub-contract-"))
    env = app_env(workdir)
    subprocess.run([sys.executable, "-m", "tutorhub", "prepare"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--log-level", "warning", "tests.contract.asgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, proc, log)
        app = App(base_url=base_url, workdir=workdir, env=env)
        app.tokens = {role: login(base_url, email) for role, email in ROLES.items()}
        yield app
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


KNOWN_FAILURES = Path(__file__).with_name("known_failures.txt")
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = "tests.contract.hooks"  # the rules between values JSON Schema cannot state (see hooks.py)


def _listed() -> list[str]:
    lines = KNOWN_FAILURES.read_text().splitlines() if KNOWN_FAILURES.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def known_failures() -> set[str]:
    """"check METHOD path" lines still accepted (see known_failures.txt; a leading "~ " marks one that
    depends on the generated data, so it may also pass)."""
    return {line.removeprefix("~ ").strip() for line in _listed()}


def sometimes_failing() -> set[str]:
    """The lines marked "~ ": never reported as stale when a run happens not to fail them."""
    return {line.removeprefix("~ ").strip() for line in _listed() if line.startswith("~ ")}


@dataclass
class RunResult:
    returncode: int
    failures: Counter[str]
    details: list[str]
    output: str
    report: Path

    @staticmethod
    def listed_form(line: str) -> str:
        """A detail line ("check CODE METHOD path: message") as known_failures.txt writes it."""
        check, _code, method, path = line.split(" ", 4)[:4]
        return f"{check} {method} {path.rstrip(':')}"

    @property
    def failed(self) -> set[str]:
        return {self.listed_form(line) for line in self.details}

    @property
    def new_failures(self) -> list[str]:
        """Failures not listed in known_failures.txt."""
        known = known_failures()
        return [line for line in self.details if self.listed_form(line) not in known]


def _count_failures(ndjson: Path) -> tuple[Counter[str], list[str]]:
    """Distinct failures per check (by operation, code and message, as Schemathesis counts them) from its
    NDJSON event stream, and one line per distinct failure for the test's message."""
    seen: set[tuple[str, str, str, str]] = set()
    if ndjson.exists():
        for line in ndjson.read_text().splitlines():
            finished = json.loads(line).get("ScenarioFinished")
            for checks in ((finished or {}).get("recorder", {}).get("checks") or {}).values():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    info = (check.get("failure_info") or {}).get("failure") or {}
                    seen.add((str(check.get("name")), str(info.get("operation", "")), str(info.get("code", "")),
                              str(info.get("message", ""))[:300]))
    counts = Counter(name for name, *_ in seen)
    lines = [f"{name} {code} {operation}: {message.splitlines()[0] if message else ''}"
             for name, operation, code, message in sorted(seen)]
    return counts, lines


def run_schemathesis(app: App, role: str | None, *, examples: int = EXAMPLES, seed: int = SEED,
                     label: str = "", extra: tuple[str, ...] = ()) -> RunResult:
    """`st run` over the whole OpenAPI document with every check, as `role` (None: anonymous)."""
    name = label or role or "anonymous"
    report = app.workdir / f"schemathesis-{name}.ndjson"
    cmd = [
        str(VENV_BIN / "st"), "--config-file", str(CONFIG), "run", f"{app.base_url}/api/v1/openapi.json",
        "--checks", "all", "--seed", str(seed), "--max-examples", str(examples),
        "--generation-database", "none", "--workers", "1", "--no-color", "--continue-on-failure",
        "--request-timeout", "30", "--report", "ndjson", "--report-ndjson-path", str(report),
        *extra,
    ]
    if role:
        cmd += ["--header", f"Authorization: Bearer {app.tokens[role]}"]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": HOOKS, "TUTORHUB_CONTRACT_BASE_URL": app.base_url,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(cmd, cwd=app.workdir, env=env, capture_output=True,
                          text=True, timeout=1800)
    failures, details = _count_failures(report)
    return RunResult(proc.returncode, failures, details, proc.stdout + proc.stderr, report)


def run_role(app: App, role: str | None, *, examples: int = EXAMPLES, seed: int = SEED) -> RunResult:
    """Every operation as `role`, then (with a fresh token) the ones that revoke it."""
    name = role or "anonymous"
    excluded = tuple(arg for path in LAST_PATHS for arg in ("--exclude-path", path))
    included = tuple(arg for path in LAST_PATHS for arg in ("--include-path", path))
    main = run_schemathesis(app, role, examples=examples, seed=seed, label=name, extra=excluded)
    if role:
        app.tokens[role] = login(app.base_url, ROLES[role])
    last = run_schemathesis(app, role, examples=examples, seed=seed, label=f"{name}-last", extra=included)
    if role:
        app.tokens[role] = login(app.base_url, ROLES[role])
    return RunResult(max(main.returncode, last.returncode), main.failures + last.failures,
                     main.details + last.details, main.output + last.output, main.report)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=EXAMPLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--role", action="append", choices=[*ROLES, "anonymous"])
    parser.add_argument("--keep", type=Path, help="keep the work folder here (reports, server log)")
    parser.add_argument("--path", action="append", default=[],
                        help="only this operation path (repeatable), e.g. /api/v1/classes: a quick run while fixing one")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with running_app(args.keep) as app:
        for role in args.role or [*ROLES, "anonymous"]:
            started = time.monotonic()
            user = None if role == "anonymous" else role
            if args.path:
                only = tuple(arg for path in args.path for arg in ("--include-path", path))
                result = run_schemathesis(app, user, examples=args.examples, seed=args.seed, extra=only)
            else:
                result = run_role(app, user, examples=args.examples, seed=args.seed)
            took = time.monotonic() - started
            print(f"== {role}: exit {result.returncode}, {sum(result.failures.values())} failures "
                  f"({len(result.new_failures)} not in known_failures.txt), {took:.0f} s")
            for check, count in sorted(result.failures.items()):
                print(f"   {check}: {count}")
            (app.workdir / f"st-{role}.txt").write_text(result.output)
            (app.workdir / f"failures-{role}.txt").write_text("\n".join(result.details) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
