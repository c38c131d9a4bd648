"""Real-time load on one app worker: 200 socket clients speaking Reflex's event protocol.

Run: `.venv/bin/python benchmarks/bench_realtime.py [--clients 200] [--viewers 50] [--messages 150]
      [--rounds 5] [--max-seconds 900] [--replicas 1 2] [--no-floor]`  (needs bun at .tools/, like
      the e2e tests; --replicas 2 also nginx, PostgreSQL and Redis)

What it does, on loopback, bounded in count and time:
1. Seeds a private SQLite database through the services (an approved tutor open all week with
   60-minute lessons at no notice; `viewers` students; `clients - viewers` students each in a chat
   conversation with a tutor-role sender of their own), then starts the real app exactly as in
   production (`reflex run --env prod --single-port`, one backend worker: no Redis; the frontend is
   built into a private REFLEX_WEB_WORKDIR so the repository's `.web` is not touched).
2. Connects `clients` python-socketio clients the way the Reflex frontend does: namespace and
   engine.io path "/_event", `?token=<tab token>`, and the boot event
   `<root state>.hydrate_and_load` with the session cookie as a client-storage var and the page's
   router data in the CONNECT auth. `viewers` open /tutors/<id> (TutorSlotsState starts its live
   watcher); the rest open /messages?c=<conversation> (ChatState's live watcher).
3. Chat: each sender posts a message with a unique marker through the JSON API
   (POST /api/v1/conversations/{id}/messages, 10 in flight); delivery = POST start → the
   recipient's socket receives a delta containing the marker.
4. Slots: `rounds` times a student books one of the tutor's times through the JSON API; propagation
   = POST start → each of the `viewers` receives a TutorSlotsState delta (its re-read week).
5. Prints: p50/p95/max for both, backend RSS per connected client (RSS of the app's processes after
   connecting minus before, / clients), the serialized state per client (the hydrate answer: the
   whole client-visible state tree, sent in full because this client does not send the compiled
   frontend's state hashes; backend-only vars are never sent and not counted), and the largest
   single delta after it (page-load or live).
6. The floor, in the same run (unless --no-floor): a bare python-socketio relay
   (benchmarks/socketio_floor.py) under the same server with one worker, the same number of
   sockets connected the same way, the same number of messages to the same number of readers, 10
   in flight, each an HTTP POST answered after the push; prints its p95 and the ratio app / floor.
7. `--replicas 2`: the same run through nginx in front of two replicas on PostgreSQL + Redis, the
   topology of tests/deploy/test_replicas_nginx.py (tests/deploy/topology.py, the shipped
   deploy/nginx.conf); `--replicas 1 2` runs both and prints the figures side by side. Use
   `--clients 400 --viewers 100` for the issue's two-replica case.
Targets (issue): chat p95 ≤ 200 ms (≤ 2× the floor); slot propagation p95 ≤ 500 ms; state ≤ 100 kB;
update ≤ 20 kB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.realtime_support import (  # noqa: E402
    ReflexClient,
    chat_line,
    connect_all,
    deliver,
    group_rss_kb,
    run_floor,
)
from benchmarks.servers import free_port, pct, stop_process, wait_healthy  # noqa: E402

BUN = REPO / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"
PASSWORD = "bench-pass-12345"  # noqa: S105


# Set-up through the services (before the app starts)


@dataclass
class World:
    tutor_id: int = 0
    booker_bearers: list[str] = field(default_factory=list)  # one student per booking round (3 unpaid holds each at most)
    viewer_cookies: list[str] = field(default_factory=list)
    chat: list[tuple[str, int, str]] = field(default_factory=list)  # (recipient cookie, conversation, sender bearer)


def seed(viewers: int, chatters: int) -> World:
    from tutorhub.db import session_scope
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.models import Role
    from tutorhub.services.accounts import api_tokens, passwords, sessions
    from tutorhub.services.messaging import conversations as chat_conversations
    from tutorhub.services.scheduling import availability
    from tutorhub.services.tutors import profiles as tutor_profiles
    from tutorhub.services.tutors import verification

    upgrade_to_head()
    # Hundreds of accounts that never log in with a password: hash it once (argon2 is slow on purpose).
    one_hash = passwords.hash_password(PASSWORD)
    passwords.hash_password = lambda _password: one_hash  # type: ignore[assignment]
    world = World()
    now = datetime.now(UTC)
    with session_scope() as s:
        admin = passwords.create_admin(s, email="bench-admin@example.com", password=PASSWORD, full_name="Bench Admin")
        tutor = passwords.register(s, email="bench-tutor@example.com", password=PASSWORD, full_name="Tia Tutor",
                              role=Role.TUTOR, timezone="UTC")
        profile = tutor_profiles.update_own_profile(s, actor=tutor, data={
            "headline": "Maths made simple", "bio": "Ten years of teaching.",
            "subjects": [{"subject": "mathematics", "grades": ["high"]}], "languages": ["English"],
            "hourly_rate": 3000, "currency": "EUR", "city": "Berlin", "modes": ["online"]})
        tutor_profiles.submit_for_review(s, actor=tutor)
        verification.approve_tutor(s, actor=admin, tutor_id=profile.id, notes="ok")
        availability.save_availability(s, actor=tutor, now=now, data={
            "timezone": "UTC",
            "weekly": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
            "settings": {"lesson_lengths": [60], "min_notice_hours": 0, "instant_booking": True,
                         "max_lessons_per_day": 48}})
        world.tutor_id = profile.id
        for r in range(10):  # --rounds is at most 10
            booker = passwords.register(s, email=f"bench-booker{r}@example.com", password=PASSWORD,
                                        full_name=f"Bo Booker {r}", role=Role.STUDENT, timezone="UTC")
            world.booker_bearers.append(api_tokens.issue_tokens(s, user_id=booker.id).access_token)
    for i in range(viewers):
        with session_scope() as s:
            user = passwords.register(s, email=f"viewer{i}@example.com", password=PASSWORD, full_name=f"Viewer {i}",
                                 role=Role.STUDENT, timezone="UTC")
            world.viewer_cookies.append(sessions.create_browser_session(s, user_id=user.id))
    for i in range(chatters):
        with session_scope() as s:
            student = passwords.register(s, email=f"reader{i}@example.com", password=PASSWORD, full_name=f"Reader {i}",
                                    role=Role.STUDENT, timezone="UTC")
            sender = passwords.register(s, email=f"sender{i}@example.com", password=PASSWORD, full_name=f"Sender {i}",
                                   role=Role.TUTOR, timezone="UTC")
            conv = chat_conversations.ensure_pair_conversation(s, student_id=student.id, tutor_user_id=sender.id, now=now)
            world.chat.append((sessions.create_browser_session(s, user_id=student.id), conv,
                               api_tokens.issue_tokens(s, user_id=sender.id).access_token))
    return world


# The app process


def start_app(workdir: Path, env: dict[str, str], port: int, timeout: float) -> subprocess.Popen:
    log = workdir / "app.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    wait_healthy(f"http://127.0.0.1:{port}/health", proc, log, timeout)
    return proc


async def run(args: argparse.Namespace, world: World, base: str, pgids: list[int]) -> dict[str, Any]:
    """Connect, measure chat delivery and slot propagation, print the details; the figures."""
    import httpx

    from tutorhub.state.base import AppState
    from tutorhub.state.messaging.messages import ChatState
    from tutorhub.state.scheduling.tutor_times import TutorSlotsState

    root = AppState.get_full_name().split(".")[0]
    cookie_key = f"{AppState.get_full_name()}.session_token"
    slots_state = TutorSlotsState.get_full_name()
    chat_state = ChatState.get_full_name()

    clients: list[ReflexClient] = []
    for cookie in world.viewer_cookies:
        clients.append(ReflexClient(base, cookie_key, root, cookie, f"/tutors/{world.tutor_id}", {}))
    for cookie, conv, _bearer in world.chat:
        clients.append(ReflexClient(base, cookie_key, root, cookie, "/messages", {"c": str(conv)}))
    viewers, readers = clients[: len(world.viewer_cookies)], clients[len(world.viewer_cookies):]

    await asyncio.sleep(2)
    rss_before = sum(group_rss_kb(g) for g in pgids)
    connect_s = await connect_all(clients)
    await asyncio.sleep(2)
    rss_after = sum(group_rss_kb(g) for g in pgids)
    loaded_viewers = sum(1 for c in viewers if any(slots_state in t and "days" in t for _, t in c.updates))
    loaded_readers = sum(1 for c in readers if any(chat_state in t for _, t in c.updates))
    load_sizes = [c.load_bytes() for c in clients]
    for c in clients:
        c.updates.clear()

    http = httpx.AsyncClient(base_url=base, timeout=30)

    async def post(idx: int, marker: str) -> tuple[int, str]:
        _cookie, conv, bearer = world.chat[idx]
        sent = await http.post(f"/api/v1/conversations/{conv}/messages", json={"body": f"hello {marker}"},
                               headers={"Authorization": f"Bearer {bearer}"})
        return sent.status_code, sent.text

    chat = await deliver(readers, args.messages, post)

    # Slot-taken propagation
    slot_ms: list[float] = []
    slot_missed = 0
    now = datetime.now(UTC)
    first = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    for r in range(args.rounds):
        await asyncio.sleep(0.5)
        start_at = first + timedelta(hours=2 * r)
        futs = [v.expect(lambda text: slots_state in text and "days" in text) for v in viewers]
        start = time.perf_counter()
        made = await http.post("/api/v1/bookings", headers={"Authorization": f"Bearer {world.booker_bearers[r]}"},
                               json={"tutor_id": world.tutor_id, "start": start_at.isoformat(),
                                     "duration_min": 60, "kind": "single"})
        api_ms = (time.perf_counter() - start) * 1000
        if made.status_code != 201:
            print(f"  booking refused: {made.status_code} {made.text[:200]}")
            for f in futs:
                f.cancel()
            continue
        done, pending = await asyncio.wait(futs, timeout=10)
        round_ms = [(f.result() - start) * 1000 for f in done]
        slot_ms.extend(round_ms)
        if round_ms:
            print(f"  booking {r + 1}: API answered in {api_ms:.0f} ms; {len(round_ms)} viewers updated, first "
                  f"{min(round_ms):.0f} ms, last {max(round_ms):.0f} ms after the POST started")
        else:
            print(f"  booking {r + 1}: API answered in {api_ms:.0f} ms; no viewer updated within 10 s")
        slot_missed += len(pending)
        for f in pending:
            f.cancel()

    largest = max((c.largest for c in clients), default=0)
    await http.aclose()
    await asyncio.gather(*(c.sio.disconnect() for c in clients), return_exceptions=True)

    print(f"\nclients connected: {len(clients)} ({len(viewers)} slot viewers: {loaded_viewers} loaded; "
          f"{len(readers)} chat readers: {loaded_readers} loaded) in {connect_s:.1f}s")
    print(f"backend RSS: {rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB with the clients → "
          f"{(rss_after - rss_before) / max(1, len(clients)):.0f} kB per connected client")
    snapshots = [c.snapshot for c in clients]
    print(f"serialized state per client (the hydrate snapshot of the whole client-visible state tree, sent "
          f"without the frontend's compiled-state hashes): median {statistics.median(snapshots) / 1024:.1f} kB, "
          f"max {max(snapshots) / 1024:.1f} kB (target ≤ 100 kB)")
    print(f"all updates of a page load (snapshot + on_load deltas): median {statistics.median(load_sizes) / 1024:.1f} kB,"
          f" max {max(load_sizes) / 1024:.1f} kB")
    print(f"largest single delta (page load or live): {largest / 1024:.1f} kB (target ≤ 20 kB)")
    print(chat_line("chat delivery", chat) + " (target p95 ≤ 200 ms)")
    if slot_ms:
        print(f"slot-taken propagation ({args.rounds} bookings × {len(viewers)} viewers = {len(slot_ms)} samples, "
              f"{slot_missed} missed): p50 {pct(slot_ms, .5):.0f} ms, p95 {pct(slot_ms, .95):.0f} ms, "
              f"max {max(slot_ms):.0f} ms (target p95 ≤ 500 ms)")
    else:
        print(f"slot-taken propagation: no samples ({slot_missed} missed)")
    return {"chat_p95": pct(chat["chat_ms"], .95), "chat_p50": pct(chat["chat_ms"], .5),
            "slot_p95": pct(slot_ms, .95), "slot_p50": pct(slot_ms, .5), "clients": len(clients)}


def one_replica(args: argparse.Namespace, workdir: Path, deadline: float) -> dict[str, Any]:
    """The app as `make run` starts it (one worker, SQLite, no Redis)."""
    from tutorhub.db import reset_engines
    from tutorhub.settings import reset_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "TUTORHUB_"))}
    env.update({
        "REFLEX_DB_URL": f"sqlite:///{workdir / 'bench.db'}",
        "TUTORHUB_STORAGE_DIR": str(workdir / "private"),
        "TUTORHUB_SEED_DEMO": "0",
        "TUTORHUB_RUN_JOBS": "0",
        "TUTORHUB_ENV": "development",
        "TUTORHUB_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "REFLEX_BUN_PATH": str(BUN),
        "REFLEX_WEB_WORKDIR": str(workdir / "web"),
        "REFLEX_PERF_MODE": "warn",
        "PYTHONUNBUFFERED": "1",
    })
    os.environ.update({k: v for k, v in env.items() if k.startswith(("REFLEX_DB_URL", "TUTORHUB_"))})
    reset_settings()
    reset_engines()
    chatters = args.clients - args.viewers
    print(f"one replica: seeding {args.viewers} viewers and {chatters} chat pairs ...")
    world = seed(args.viewers, chatters)
    reset_engines()
    print("  building and starting the app (one worker) ...")
    port = free_port()
    proc = start_app(workdir, env, port, timeout=600)
    print(f"  app up at http://127.0.0.1:{port}")
    try:
        return asyncio.run(asyncio.wait_for(run(args, world, f"http://127.0.0.1:{port}", [os.getpgid(proc.pid)]),
                                            timeout=max(60.0, deadline - time.monotonic())))
    finally:
        stop_process(proc)


def two_replicas(args: argparse.Namespace, deadline: float) -> dict[str, Any] | None:
    """Two replicas (deploy/serve.py) on PostgreSQL + Redis behind nginx (tests/deploy/topology.py)."""
    import pytest

    from tests.deploy.topology import nginx_topology
    from tutorhub.db import reset_engines
    from tutorhub.settings import reset_settings

    worlds: list[World] = []

    def prepare(env: dict[str, str]) -> None:
        os.environ.update({k: env[k] for k in ("REFLEX_DB_URL", "TUTORHUB_SECRET_KEY", "TUTORHUB_STORAGE_DIR")})
        reset_settings()
        reset_engines()
        print(f"two replicas: seeding {args.viewers} viewers and {args.clients - args.viewers} chat pairs ...")
        worlds.append(seed(args.viewers, args.clients - args.viewers))
        reset_engines()
        print("  building the frontend once and starting two replicas and nginx ...")

    try:
        with nginx_topology(prepare) as topo:
            print(f"  nginx at {topo.proxy} in front of {topo.a} and {topo.b}")
            pgids = [proc.pid for proc in topo.replicas.values()]  # each started in a session of its own
            return asyncio.run(asyncio.wait_for(run(args, worlds[0], topo.proxy, pgids),
                                                timeout=max(60.0, deadline - time.monotonic())))
    except pytest.skip.Exception as exc:
        print(f"two replicas skipped: {exc}")
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--replicas", type=int, nargs="+", choices=(1, 2), default=[1])
    parser.add_argument("--no-floor", action="store_true", help="skip the bare python-socketio relay")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 1000))
    args.viewers = max(0, min(args.viewers, args.clients))
    args.messages = max(0, min(args.messages, 5000))
    args.rounds = max(0, min(args.rounds, 10))
    if not BUN.exists():
        print(f"bun not found at {BUN} (npm install --prefix .tools bun@1.4.4)")
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="tutorhub-bench-rt-"))
    deadline = time.monotonic() + args.max_seconds
    figures: dict[str, dict[str, Any] | None] = {}
    floor = None
    try:
        for replicas in sorted(set(args.replicas)):
            label = f"{replicas} replica{'s' if replicas > 1 else ''}"
            figures[label] = one_replica(args, workdir, deadline) if replicas == 1 else two_replicas(args, deadline)
        if not args.no_floor:
            print(f"\nfloor: a bare python-socketio relay, {args.clients} sockets, {args.messages} messages ...")
            chat = run_floor(workdir, args.clients, args.clients - args.viewers, args.messages,
                             timeout=max(60.0, deadline - time.monotonic()))
            print(chat_line("floor chat delivery", chat))
            floor = pct(chat["chat_ms"], .95)
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"work dir kept: {workdir}")
    print(f"\n{'':12s} {'clients':>7s} {'chat p50':>9s} {'chat p95':>9s} {'slots p95':>10s} {'floor p95':>10s} "
          f"{'app/floor':>9s}")
    for label, fig in figures.items():
        if fig is None:
            print(f"{label:12s} skipped")
            continue
        ratio = f"{fig['chat_p95'] / floor:.1f}x" if floor else "-"
        print(f"{label:12s} {fig['clients']:7d} {fig['chat_p50']:7.0f}ms {fig['chat_p95']:7.0f}ms "
              f"{fig['slot_p95']:8.0f}ms {floor if floor is not None else float('nan'):8.0f}ms {ratio:>9s}")
    print("targets: chat p95 ≤ 200 ms and ≤ 2× the floor; slot propagation p95 ≤ 500 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
