"""Does login timing tell which accounts exist? Median time of a wrong-password login for a real
account vs. an email nobody has, through the real API (FastAPI test client, SQLite file) with the
production argon2id parameters.

Run: `.venv/bin/python benchmarks/bench_login_timing.py [rounds]` (default 20 of each, interleaved
after a warm-up). Each attempt comes from its own client address, so the per-address throttle and
the per-(email, address) lock never answer instead of the password check; the statuses are printed
to show that every attempt was a plain 401. Printed: median and p90 per group, and the ratio of
the medians (1.0 = indistinguishable; before the fix it was about 15).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_TMP = Path(tempfile.mkdtemp(prefix="tutorhub-bench-login-"))
os.environ["REFLEX_DB_URL"] = f"sqlite:///{_TMP / 'bench.db'}"
os.environ["TUTORHUB_STORAGE_DIR"] = str(_TMP / "private")
os.environ.setdefault("TUTORHUB_ENV", "development")
os.environ["TUTORHUB_SEED_DEMO"] = "0"
os.environ.setdefault("TUTORHUB_SECRET_KEY", "bench-secret-key-that-is-long-enough-1234567890")

from fastapi.testclient import TestClient  # noqa: E402

from tutorhub.api.app import api  # noqa: E402
from tutorhub.db import session_scope  # noqa: E402
from tutorhub.migrations import upgrade_to_head  # noqa: E402
from tutorhub.services.accounts import passwords  # noqa: E402

LOGIN = "/api/v1/auth/login"


def attempt(n: int, email: str) -> tuple[float, int]:
    client = TestClient(api, client=(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", 40000))
    started = time.perf_counter()
    res = client.post(LOGIN, json={"email": email, "password": "not-the-password"})
    return (time.perf_counter() - started) * 1000, res.status_code


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    upgrade_to_head()
    with session_scope() as session:
        passwords.register(session, email="known@example.com", password="the-real-password-1", full_name="Known",
                           role="student")
    n = 0
    for email in ("known@example.com", "unknown@example.com"):  # warm-up: imports, caches, the dummy hash
        n += 1
        attempt(n, email)
    times: dict[str, list[float]] = {"known account, wrong password": [], "unknown email": []}
    statuses: dict[str, Counter[int]] = {key: Counter() for key in times}
    for _ in range(rounds):
        for key, email in zip(times, ("known@example.com", "unknown@example.com"), strict=True):
            n += 1
            elapsed, status = attempt(n, email)
            times[key].append(elapsed)
            statuses[key][status] += 1
    medians = {}
    for key, samples in times.items():
        medians[key] = statistics.median(samples)
        p90 = sorted(samples)[int(len(samples) * 0.9) - 1]
        print(f"{key:32s} median {medians[key]:7.1f} ms   p90 {p90:7.1f} ms   statuses {dict(statuses[key])}")
    known, unknown = medians.values()
    print(f"ratio known/unknown (medians of {rounds}): {known / unknown:.2f}")


if __name__ == "__main__":
    main()
