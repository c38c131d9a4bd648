"""Contested booking on PostgreSQL: 32 concurrent clients race for overlapping slots of one tutor.

Run: `.venv/bin/python benchmarks/bench_booking.py [rounds] [clients]` (defaults 60 and 32).
Needs the PostgreSQL server (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test);
a private database is created beside the given one and dropped afterwards.

Each client is its own process (like app workers; one Python process would serialize the
clients on its GIL) with its own connection pool. In every round all clients are released
together on a barrier and each books a different range overlapping the others (plus 10-minute
buffers) of the same tutor, so exactly one wins and the rest are refused with "slot taken"
(409). Latency is measured per request from the barrier release to the answer.

Two implementations run the same rounds in the same run:
  service  `bookings.create_booking` — validation, the scheduling engine, the tutor lock, the
           exclusion-constraint backstop, the event row and the free-slot index refresh
  raw      the bare minimum that is still correct: BEGIN; SELECT … FOR UPDATE on the tutor;
           SELECT an overlapping booking; INSERT; COMMIT
Printed: p50/p99 latency of winners and losers for each, requests per second for each (all
requests of all rounds ÷ wall time of the rounds), and the throughput ratio service / raw.
Targets (issue): p99 ≤ 200 ms for winners and losers; ratio ≥ 0.5.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GIVEN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TUTORS = 8
CONTESTS = [(0, 90), (30, 90), (30, 60), (45, 45), (60, 30), (15, 45)]  # (offset, minutes): all collide
BLOCKING = "('PENDING_PAYMENT','REQUESTED','CONFIRMED','IN_PROGRESS','COMPLETED','SETTLED','NO_SHOW','DISPUTED')"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q + 0.5) - 1))] if ordered else float("nan")


def round_slot(kind: str, r: int) -> tuple[int, datetime]:
    """(tutor index, contested base time) — raw and service rounds use different days."""
    day = 2 + r // TUTORS + (0 if kind == "service" else 40)
    return r % TUTORS, (NOW + timedelta(days=day)).replace(hour=10, minute=0)


def seed(url: str, clients: int) -> tuple[list[int], list[int]]:
    from sqlalchemy import insert

    from tutorhub.db import session_scope
    from tutorhub.models import AvailabilityRule, SchedulingSettings, TutorProfile, TutorSubject, User
    from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots

    tutor_ids, student_ids = [], []
    with session_scope() as s:
        for i in range(TUTORS):
            user = User(email=f"bench-tutor{i}@example.com", full_name=f"Tutor {i}", role="tutor", timezone="UTC")
            s.add(user)
            s.flush()
            profile = TutorProfile(user_id=user.id, headline="h", hourly_rate=3000, currency="EUR", timezone="UTC",
                                   status="APPROVED")
            s.add(profile)
            s.flush()
            assert profile.id is not None
            tutor_ids.append(profile.id)
            s.add(TutorSubject(tutor_id=profile.id, subject="mathematics", grade_level="all"))
            s.execute(insert(AvailabilityRule), [
                {"tutor_id": profile.id, "weekday": d, "start_min": 0, "end_min": 1440} for d in range(7)])
            s.add(SchedulingSettings(tutor_id=profile.id, lesson_lengths=[30, 45, 60, 90], buffer_before_min=10,
                                     buffer_after_min=10, booking_window_days=365, max_lessons_per_day=48))
            s.flush()
            refresh_tutor_free_slots(s, profile.id, now=NOW)
        for i in range(clients):
            user = User(email=f"bench-student{i}@example.com", full_name=f"Student {i}", role="student")
            s.add(user)
            s.flush()
            assert user.id is not None
            student_ids.append(user.id)
    return tutor_ids, student_ids


def raw_book(session, tutor_id: int, student_id: int, start: datetime, minutes: int) -> int | None:
    """Lock the tutor, check for an overlapping block, insert: the minimal correct path."""
    from sqlalchemy import text

    pad = timedelta(minutes=5)  # half the 10-minute buffer, as the service pads blocks
    end = start + timedelta(minutes=minutes)
    session.execute(text("SELECT id FROM tutor_profiles WHERE id = :t FOR UPDATE"), {"t": tutor_id})
    clash = session.execute(
        text(f"SELECT 1 FROM bookings WHERE tutor_id = :t AND status IN {BLOCKING} "
             "AND block_start < :be AND block_end > :bs LIMIT 1"),
        {"t": tutor_id, "bs": start - pad, "be": end + pad},
    ).first()
    if clash:
        return None
    return session.execute(
        text("INSERT INTO bookings (student_id, tutor_id, kind, subject, mode, start_at, end_at, duration_min, "
             "block_start, block_end, status, list_price_minor, price_minor, discount_percent, currency, payment_ref, "
             "cancelled_by, no_show_party, refund_percent, refund_minor, refund_status, room_key, notes, "
             "reschedule_count, created_at, updated_at) VALUES (:s, :t, 'single', 'mathematics', 'online', :st, :en, "
             ":m, :bs, :be, 'PENDING_PAYMENT', 0, 0, 0, 'EUR', '', '', '', 0, 0, 'NONE', :k, '', 0, now(), now()) "
             "RETURNING id"),
        {"s": student_id, "t": tutor_id, "st": start, "en": end, "m": minutes, "bs": start - pad, "be": end + pad,
         "k": uuid.uuid4().hex},
    ).scalar_one()


def client(index: int, url: str, kind: str, rounds: int, tutor_ids: list[int], student_ids: list[int],
           barrier, results) -> None:
    os.environ["REFLEX_DB_URL"] = url
    from tutorhub.db import reset_engines, session_scope
    from tutorhub.services.actor import UserOut
    from tutorhub.services.booking import bookings
    from tutorhub.services.errors import Conflict
    from tutorhub.settings import reset_settings

    reset_settings()
    reset_engines()
    actor = UserOut(id=student_ids[index], email=None, phone=None, full_name="S", role="student", timezone="UTC")
    offset, minutes = CONTESTS[index % len(CONTESTS)]
    with session_scope() as s:  # warm the pool and the imports
        s.connection()
    samples = []
    for r in range(rounds):
        tutor_index, base = round_slot(kind, r)
        start = base + timedelta(minutes=offset)
        barrier.wait()
        t0 = time.perf_counter()
        won = False
        try:
            with session_scope() as s:
                if kind == "service":
                    bookings.create_booking(s, actor=actor, tutor_id=tutor_ids[tutor_index], start=start,
                                            duration_min=minutes, now=NOW)
                    won = True
                else:
                    won = raw_book(s, tutor_ids[tutor_index], actor.id, start, minutes) is not None
        except Conflict:
            won = False
        samples.append((r, won, (time.perf_counter() - t0) * 1000))
        barrier.wait()  # rounds never overlap
    results.put((index, samples))


def run(kind: str, url: str, rounds: int, clients: int, tutor_ids: list[int], student_ids: list[int]):
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=client, args=(i, url, kind, rounds, tutor_ids, student_ids, barrier, results))
             for i in range(clients)]
    for p in procs:
        p.start()
    started = None
    for r in range(rounds):
        barrier.wait()  # release
        if r == 0:
            started = time.perf_counter()
        barrier.wait()  # all answered
    elapsed = time.perf_counter() - (started or time.perf_counter())
    collected = [results.get() for _ in procs]
    for p in procs:
        p.join()
    samples = [s for _, rows in collected for s in rows]
    winners_per_round: dict[int, int] = {}
    for r, won, _ in samples:
        winners_per_round[r] = winners_per_round.get(r, 0) + int(won)
    assert all(winners_per_round.get(r) == 1 for r in range(rounds)), f"{kind}: a round without exactly one winner"
    return samples, elapsed


def report(kind: str, samples, elapsed: float, rounds: int) -> float:
    wins = [ms for _, won, ms in samples if won]
    losses = [ms for _, won, ms in samples if not won]
    throughput = len(samples) / elapsed
    print(f"{kind:8s} winners  n={len(wins):5d}  p50={statistics.median(wins):7.1f} ms  p99={pct(wins, 0.99):7.1f} ms")
    print(f"{kind:8s} losers   n={len(losses):5d}  p50={statistics.median(losses):7.1f} ms  "
          f"p99={pct(losses, 0.99):7.1f} ms")
    print(f"{kind:8s} {rounds} rounds in {elapsed:.2f} s: {throughput:7.1f} requests/s "
          f"({rounds / elapsed:.1f} bookings/s), exactly one winner per round")
    return throughput


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    from sqlalchemy import create_engine, text

    from tutorhub.db import normalize_url

    name = f"th_bench_{os.getpid()}"
    admin = create_engine(normalize_url(GIVEN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{GIVEN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        os.environ["REFLEX_DB_URL"] = url
        from tutorhub.db import reset_engines
        from tutorhub.migrations import upgrade_to_head
        from tutorhub.settings import reset_settings

        reset_settings()
        upgrade_to_head()
        tutor_ids, student_ids = seed(url, clients)
        reset_engines()
        print(f"PostgreSQL, {clients} concurrent clients (processes), {rounds} contested rounds each, "
              f"{os.cpu_count()} CPUs")
        service, service_time = run("service", url, rounds, clients, tutor_ids, student_ids)
        raw, raw_time = run("raw", url, rounds, clients, tutor_ids, student_ids)
        s_tp = report("service", service, service_time, rounds)
        r_tp = report("raw", raw, raw_time, rounds)
        print(f"throughput ratio service / raw = {s_tp / r_tp:.2f}  (target ≥ 0.5)")
    finally:
        from tutorhub.db import reset_engines

        reset_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
