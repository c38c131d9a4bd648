"""Pieces of benchmarks/bench_realtime.py: a Reflex tab speaking the event protocol, the chat
delivery loop shared by the app and the floor, the floor run (benchmarks/socketio_floor.py under
granian, one worker), and the resident memory of a process group.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.servers import free_port, pct, start_granian, stop_process

BATCH = 20  # clients connect in batches, like a crowd arriving
IN_FLIGHT = 10  # messages posted at once


def group_rss_kb(pgid: int) -> int:
    """Resident memory of every process of the app's process group (the backend worker(s))."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


# A Reflex client


class ReflexClient:
    """One browser tab: a socket.io connection on /_event that boots a page like the frontend."""

    def __init__(self, base: str, cookie_key: str, root: str, cookie: str, path: str, query: dict[str, str]):
        import socketio

        self.base, self.cookie_key, self.root, self.cookie = base, cookie_key, root, cookie
        self.path, self.query = path, query
        self.token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.updates: list[tuple[float, str]] = []
        self.snapshot = 0  # the hydrate answer: the whole client-visible state tree (bytes of JSON)
        self.largest = 0  # the biggest later update (a delta) this tab received
        self.waiters: list[tuple[Any, asyncio.Future]] = []
        self.sio.on("event", self._on_update, namespace="/_event")

    async def _on_update(self, update: Any) -> None:
        text = json.dumps(update, separators=(",", ":"))
        now = time.perf_counter()
        if not self.snapshot and not self.updates:
            self.snapshot = len(text)
        else:
            self.largest = max(self.largest, len(text))
        self.updates.append((now, text))
        for match, fut in list(self.waiters):
            if not fut.done() and match(text):
                fut.set_result(now)

    def expect(self, match) -> asyncio.Future:
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self.waiters.append((match, fut))
        fut.add_done_callback(lambda f: self.waiters.remove((match, f)) if (match, f) in self.waiters else None)
        return fut

    async def connect(self) -> None:
        as_path = self.path + ("?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else "")
        boot = {
            "name": f"{self.root}.hydrate_and_load",
            "payload": {"vars": {self.cookie_key: self.cookie}},
            "router_data": {"pathname": self.path, "asPath": as_path, "query": self.query},
        }
        await self.sio.connect(
            f"{self.base}?token={self.token}",
            namespaces=["/_event"],
            socketio_path="/_event",
            transports=["websocket"],
            auth={"event": boot},
            wait_timeout=30,
        )

    async def settle(self, quiet: float = 1.0, limit: float = 30.0) -> None:
        """Wait until the page load's updates have stopped arriving."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            await asyncio.sleep(quiet / 2)
            if self.updates and time.perf_counter() - self.updates[-1][0] >= quiet:
                return

    def load_bytes(self) -> int:
        return sum(len(t) for _, t in self.updates)



async def connect_all(clients: list[ReflexClient]) -> float:
    """Connect every client in batches, wait for their page loads to settle; seconds taken."""
    t0 = time.perf_counter()
    for i in range(0, len(clients), BATCH):
        await asyncio.gather(*(c.connect() for c in clients[i: i + BATCH]))
    await asyncio.gather(*(c.settle() for c in clients))
    return time.perf_counter() - t0


async def deliver(readers: list[ReflexClient], messages: int,
                  post: Callable[[int, str], Awaitable[tuple[int, str]]]) -> dict[str, Any]:
    """Send `messages` messages, `IN_FLIGHT` at a time, the n-th to reader n % len(readers) through
    `post(reader index, marker)` → (status, text); delivery = post start → the reader's socket
    receives an update containing the marker (5 s at most)."""
    chat_ms: list[float] = []
    api_ms: list[float] = []  # the POST's own answer time (part of every delivery sample)
    missed = 0
    sem = asyncio.Semaphore(IN_FLIGHT)

    async def one(n: int) -> None:
        nonlocal missed
        idx = n % len(readers)
        marker = f"bench-{uuid.uuid4().hex[:12]}"
        async with sem:
            got = readers[idx].expect(lambda text, m=marker: m in text)
            start = time.perf_counter()
            status, text = await post(idx, marker)
            api_ms.append((time.perf_counter() - start) * 1000)
            if status != 201:
                got.cancel()
                print(f"  message refused: {status} {text[:200]}")
                missed += 1
                return
            try:
                arrived = await asyncio.wait_for(got, 5)
                chat_ms.append((arrived - start) * 1000)
            except TimeoutError:
                missed += 1

    if readers:
        await asyncio.gather(*(one(n) for n in range(messages)))
    return {"chat_ms": chat_ms, "api_ms": api_ms, "missed": missed}


def chat_line(label: str, chat: dict[str, Any]) -> str:
    ms, api = chat["chat_ms"], chat["api_ms"]
    if not ms:
        return f"{label}: no samples ({chat['missed']} missed)"
    return (f"{label} ({len(ms)} messages, {chat['missed']} missed): p50 {pct(ms, .5):.0f} ms, "
            f"p95 {pct(ms, .95):.0f} ms, max {max(ms):.0f} ms; the POST itself answered in "
            f"p50 {pct(api, .5):.0f} ms, p95 {pct(api, .95):.0f} ms")


async def floor_chat(base: str, clients: int, readers: int, messages: int) -> dict[str, Any]:
    """The same crowd on the bare relay: `clients` sockets, the last `readers` of them receive the
    messages (the others only stay connected, like the app's slot viewers)."""
    import httpx

    tabs = [ReflexClient(base, "floor.token", "floor", "", "/messages", {}) for _ in range(clients)]
    await connect_all(tabs)
    receivers = tabs[clients - readers:]
    http = httpx.AsyncClient(base_url=base, timeout=30)

    async def post(idx: int, marker: str) -> tuple[int, str]:
        sent = await http.post(f"/send/{receivers[idx].token}", json={"body": f"hello {marker}"})
        return sent.status_code, sent.text

    try:
        return await deliver(receivers, messages, post)
    finally:
        await http.aclose()
        await asyncio.gather(*(c.sio.disconnect() for c in tabs), return_exceptions=True)


def run_floor(workdir: Path, clients: int, readers: int, messages: int, timeout: float) -> dict[str, Any]:
    """Start the relay (granian, one worker, websockets on), run `floor_chat`, stop it."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = start_granian("benchmarks.socketio_floor:app", port, env, workdir / "floor.log", websockets=True)
    try:
        return asyncio.run(asyncio.wait_for(floor_chat(f"http://127.0.0.1:{port}", clients, readers, messages),
                                            timeout=timeout))
    finally:
        stop_process(proc)
