"""The ledger at 1,000,000 entries on SQLite: wallet balance latency and verify-ledger duration.

Run: `.venv/bin/python benchmarks/bench_ledger.py [entries]` (default 1,000,000).
A fresh SQLite file (WAL, synchronous=FULL, as in production) is migrated to head, then filled
through plain SQL executemany (setup speed) with realistic shapes:
  topup          Dr gateway:sandbox:clearing / Cr student:{u}:wallet           (2 entries)
  wallet_spend   Dr student:{u}:wallet / Cr escrow:booking:{b}                 (2 entries)
  release        Dr escrow:booking:{b} / Cr tutor:{t}:earnings + platform:revenue (3 entries)
for 20,000 students and 500 tutors (so a wallet has ~20 entries and the shared accounts
hundreds of thousands — the hot shapes of a real ledger).
Measured with the real service code:
  wallet balance  ledger.balance(session, "student:{u}:wallet", "USD") for 2,000 random students
                  (p50 / p95 / p99; target p95 ≤ 5 ms)
  verify-ledger   ledger_verify.verify_ledger(session) over everything (target ≤ 60 s)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
_TMP = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
os.environ["REFLEX_DB_URL"] = f"sqlite:///{_TMP / 'ledger.db'}"
os.environ["TUTORHUB_SEED_DEMO"] = "0"
os.environ.setdefault("TUTORHUB_SECRET_KEY", "bench-secret-key-that-is-long-enough-1234567890")

STUDENTS, TUTORS = 20_000, 500
STAMP = datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None).isoformat(sep=" ")


def fill(conn, target: int) -> int:
    """Insert transactions until `target` entries exist; returns the entry count."""
    rng = random.Random(7)
    accounts: dict[str, int] = {}

    def account(code: str) -> int:
        if code not in accounts:
            kind = code.split(":")[2] if code.split(":")[0] in ("student", "tutor") else code.split(":")[0]
            if code == "platform:revenue":
                kind = "revenue"
            accounts[code] = len(accounts) + 1
            pending_accounts.append((accounts[code], code, kind, STAMP))
        return accounts[code]

    pending_accounts: list[tuple] = []
    txs: list[tuple] = []
    entries: list[tuple] = []
    escrows: list[tuple[int, int]] = []  # (booking, amount) waiting for release
    tx_id = booking = 0
    while len(entries) < target:
        tx_id += 1
        roll = rng.random()
        student = rng.randrange(1, STUDENTS + 1)
        if roll < 0.4:
            amount = rng.randrange(1000, 20000)
            txs.append((tx_id, "topup", f"b:{tx_id}", STAMP))
            entries += [(tx_id, account("gateway:sandbox:clearing"), "USD", amount),
                        (tx_id, account(f"student:{student}:wallet"), "USD", -amount)]
        elif roll < 0.8:
            amount = rng.randrange(500, 3000)
            booking += 1
            txs.append((tx_id, "wallet_spend", f"b:{tx_id}", STAMP))
            # Spends are funded by an earlier top-up of the same student in the same batch shape:
            # a matching top-up keeps every wallet non-negative.
            entries += [(tx_id, account(f"student:{student}:wallet"), "USD", amount),
                        (tx_id, account(f"escrow:booking:{booking}"), "USD", -amount)]
            tx_id += 1
            txs.append((tx_id, "topup", f"b:{tx_id}", STAMP))
            entries += [(tx_id, account("gateway:sandbox:clearing"), "USD", amount),
                        (tx_id, account(f"student:{student}:wallet"), "USD", -amount)]
            escrows.append((booking, amount))
        elif escrows:
            held_booking, amount = escrows.pop(rng.randrange(len(escrows)))
            fee = amount // 5
            txs.append((tx_id, "release", f"b:{tx_id}", STAMP))
            entries += [(tx_id, account(f"escrow:booking:{held_booking}"), "USD", amount),
                        (tx_id, account(f"tutor:{rng.randrange(1, TUTORS + 1)}:earnings"), "USD", -(amount - fee)),
                        (tx_id, account("platform:revenue"), "USD", -fee)]
        else:
            tx_id -= 1
    with conn.begin():
        conn.exec_driver_sql("INSERT INTO ledger_accounts (id, code, kind, created_at) VALUES (?, ?, ?, ?)", pending_accounts)
        conn.exec_driver_sql("INSERT INTO ledger_transactions (id, kind, idempotency_key, memo, created_at) "
                             "VALUES (?, ?, ?, '', ?)", txs)
        conn.exec_driver_sql("INSERT INTO ledger_entries (transaction_id, account_id, unit, amount) VALUES (?, ?, ?, ?)",
                             entries)
    return len(entries)


def main() -> None:
    from sqlmodel import Session

    from tutorhub.db import get_engine, read_engine
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.services.money import ledger
    from tutorhub.services.ops.ledger_verify import verify_ledger

    engine = get_engine()
    upgrade_to_head(engine)
    started = time.perf_counter()
    with engine.connect() as conn:
        count = fill(conn, TARGET)
        conn.exec_driver_sql("ANALYZE")
    print(f"setup: {count:,} entries in {time.perf_counter() - started:.1f} s")

    rng = random.Random(11)
    timings = []
    with Session(read_engine()) as session:
        for _ in range(50):  # warm the connection and page cache
            ledger.balance(session, f"student:{rng.randrange(1, STUDENTS + 1)}:wallet", "USD")
        for _ in range(2000):
            code = f"student:{rng.randrange(1, STUDENTS + 1)}:wallet"
            t0 = time.perf_counter()
            ledger.balance(session, code, "USD")
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        q = statistics.quantiles(timings, n=100)
        print(f"wallet balance over {count:,} entries: p50 {q[49]:.3f} ms  p95 {q[94]:.3f} ms  p99 {q[98]:.3f} ms"
              f"  (target p95 <= 5 ms)")
        t0 = time.perf_counter()
        problems = verify_ledger(session)
        took = time.perf_counter() - t0
        print(f"verify-ledger over {count:,} entries: {took:.1f} s, {len(problems)} violation(s)  (target <= 60 s)")
        t0 = time.perf_counter()
        revenue = ledger.balance(session, "platform:revenue", "USD")
        print(f"platform:revenue balance (hot account): {(time.perf_counter() - t0) * 1000:.1f} ms -> {revenue}")


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(_TMP, ignore_errors=True)
