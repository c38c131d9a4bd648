"""The admin dashboard at 1,000,000 ledger entries and 200,000 bookings, and a 1,000,000-row CSV export.

Run: `.venv/bin/python benchmarks/bench_metrics.py [--postgres]` (a fresh SQLite file by default;
with --postgres a database `bench_metrics` — or BENCH_PG_DB, so two runs on one server do not meet — is
created on TUTORHUB_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres, and dropped afterwards).

Data (bulk-inserted through SQLAlchemy Core executemany, no services: setup speed), spread over
the year before NOW: 20,000 students and 500 tutors signing up through the year; 200,000
bookings (90% settled, 10% cancelled and refunded) each with its ledger story — payment
(2 entries), release to the tutor minus 20% (3) or refund (2) — in EUR and USD, plus tutor payout
requests and payments, until 1,000,000 entries; 100,000 successful logins.
Measured with the real service code:
  rebuild       daily_aggregates.rebuild_all (the `rebuild-metrics` command)
  refresh       daily_aggregates.refresh_recent (the hourly job)
  dashboard     metrics.dashboard_metrics — 30 days by day, 26 weeks by week, 12 months by month,
                366 days by day (p50 / p95 / p99 over 40 calls each; target p95 <= 300 ms): "fresh" with
                the distinct-actives memo emptied before every call (every call counts, from the
                per-user month / week rollup and the loose days), "memo" as repeated views of one
                range between two refreshes are served
  distinct      the range's distinct active students / tutors alone, 366 days: the bit sets the dashboard
                reads (daily_aggregates.distinct_active) against the UNION of the per-user month /
                week / day rollup rows it read before (kept here, `_union_distinct`), same data, same
                run, results compared
  cohorts       cohorts.cohort_retention over 12 months
  CSV export    the ledger export (1,000,000 rows) through the route's generator, in a fresh
                process: RSS before / after / peak sampled while streaming (ru_maxrss is no use
                here: Linux carries the parent's peak across fork + exec)
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

POSTGRES = "--postgres" in sys.argv
EXPORT_CHILD = "--export-child" in sys.argv
_TMP = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
PG_ADMIN = os.environ.get("TUTORHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_PG_DB", "bench_metrics")
if not PG_DB.replace("_", "").isalnum():
    sys.exit("BENCH_PG_DB: letters, digits and _ only")
PG_URL = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
# BENCH_KEEP=/path/file.db: fill that SQLite file once and keep it; later runs only measure the dashboard.
KEEP = os.environ.get("BENCH_KEEP", "")
REUSE = bool(KEEP) and Path(KEEP).exists() and not EXPORT_CHILD
if not EXPORT_CHILD:
    os.environ["REFLEX_DB_URL"] = PG_URL if POSTGRES else f"sqlite:///{KEEP or _TMP / 'metrics.db'}"
os.environ["TUTORHUB_SEED_DEMO"] = "0"
os.environ.setdefault("TUTORHUB_SECRET_KEY", "bench-secret-key-that-is-long-enough-1234567890")

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SCALE = float(os.environ.get("BENCH_SCALE", "1"))  # e.g. 0.01 for a quick try of the script itself
STUDENTS, TUTORS, BOOKINGS, ENTRIES, LOGINS = (max(10, int(n * SCALE)) for n in (20_000, 500, 200_000, 1_000_000, 100_000))


def _rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _insert(conn, table, rows: list[dict], chunk: int = 20_000) -> None:
    from sqlalchemy import insert

    for i in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[i:i + chunk])


def fill(engine) -> dict[str, int]:
    from tutorhub.models import Booking, LedgerAccount, LedgerEntry, LedgerTransaction, LoginEvent, TutorProfile, User

    rng = random.Random(7)
    start = NOW - timedelta(days=365)
    users = [{"id": n, "email": f"u{n}@bench.test", "full_name": f"User {n}", "role": "student" if n <= STUDENTS else "tutor",
              "timezone": "UTC", "is_suspended": False, "failed_login_count": 0, "token_version": 0,
              "created_at": start + timedelta(seconds=rng.randrange(365 * 86400))} for n in range(1, STUDENTS + TUTORS + 1)]
    profiles = [TutorProfile(id=t, user_id=STUDENTS + t).model_dump() for t in range(1, TUTORS + 1)]
    accounts: dict[str, int] = {}
    account_rows: list[dict] = []

    def account(code: str) -> int:
        if code not in accounts:
            parts = code.split(":")
            kind = parts[2] if parts[0] in ("student", "tutor") else ("revenue" if code == "platform:revenue" else parts[0])
            accounts[code] = len(accounts) + 1
            account_rows.append({"id": accounts[code], "code": code, "kind": kind, "created_at": start})
        return accounts[code]

    bookings, txs, entries = [], [], []
    template = Booking(student_id=1, tutor_id=1, start_at=NOW, end_at=NOW, duration_min=60, block_start=NOW,
                       block_end=NOW, room_key="x").model_dump(exclude={"id"})

    def tx(kind: str, when: datetime, lines: list[tuple[str, int, str]], booking_id: int | None = None) -> None:
        tx_id = len(txs) + 1
        txs.append({"id": tx_id, "kind": kind, "idempotency_key": f"b:{tx_id}", "memo": "", "booking_id": booking_id,
                    "created_at": when})
        entries.extend({"transaction_id": tx_id, "account_id": account(code), "unit": unit, "amount": amount}
                       for code, amount, unit in lines)

    earnings: dict[tuple[int, str], int] = {}
    for b in range(1, BOOKINGS + 1):
        # each tutor's lessons 21 h apart through the year (PostgreSQL's exclusion constraint refuses overlaps)
        student, tutor, slot = rng.randrange(1, STUDENTS + 1), (b - 1) % TUTORS + 1, (b - 1) // TUTORS
        lesson = start + timedelta(days=4, hours=slot * 360 * 24 // (BOOKINGS // TUTORS + 1), minutes=tutor % 60)
        created = lesson - timedelta(days=rng.randrange(1, 5), minutes=rng.randrange(60))
        cur, price = ("EUR", 3000) if b % 3 else ("USD", 4000)
        cancelled = rng.random() < 0.1
        bookings.append({**template, "id": b, "student_id": student, "tutor_id": tutor, "start_at": lesson,
                         "end_at": lesson + timedelta(hours=1), "block_start": lesson, "block_end": lesson + timedelta(hours=1),
                         "status": "CANCELLED" if cancelled else "SETTLED", "price_minor": price, "list_price_minor": price,
                         "currency": cur, "paid_at": created + timedelta(minutes=3), "room_key": f"r{b}",
                         "created_at": created, "updated_at": created})
        tx("booking_payment", created + timedelta(minutes=3),
           [("gateway:sandbox:clearing", price, cur), (f"escrow:booking:{b}", -price, cur)], b)
        if cancelled:
            tx("refund", created + timedelta(hours=2),
               [(f"escrow:booking:{b}", price, cur), ("gateway:sandbox:clearing", -price, cur)], b)
        elif lesson + timedelta(hours=50) < NOW:
            fee = price // 5
            tx("release", lesson + timedelta(hours=50), [(f"escrow:booking:{b}", price, cur),
               (f"tutor:{STUDENTS + tutor}:earnings", -(price - fee), cur), ("platform:revenue", -fee, cur)], b)
            earnings[(tutor, cur)] = earnings.get((tutor, cur), 0) + price - fee
    while len(entries) < ENTRIES:  # payouts of part of the tutors' earnings until a million entries
        (tutor, cur), have = rng.choice(list(earnings.items()))
        amount = min(have, 5000)
        if amount <= 0:
            continue
        earnings[(tutor, cur)] = have - amount
        when = NOW - timedelta(seconds=rng.randrange(300 * 86400))
        code = f"tutor:{STUDENTS + tutor}:"
        tx("payout_request", when, [(code + "earnings", amount, cur), (code + "payout_hold", -amount, cur)])
        if rng.random() < 0.9:
            tx("payout_paid", when + timedelta(hours=3),
               [(code + "payout_hold", amount, cur), ("gateway:sandbox:clearing", -amount, cur)])
    logins = [{"user_id": rng.randrange(1, STUDENTS + TUTORS + 1), "identifier": "x", "method": "password", "success": True,
               "reason": "", "ip": "", "user_agent": "", "created_at": start + timedelta(seconds=rng.randrange(365 * 86400))}
              for _ in range(LOGINS)]
    with engine.begin() as conn:
        for table, rows in ((User, users), (TutorProfile, profiles), (Booking, bookings), (LedgerAccount, account_rows),
                            (LedgerTransaction, txs), (LedgerEntry, entries), (LoginEvent, logins)):
            _insert(conn, table.__table__, rows)
        if POSTGRES:  # the ids were given: move the sequences past them
            for name in ("users", "tutor_profiles", "bookings", "ledger_accounts", "ledger_transactions"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))")
    return {"users": len(users), "bookings": len(bookings), "transactions": len(txs), "entries": len(entries),
            "logins": len(logins)}


def _quantiles(timings: list[float]) -> str:
    q = statistics.quantiles(sorted(timings), n=100)
    return f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms"


def _union_distinct(session, first, last) -> dict[str, int]:
    """The count as the dashboard read it before the bit sets: one UNION of user ids over the range's
    whole months, whole weeks and loose days of the per-user rollups."""
    from sqlalchemy import func, select, union

    from tutorhub.models import UserActivityDay, UserActivityMonth, UserActivityWeek
    from tutorhub.services.ops.daily_aggregates import span_pieces

    months, weeks, days = span_pieces(first, last + timedelta(days=1))
    found = {}
    for role, key in (("student", "students"), ("tutor", "tutors")):
        parts = []
        if months:
            parts.append(select(UserActivityMonth.user_id).where(
                UserActivityMonth.role == role, UserActivityMonth.month >= months[0], UserActivityMonth.month < months[1]))
        parts += [select(UserActivityWeek.user_id).where(
            UserActivityWeek.role == role, UserActivityWeek.week >= a, UserActivityWeek.week < b) for a, b in weeks]
        parts += [select(UserActivityDay.user_id).where(
            UserActivityDay.role == role, UserActivityDay.day >= a, UserActivityDay.day < b) for a, b in days]
        query = (select(func.count(func.distinct(parts[0].selected_columns[0]))).select_from(parts[0].subquery())
                 if len(parts) == 1 else select(func.count()).select_from(union(*parts).subquery()))
        found[key] = int(session.execute(query).scalar() or 0)
    return found


def measure_distinct(session, first, last) -> None:
    from tutorhub.services.ops.daily_aggregates import distinct_active

    results = {}
    for label, count in (("UNION of rollup rows (before)", _union_distinct), ("bit sets (now)", distinct_active)):
        timings = []
        for n in range(45):
            t0 = time.perf_counter()
            results[label] = count(session, first, last)
            if n >= 5:
                timings.append((time.perf_counter() - t0) * 1000)
        print(f"distinct actives 366 days, {label:<29} {_quantiles(timings)}  {results[label]}")
    assert len(set(map(str, results.values()))) == 1, results


def measure_dashboard(engine) -> None:
    from sqlmodel import Session

    from tutorhub.services.actor import UserOut
    from tutorhub.services.ops import cohorts, daily_aggregates, metrics

    admin = UserOut(id=0, email="a@bench.test", phone=None, full_name="Admin", role="admin", timezone="UTC")
    today = NOW.date()
    cases = [("30 days by day", today - timedelta(days=29), "day"), ("26 weeks by week", today - timedelta(weeks=26), "week"),
             ("12 months by month", today - timedelta(days=364), "month"), ("366 days by day", today - timedelta(days=365), "day")]
    with Session(engine) as session:
        for label, first, interval in cases:
            for memo in (False, True):
                timings = []
                for n in range(45):
                    if not memo:
                        daily_aggregates.ACTIVE_MEMO.clear()
                    t0 = time.perf_counter()
                    out = metrics.dashboard_metrics(session, actor=admin, date_from=first, date_to=today,
                                                    interval=interval, now=NOW)
                    if n >= 5:  # the first calls warm the page cache
                        timings.append((time.perf_counter() - t0) * 1000)
                print(f"dashboard {label:<19} {'memo ' if memo else 'fresh'} {_quantiles(timings)}  (target p95 <= 300 ms)"
                      f" gmv {out.gmv_minor:,} {out.currency}, active students {out.active_students:,}, {len(out.series)} points")
        measure_distinct(session, today - timedelta(days=365), today)
        timings = []
        for _ in range(20):
            t0 = time.perf_counter()
            found = cohorts.cohort_retention(session, actor=admin, months=12, now=NOW)
            timings.append((time.perf_counter() - t0) * 1000)
        print(f"cohorts 12 months            {_quantiles(timings)}  ({len(found.cohorts)} cohorts)")


def export_child() -> None:
    """In a fresh process: stream the ledger export through the route's generator, count bytes."""
    from tutorhub.api.routes.metrics import _stream
    from tutorhub.db import session_scope
    from tutorhub.services.actor import UserOut
    from tutorhub.services.ops import exports

    admin = UserOut(id=0, email="a@bench.test", phone=None, full_name="Admin", role="admin", timezone="UTC")
    with session_scope(read_only=True) as session:
        plan = exports.prepare_export(session, actor=admin, kind="ledger")
    before, t0 = _rss_mb(), time.perf_counter()
    size = rows = chunks = 0
    peak = before
    for chunk in _stream(plan):
        size, rows, chunks = size + len(chunk), rows + chunk.count("\r\n"), chunks + 1
        peak = max(peak, _rss_mb())
    took = time.perf_counter() - t0
    print(f"CSV ledger export: {rows - 1:,} rows, {size / 2**20:.0f} MiB in {chunks:,} chunks, {took:.1f} s "
          f"({(rows - 1) / took:,.0f} rows/s); RSS before {before:.0f} MiB, after {_rss_mb():.0f} MiB, "
          f"peak {peak:.0f} MiB (sampled after every chunk)")


