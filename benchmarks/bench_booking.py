"""Contested booking on PostgreSQL: 32 concurrent clients race for overlapping slots of one tutor.

Run: `.venv/bin/python benchmarks/bench_booking.py [rounds] [clients] [--http [--db both]]` (defaults
60 and 32).
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

`--http [--db sqlite|postgres|both]`: the same contest as a client sees it. ONE app worker serves
the JSON API (granian, one worker, `tutorhub.api.app:api`: the server and app Reflex runs in
production, without the page bundle the API does not use) on a private SQLite file or PostgreSQL
database; each client process holds a keep-alive connection and sends `POST /api/v1/bookings` with
its student's bearer token on the barrier release: exactly one 201 per round, the rest 409.
Processes rather than one asyncio client with 32 connections: one event loop would serialize the
sending and the reading of the answers, adding its own queueing to every sample; 32 processes are
32 independent browsers, and the barrier releases them together.
Every round uses fresh students (rounds × clients accounts), as 32 different students would: the
hold limits (3 unpaid holds, 20 attempts an hour per student) never refuse a request.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.servers import free_port, pct, start_granian, stop_process  # noqa: E402

GIVEN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TUTORS = 8
CONTESTS = [(0, 90), (30, 90), (30, 60), (45, 45), (60, 30), (15, 45)]  # (offset, minutes): all collide
BLOCKING = "('PENDING_PAYMENT','REQUESTED','CONFIRMED','IN_PROGRESS','COMPLETED','SETTLED','NO_SHOW','DISPUTED')"


def round_slot(kind: str, r: int) -> tuple[int, datetime]:
    """(tutor index, contested base time) — raw and service rounds use different days."""
    day = 2 + r // TUTORS + (0 if kind == "service" else 40)
    return r % TUTORS, (NOW + timedelta(days=day)).replace(hour=10, minute=0)


def seed(students: int, tokens: bool) -> tuple[list[int], list[int], list[str]]:
    """8 tutors open all week; `students` students (bulk-inserted), with bearer tokens when asked."""
    from sqlalchemy import insert

    from tutorhub.db import session_scope
    from tutorhub.models import AvailabilityRule, SchedulingSettings, TutorProfile, TutorSubject, User
    from tutorhub.services.accounts import api_tokens
    from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots

    tutor_ids: list[int] = []
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
        rows = s.execute(insert(User).returning(User.id), [
            {"email": f"bench-student{i}@example.com", "full_name": f"Student {i}", "role": "student",
             "timezone": "UTC", "display_currency": "", "is_suspended": False, "failed_login_count": 0,
             "token_version": 0, "created_at": datetime.now(UTC)} for i in range(students)])
        student_ids = [row[0] for row in rows]
    bearers = []
    if tokens:
        with session_scope() as s:
            bearers = [api_tokens.issue_tokens(s, user_id=sid).access_token for sid in student_ids]
    return tutor_ids, student_ids, bearers


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


def client(index: int, url: str, kind: str, rounds: int, tutor_ids: list[int], students: list, barrier,
           results) -> None:
    """One client process: `students[r * clients + index]` books in round r (a student id, or a
    bearer token for kind "http"; `url` is then the API's base URL)."""
    os.environ["REFLEX_DB_URL"] = url
    import httpx

    from tutorhub.db import reset_engines, session_scope
    from tutorhub.settings import reset_settings

    clients = len(students) // rounds
    offset, minutes = CONTESTS[index % len(CONTESTS)]
    http = httpx.Client(base_url=url, timeout=60) if kind == "http" else None
    samples: list = []
    unexpected: list[str] = []
    try:
        if http is not None:
            http.get("/health").raise_for_status()  # open the keep-alive connection
        else:
            reset_settings()
            reset_engines()
            with session_scope() as s:  # warm the pool and the imports
                s.connection()
        play(index, kind, rounds, clients, offset, minutes, tutor_ids, students, barrier, http, samples, unexpected)
    except Exception as exc:  # noqa: BLE001  (reported by the parent; the others must not wait forever)
        unexpected.append(f"client {index}: {exc!r}")
        barrier.abort()
    results.put((index, samples, unexpected))


def play(index: int, kind: str, rounds: int, clients: int, offset: int, minutes: int, tutor_ids: list[int],
         students: list, barrier, http, samples: list, unexpected: list[str]) -> None:
    from tutorhub.db import session_scope
    from tutorhub.services.actor import UserOut
    from tutorhub.services.booking import bookings
    from tutorhub.services.errors import Conflict

    for r in range(rounds):
        tutor_index, base = round_slot(kind, r)
        start = base + timedelta(minutes=offset)
        student = students[r * clients + index]
        barrier.wait()
        t0 = time.perf_counter()
        won = False
        if http is not None:
            answer = http.post("/api/v1/bookings", headers={"Authorization": f"Bearer {student}"},
                               json={"tutor_id": tutor_ids[tutor_index], "start": start.isoformat(),
                                     "duration_min": minutes, "kind": "single"})
            won = answer.status_code == 201
            if answer.status_code not in (201, 409):
                unexpected.append(f"{answer.status_code} {answer.text[:200]}")
        else:
            actor = UserOut(id=student, email=None, phone=None, full_name="S", role="student", timezone="UTC")
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


def run(kind: str, url: str, rounds: int, clients: int, tutor_ids: list[int], students: list, skip: int = 0):
    """All rounds; the first `skip` rounds are checked but neither timed nor returned (warm-up)."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=client, args=(i, url, kind, rounds, tutor_ids, students, barrier, results))
             for i in range(clients)]
    for p in procs:
        p.start()
    started = None
    try:
        for r in range(rounds):
            barrier.wait()  # release
            if r == skip:
                started = time.perf_counter()
            barrier.wait()  # all answered
    except threading.BrokenBarrierError:
        failed = [u for _ in procs for u in results.get(timeout=60)[2]]
        for p in procs:
            p.terminate()
        raise SystemExit(f"{kind}: a client failed: {failed[:3]}") from None
    elapsed = time.perf_counter() - (started or time.perf_counter())
    collected = [results.get() for _ in procs]
    for p in procs:
        p.join()
    unexpected = [u for _, _, rows in collected for u in rows]
    assert not unexpected, f"{kind}: answers other than 201/409: {unexpected[:5]}"
    samples = [s for _, rows, _ in collected for s in rows]
    winners_per_round: dict[int, int] = {}
    for r, won, _ in samples:
        winners_per_round[r] = winners_per_round.get(r, 0) + int(won)
    assert all(winners_per_round.get(r) == 1 for r in range(rounds)), f"{kind}: a round without exactly one winner"
    return [(r - skip, won, ms) for r, won, ms in samples if r >= skip], elapsed


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


@contextmanager
def private_database(kind: str) -> Iterator[str]:
    """A fresh, migrated database (a PostgreSQL database beside BENCH_DATABASE_URL, or a SQLite
    file), set as REFLEX_DB_URL for this process; dropped afterwards."""
    from sqlalchemy import create_engine, text

    from tutorhub.db import normalize_url, reset_engines
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.settings import reset_settings

    folder = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    admin = None
    name = f"th_bench_{os.getpid()}"
    if kind == "postgres":
        admin = create_engine(normalize_url(GIVEN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{GIVEN_URL.rsplit('/', 1)[0]}/{name}"
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    try:
        os.environ.update({"REFLEX_DB_URL": url, "TUTORHUB_STORAGE_DIR": str(folder / "private")})
        reset_settings()
        reset_engines()
        upgrade_to_head()
        yield url
    finally:
        reset_engines()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def http_contest(db: str, rounds: int, clients: int) -> None:
    """The contest through `POST /api/v1/bookings` on one app worker (see the module docstring)."""
    from tutorhub.db import reset_engines

    with private_database(db) as url:
        tutor_ids, _ids, bearers = seed((rounds + 1) * clients, tokens=True)
        reset_engines()
        port = free_port()
        log = Path(os.environ["TUTORHUB_STORAGE_DIR"]).parent / "api.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "TUTORHUB_"))}
        env.update({"REFLEX_DB_URL": url, "TUTORHUB_STORAGE_DIR": os.environ["TUTORHUB_STORAGE_DIR"],
                    "TUTORHUB_ENV": "development", "TUTORHUB_SEED_DEMO": "0", "TUTORHUB_RUN_JOBS": "0",
                    "TUTORHUB_SECRET_KEY": os.environ["TUTORHUB_SECRET_KEY"]})
        server = start_granian("tutorhub.api.app:api", port, env, log)
        try:
            # One more round first, not counted: the worker's first requests load code and fill caches.
            samples, elapsed = run("http", f"http://127.0.0.1:{port}", rounds + 1, clients, tutor_ids, bearers,
                                   skip=1)
        finally:
            stop_process(server)
            kept = Path(tempfile.gettempdir()) / f"bench-booking-api-{db}.log"
            shutil.copyfile(log, kept)  # the server's own log outlives the private folder
            print(f"server log: {kept}")
        print(f"{'SQLite' if db == 'sqlite' else 'PostgreSQL'}: {clients} client processes against one app worker "
              f"(granian), {rounds} contested rounds, {os.cpu_count()} CPUs")
        report(f"http/{db[:2]}", samples, elapsed, rounds)


def main() -> None:
    global NOW
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=60)
    parser.add_argument("clients", nargs="?", type=int, default=32)
    parser.add_argument("--http", action="store_true", help="the contest through the JSON API on one app worker")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both", help="with --http")
    args = parser.parse_args()
    rounds, clients = max(1, args.rounds), max(2, args.clients)
    os.environ.setdefault("TUTORHUB_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
    os.environ.update({"TUTORHUB_ENV": "development", "TUTORHUB_SEED_DEMO": "0", "TUTORHUB_RUN_JOBS": "0"})
    if args.http:
        NOW = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)  # the server's clock
        for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            http_contest(db, rounds, clients)
        print("targets: p99 ≤ 200 ms for winners and losers")
        return
    from tutorhub.db import reset_engines

    with private_database("postgres") as url:
        tutor_ids, student_ids, _ = seed(rounds * clients, tokens=False)
        reset_engines()
        print(f"PostgreSQL, {clients} concurrent clients (processes), {rounds} contested rounds each, "
              f"{os.cpu_count()} CPUs")
        service, service_time = run("service", url, rounds, clients, tutor_ids, student_ids)
        raw, raw_time = run("raw", url, rounds, clients, tutor_ids, student_ids)
        s_tp = report("service", service, service_time, rounds)
        r_tp = report("raw", raw, raw_time, rounds)
        print(f"throughput ratio service / raw = {s_tp / r_tp:.2f}  (target ≥ 0.5)")


if __name__ == "__main__":
    main()
