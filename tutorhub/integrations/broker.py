"""A tiny publish/subscribe broker for "something changed, re-read it" hints.

Why: Reflex states of different users (and, with Redis, in different app processes) must learn
that a tutor's slots, a booking or a conversation changed without polling the database. The
payloads are tiny hints ({"type": "message", "id": 5}); receivers re-read through services, where
authorization happens, and never trust payload content.

Two implementations behind one module-level API:
- in-process (default): asyncio fan-out to each subscriber's bounded queue; `publish` is safe to
  call from sync code on the event loop and from any other thread (loop.call_soon_threadsafe).
- Redis pub/sub (when REFLEX_REDIS_URL is set): `publish` sends through a synchronous Redis client
  (thread-safe pool); each process keeps ONE pattern subscription (prefix*) on its event loop and
  fans messages out locally, so cross-process delivery costs one connection per process.

Services call `publish_after_commit(session, ...)`: the hint is sent only once the transaction
commits (dropped on rollback), so a subscriber never re-reads before the data is visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from typing import Any

import redis
import redis.asyncio as aioredis
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Message = tuple[str, dict[str, Any]]
QUEUE_LIMIT = 256  # per subscriber; hints beyond this are dropped (receivers re-read anyway)
PUBLISH_TIMEOUT = 1.0  # seconds: a publish runs in the committing request's thread
PUBLISH_BACKOFF = 5.0  # after a failed publish, hints are dropped (not waited on) this long
_PENDING_KEY = "tutorhub_broker_pending"


class Subscription:
    """Registered on creation (no race with a publish right after), iterated with `async for`.

    Ends (unregisters) on `close()`, on leaving `async with`, when the iterating task is cancelled,
    or when garbage-collected. `get(timeout)` returns None on timeout so a Reflex background loop
    can periodically check whether its page is still open.
    """

    def __init__(self, broker: _LocalFanout, channels: list[str]) -> None:
        self._broker = broker
        self.channels = list(dict.fromkeys(channels))
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.closed = False
        broker._add(self)

    def deliver_threadsafe(self, message: Message) -> None:
        if self.closed:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._put(message)
        elif not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop closed between the check and the call
                self.loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: Message) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(message)

    async def get(self, timeout: float | None = None) -> Message | None:
        """The next message, or None after `timeout` seconds without one."""
        try:
            if timeout is None:
                return await self.queue.get()
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None
        except BaseException:
            self.close()
            raise

    def drain(self) -> list[Message]:
        """Everything already queued (coalesce a burst into one refresh)."""
        items: list[Message] = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._broker._remove(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        if self.closed:
            raise StopAsyncIteration
        message = await self.get()
        assert message is not None
        return message

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # last resort: a forgotten subscription must not leak
        with contextlib.suppress(Exception):
            self.close()


class _LocalFanout:
    """Channel → subscriptions registry shared by both broker kinds (thread-safe)."""

    def __init__(self) -> None:
        # Re-entrant: Subscription.__del__ (GC) may run while this thread holds the lock.
        self._lock = threading.RLock()
        self._by_channel: dict[str, set[Subscription]] = {}
        self._fanned_out = 0  # hints handed to local subscribers so far (see `mark`)

    def _add(self, sub: Subscription) -> None:
        with self._lock:
            for channel in sub.channels:
                self._by_channel.setdefault(channel, set()).add(sub)
        self._on_subscribe(sub)

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            for channel in sub.channels:
                subs = self._by_channel.get(channel)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._by_channel[channel]

    def _on_subscribe(self, sub: Subscription) -> None:
        """Hook: the Redis broker starts its listener here."""

    def fan_out(self, channel: str, payload: dict[str, Any]) -> None:
        with self._lock:  # count and snapshot together: see `mark`
            self._fanned_out += 1
            subs = list(self._by_channel.get(channel, ()))
        for sub in subs:
            sub.deliver_threadsafe((channel, dict(payload)))

    def mark(self) -> int:
        """How many hints this process has fanned out so far, on any channel.

        A page takes a mark before reading its data and hands it to its watcher: if the number
        changed by the time the watcher's subscription is registered, a hint may have been sent in
        that gap (to nobody), so the watcher re-reads once. Counting and registering both happen
        under the registry lock, so every hint is either counted before the subscription exists
        or delivered to it."""
        with self._lock:
            return self._fanned_out

    def subscriber_count(self, channel: str | None = None) -> int:
        with self._lock:
            if channel is not None:
                return len(self._by_channel.get(channel, ()))
            return len({s for subs in self._by_channel.values() for s in subs})

    def subscribe(self, channels: list[str]) -> Subscription:
        return Subscription(self, channels)

    def publish(self, channel: str, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        with self._lock:
            subs = {s for subs in self._by_channel.values() for s in subs}
        for sub in subs:
            sub.close()


class InProcessBroker(_LocalFanout):
    """One process, one worker: publish fans out directly."""

    def publish(self, channel: str, payload: dict[str, Any]) -> None:
        self.fan_out(channel, payload)


class RedisBroker(_LocalFanout):
    """Redis pub/sub across processes; one pattern subscription per process (per event loop)."""

    def __init__(self, url: str, prefix: str = "tutorhub:") -> None:
        super().__init__()
        self.url = url
        self.prefix = prefix
        self._sync = redis.Redis.from_url(url, socket_timeout=PUBLISH_TIMEOUT, socket_connect_timeout=PUBLISH_TIMEOUT)
        self._publish_down_until = 0.0
        self.client_name = f"tutorhub-broker-{prefix}".replace(" ", "_")[:64]  # CLIENT LIST: whose listener
        self._listener: asyncio.Task[None] | None = None
        self._listener_loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        self._start_lock = threading.Lock()

    def publish(self, channel: str, payload: dict[str, Any]) -> None:
        # During a Redis outage every request that commits would otherwise wait for a connect
        # timeout per hint; drop hints for a while instead (listeners re-sync when Redis is back).
        if time.monotonic() < self._publish_down_until:
            log.debug("broker: Redis down, hint to %s dropped", channel)
            return
        data = json.dumps({"c": channel, "p": payload}, separators=(",", ":"))
        try:
            self._sync.publish(self.prefix + channel, data)
        except Exception:  # a hint must never break the caller's (already committed) work
            self._publish_down_until = time.monotonic() + PUBLISH_BACKOFF
            log.exception("broker: Redis publish to %s failed; dropping hints for %.0f s", channel, PUBLISH_BACKOFF)

    def _on_subscribe(self, sub: Subscription) -> None:
        with self._start_lock:
            if (
                self._listener is None
                or self._listener.done()
                or self._listener_loop is not sub.loop
            ):
                self._ready = asyncio.Event()
                self._listener_loop = sub.loop
                self._listener = sub.loop.create_task(self._listen(self._ready))

    async def ready(self, timeout: float = 5.0) -> None:
        """Wait until the pattern subscription is active (tests; first subscribe in a process)."""
        if self._ready is not None:
            await asyncio.wait_for(self._ready.wait(), timeout)

    async def _listen(self, ready: asyncio.Event) -> None:
        pattern = self.prefix + "*"
        while True:
            client = aioredis.Redis.from_url(self.url, client_name=self.client_name)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(pattern)
                ready.set()
                # Hints sent before this (re)subscription reached nobody here: while disconnected,
                # or, on the first one, between a page's subscribe() and this listener starting
                # (or retrying while Redis was down at start-up). Every local subscriber re-reads.
                self._resync_all()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    self._dispatch(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broker: Redis listener lost its connection; retrying in 1 s")
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()

    def _dispatch(self, raw: bytes | str) -> None:
        try:
            decoded = json.loads(raw)
            channel, payload = decoded["c"], decoded["p"]
        except (ValueError, KeyError, TypeError):
            log.warning("broker: ignoring malformed message %r", raw[:200])
            return
        if isinstance(channel, str) and isinstance(payload, dict):
            self.fan_out(channel, payload)

    def _resync_all(self) -> None:
        with self._lock:
            channels = list(self._by_channel)
        for channel in channels:
            self.fan_out(channel, {"type": "resync"})

    def close(self) -> None:
        super().close()
        if self._listener is not None and not self._listener.done():
            loop = self._listener_loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._listener.cancel)
        with contextlib.suppress(Exception):
            self._sync.close()


_broker: _LocalFanout | None = None
_broker_lock = threading.Lock()


def get_broker() -> _LocalFanout:
    """The process-wide broker: Redis when REFLEX_REDIS_URL is set, else in-process."""
    global _broker
    with _broker_lock:
        if _broker is None:
            url = os.environ.get("REFLEX_REDIS_URL", "").strip()
            prefix = os.environ.get("TUTORHUB_BROKER_PREFIX", "").strip() or "tutorhub:"
            _broker = RedisBroker(url, prefix) if url else InProcessBroker()
        return _broker


def reset_broker(broker: _LocalFanout | None = None) -> None:
    """Tests: close the current broker and use `broker` (or re-read the environment)."""
    global _broker
    with _broker_lock:
        old, _broker = _broker, broker
    if old is not None and old is not broker:
        old.close()


def publish(channel: str, payload: dict[str, Any]) -> None:
    """Send a hint now (use `publish_after_commit` from inside a transaction)."""
    get_broker().publish(channel, payload)


def subscribe(channels: list[str]) -> Subscription:
    """Subscribe (from a coroutine) to `channels`; iterate the result for (channel, payload)."""
    return get_broker().subscribe(channels)


def mark() -> int:
    """The process's hint counter (see `_LocalFanout.mark`)."""
    return get_broker().mark()


def publish_after_commit(session: Session, channel: str, payload: dict[str, Any]) -> None:
    """Queue a hint on `session`; it is published after the next commit, dropped on rollback."""
    pending: list[tuple[str, str]] | None = session.info.get(_PENDING_KEY)
    if pending is None:
        pending = session.info[_PENDING_KEY] = []
        if not event.contains(session, "after_commit", _flush_after_commit):
            event.listen(session, "after_commit", _flush_after_commit)
            event.listen(session, "after_soft_rollback", _drop_after_rollback)
    item = (channel, json.dumps(payload, sort_keys=True))
    if item not in pending:  # one transaction touching the same thing twice → one hint
        pending.append(item)


def _flush_after_commit(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released (begin_nested, e.g. a ledger
    # posting): the outer transaction is not committed yet, so a page re-reading on the hint would
    # see the old rows and never hear again. Only the real commit publishes.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING_KEY, None) or []
    for channel, payload in pending:
        try:
            publish(channel, json.loads(payload))
        except Exception:
            log.exception("broker: publish to %s failed after commit", channel)


def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    # A rolled-back SAVEPOINT leaves the outer transaction (and its hints) alive.
    if not getattr(previous_transaction, "nested", False):
        session.info.pop(_PENDING_KEY, None)
