"""Queries and time of one `bookings.create_booking` call, winning and losing, in one process.

Run: `.venv/bin/python benchmarks/profile_booking.py [calls] [--db postgres|sqlite] [--profile]`
(default 40 calls of each, PostgreSQL at BENCH_DATABASE_URL like bench_booking.py).

No concurrency: each call runs alone in its own unit of work (session_scope, as the API route does),
so the figures are the service path's own cost, independent of the machine's load as far as a
single process can be. A winner books a free time of a tutor open all week; a loser asks for an
overlapping time of an existing booking ("slot taken", 409). Every call is by a fresh student (the
hold limits never refuse). Prints the SQL statements per call (with their kinds) and the median and
p90 time per call; `--profile` adds the top of a cProfile of each kind (cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import bench_booking  # noqa: E402
from benchmarks.servers import pct  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("calls", nargs="?", type=int, default=40)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print the statements of the last call of each kind")
    args = parser.parse_args()
    calls = max(2, args.calls)
    from sqlalchemy import event

    from tutorhub.db import get_engine, session_scope
    from tutorhub.services.actor import UserOut
    from tutorhub.services.booking import bookings
    from tutorhub.services.errors import Conflict

    now = bench_booking.NOW
    with bench_booking.private_database(args.db):
        tutors, students, _ = bench_booking.seed(3 * calls + 2, tokens=False)
        statements: list[str] = []
        event.listen(get_engine(), "before_cursor_execute",
                     lambda _c, _cur, sql, *_a: statements.append(sql))
        spare = iter(students)

        def book(day: int, minute: int, minutes: int = 60) -> bool:
            actor = UserOut(id=next(spare), email=None, phone=None, full_name="S", role="student", timezone="UTC")
            start = (now + timedelta(days=2 + day)).replace(hour=10) + timedelta(minutes=minute)
            try:
                with session_scope() as s:
                    bookings.create_booking(s, actor=actor, tutor_id=tutors[day % len(tutors)], start=start,
                                            duration_min=minutes, now=now)
                return True
            except Conflict:
                return False

        book(300, 0)  # warm-up: imports, caches, the pool
        book(300, 30)
        results = {}
        for kind in ("winner", "loser"):
            profiler = cProfile.Profile() if args.profile else None
            times, counts, kinds = [], [], Counter()
            for i in range(calls):
                day = i if kind == "winner" else calls + i
                if kind == "loser":
                    assert book(day, 0)  # the booking that takes the slot (not measured)
                statements.clear()
                if profiler:
                    profiler.enable()
                t0 = time.perf_counter()
                won = book(day, 30 if kind == "loser" else 0)
                times.append((time.perf_counter() - t0) * 1000)
                if profiler:
                    profiler.disable()
                assert won == (kind == "winner"), f"{kind} call {i}: won={won}"
                counts.append(len(statements))
                kinds.update(sql.split(None, 1)[0].upper() for sql in statements)
            results[kind] = (times, counts, kinds)
            if args.sql:
                print(f"--- statements of the last {kind} ---")
                for sql in statements:
                    print("  " + " ".join(sql.split())[:160])
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                print(f"--- cProfile, {kind}s ({calls} calls) ---\n{out.getvalue()}")
        for kind, (times, counts, kinds) in results.items():
            per_call = ", ".join(f"{k} {v / calls:.1f}" for k, v in kinds.most_common())
            print(f"{args.db} {kind}: {statistics.median(counts):.0f} statements per call ({per_call}); "
                  f"median {statistics.median(times):.1f} ms, p90 {pct(times, .9):.1f} ms per call")


if __name__ == "__main__":
    main()