def main() -> None:
    from sqlalchemy import create_engine

    from tutorhub.db import get_engine, normalize_url
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.services.ops import daily_aggregates

    if POSTGRES:
        admin = create_engine(normalize_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.exec_driver_sql(f"CREATE DATABASE {PG_DB}")
    engine = get_engine()
    upgrade_to_head(engine)
    print(f"database: {engine.dialect.name}; machine shared with other engineers (figures are indicative)")
    if REUSE:
        measure_dashboard(engine)
        return
    t0 = time.perf_counter()
    counts = fill(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"setup: {counts} in {time.perf_counter() - t0:.1f} s")
    from sqlmodel import Session

    with Session(engine) as session:
        t0 = time.perf_counter()
        done = daily_aggregates.rebuild_all(session, now=NOW)
        session.commit()
        print(f"rebuild-metrics: {time.perf_counter() - t0:.1f} s, {done.metric_rows:,} figures, "
              f"{done.activity_rows:,} active-user days ({done.first_day} to {done.last_day})")
        t0 = time.perf_counter()
        daily_aggregates.refresh_recent(session, now=NOW)
        session.commit()
        print(f"hourly refresh (yesterday + today): {(time.perf_counter() - t0) * 1000:.0f} ms")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    measure_dashboard(engine)
    env = {**os.environ, "REFLEX_DB_URL": os.environ["REFLEX_DB_URL"]}
    subprocess.run([sys.executable, __file__, "--export-child"], env=env, check=True)
    engine.dispose()
    if POSTGRES:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DB}")
        admin.dispose()


if __name__ == "__main__":
    if EXPORT_CHILD:
        export_child()
    else:
        try:
            main()
        finally:
            import shutil

            shutil.rmtree(_TMP, ignore_errors=True)
