"""The real-time broker: in-process fan-out, after-commit hints, and Redis across two instances."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tutorhub.db import get_engine
from tutorhub.integrations import broker as broker_mod
from tutorhub.integrations.broker import InProcessBroker, RedisBroker, publish_after_commit

REDIS_URL = os.environ.get("TUTORHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({exc}); set TUTORHUB_TEST_REDIS_URL")


@pytest.fixture
def local() -> InProcessBroker:
    b = InProcessBroker()
    broker_mod.reset_broker(b)
    yield b
    broker_mod.reset_broker(None)


def test_delivery_to_multiple_subscribers_only_on_their_channels(local: InProcessBroker) -> None:
    async def run() -> None:
        a = local.subscribe(["tutor:1:slots"])
        b = local.subscribe(["tutor:1:slots", "user:9"])
        c = local.subscribe(["tutor:2:slots"])
        local.publish("tutor:1:slots", {"type": "slots"})
        local.publish("user:9", {"type": "notification"})
        assert await a.get(1) == ("tutor:1:slots", {"type": "slots"})
        assert await b.get(1) == ("tutor:1:slots", {"type": "slots"})
        assert await b.get(1) == ("user:9", {"type": "notification"})
        assert await c.get(0.05) is None
        assert await a.get(0.05) is None

    asyncio.run(run())


def test_publish_from_another_thread_is_delivered(local: InProcessBroker) -> None:
    async def run() -> None:
        sub = local.subscribe(["booking:5"])
        worker = threading.Thread(target=lambda: broker_mod.publish("booking:5", {"type": "status"}))
        worker.start()
        worker.join()
        assert await sub.get(1) == ("booking:5", {"type": "status"})

    asyncio.run(run())


def test_cancelling_the_reader_unsubscribes(local: InProcessBroker) -> None:
    async def run() -> None:
        received: list[tuple[str, dict]] = []

        async def reader() -> None:
            async for message in broker_mod.subscribe(["conversation:3"]):
                received.append(message)

        task = asyncio.create_task(reader())
        await asyncio.sleep(0.01)
        assert local.subscriber_count("conversation:3") == 1
        broker_mod.publish("conversation:3", {"type": "message", "id": 1})
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert received == [("conversation:3", {"type": "message", "id": 1})]
        assert local.subscriber_count("conversation:3") == 0
        assert local.subscriber_count() == 0

    asyncio.run(run())


def test_context_manager_and_close_unsubscribe(local: InProcessBroker) -> None:
    async def run() -> None:
        async with local.subscribe(["user:1"]) as sub:
            assert local.subscriber_count("user:1") == 1
        assert sub.closed and local.subscriber_count("user:1") == 0
        local.publish("user:1", {"type": "x"})  # nobody listens: no error

    asyncio.run(run())


def test_payloads_are_copied_per_subscriber(local: InProcessBroker) -> None:
    async def run() -> None:
        a = local.subscribe(["c"])
        b = local.subscribe(["c"])
        local.publish("c", {"n": 1})
        _, pa = await a.get(1)  # type: ignore[misc]
        pa["n"] = 99
        assert await b.get(1) == ("c", {"n": 1})

    asyncio.run(run())


def test_hint_is_sent_after_commit_and_not_on_rollback(local: InProcessBroker) -> None:
    from sqlalchemy import text

    async def run() -> None:
        sub = local.subscribe(["tutor:7:slots"])
        with Session(get_engine()) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            publish_after_commit(session, "tutor:7:slots", {"type": "slots"})
            publish_after_commit(session, "tutor:7:slots", {"type": "slots"})  # deduplicated
            assert await sub.get(0.05) is None  # nothing before the commit
            session.rollback()
            assert await sub.get(0.05) is None  # dropped on rollback
            session.commit()
            assert await sub.get(0.05) is None  # the rolled-back hint stays dropped
            publish_after_commit(session, "tutor:7:slots", {"type": "slots"})
            session.commit()
        assert await sub.get(1) == ("tutor:7:slots", {"type": "slots"})
        assert await sub.get(0.05) is None  # exactly once

    asyncio.run(run())


def test_rolled_back_savepoint_keeps_the_outer_hints(local: InProcessBroker) -> None:
    async def run() -> None:
        sub = local.subscribe(["user:3"])
        with Session(get_engine()) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            publish_after_commit(session, "user:3", {"type": "notification"})
            savepoint = session.begin_nested()
            savepoint.rollback()
            session.commit()
        assert await sub.get(1) == ("user:3", {"type": "notification"})

    asyncio.run(run())


def test_a_released_savepoint_does_not_publish_before_the_real_commit(local: InProcessBroker) -> None:
    """A ledger posting inside a use case releases a SAVEPOINT (SQLAlchemy fires after_commit for it):
    a hint sent then would reach pages that re-read the old rows and never hear again."""

    async def run() -> None:
        sub = local.subscribe(["booking:9"])
        with Session(get_engine()) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            publish_after_commit(session, "booking:9", {"type": "booking"})
            with session.begin_nested():
                session.exec(text("SELECT 2"))  # type: ignore[call-overload]
            assert await sub.get(0.05) is None  # the savepoint's release is not the commit
            session.commit()
        assert await sub.get(1) == ("booking:9", {"type": "booking"})

    asyncio.run(run())


def test_session_scope_error_drops_the_hint(local: InProcessBroker) -> None:
    from tutorhub.db import session_scope

    async def run() -> None:
        sub = local.subscribe(["booking:1"])
        with pytest.raises(RuntimeError), session_scope() as session:
            publish_after_commit(session, "booking:1", {"type": "status"})
            raise RuntimeError("boom")
        with session_scope() as session:
            publish_after_commit(session, "booking:2", {"type": "status"})
            publish_after_commit(session, "booking:1", {"type": "status", "n": 2})
        assert await sub.get(1) == ("booking:1", {"type": "status", "n": 2})
        assert await sub.get(0.05) is None

    asyncio.run(run())


def test_get_broker_picks_redis_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    broker_mod.reset_broker(None)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    assert isinstance(broker_mod.get_broker(), InProcessBroker)
    broker_mod.reset_broker(None)
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert isinstance(broker_mod.get_broker(), RedisBroker)
    broker_mod.reset_broker(None)


def test_redis_crosses_two_broker_instances() -> None:
    """Two RedisBroker instances stand for two app processes sharing one Redis."""
    _redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    a, b = RedisBroker(REDIS_URL, prefix), RedisBroker(REDIS_URL, prefix)
    other = RedisBroker(REDIS_URL, f"other-{uuid.uuid4().hex[:8]}:")

    async def run() -> None:
        on_a = a.subscribe(["tutor:4:slots"])
        on_b = b.subscribe(["tutor:4:slots"])
        on_b2 = b.subscribe(["tutor:4:slots", "conversation:8"])
        isolated = other.subscribe(["tutor:4:slots"])
        await a.ready()
        await b.ready()
        await other.ready()
        # Subscribed before the listener was up: each subscription re-reads once, per channel.
        resync = {"type": "resync"}
        assert on_a.drain() == [("tutor:4:slots", resync)]
        assert on_b.drain() == [("tutor:4:slots", resync)]
        assert sorted(on_b2.drain()) == [("conversation:8", resync), ("tutor:4:slots", resync)]
        assert isolated.drain() == [("tutor:4:slots", resync)]
        # publish from a worker thread of "process" A, as a sync service would
        await asyncio.to_thread(a.publish, "tutor:4:slots", {"type": "slots"})
        assert await on_b.get(3) == ("tutor:4:slots", {"type": "slots"})
        assert await on_b2.get(3) == ("tutor:4:slots", {"type": "slots"})
        assert await on_a.get(3) == ("tutor:4:slots", {"type": "slots"})  # the publisher's own process too
        b.publish("conversation:8", {"type": "message", "id": 3})
        assert await on_b2.get(3) == ("conversation:8", {"type": "message", "id": 3})
        assert await on_b.get(0.2) is None
        assert await isolated.get(0.2) is None  # another prefix (another deployment/test) is separate
        on_b2.close()
        a.publish("conversation:8", {"type": "message", "id": 4})
        assert await on_b2.get(0.2) is None

    try:
        asyncio.run(run())
    finally:
        a.close()
        b.close()
        other.close()


def test_redis_publish_after_commit_crosses_instances() -> None:
    _redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    sender, receiver = RedisBroker(REDIS_URL, prefix), RedisBroker(REDIS_URL, prefix)
    broker_mod.reset_broker(sender)

    async def run() -> None:
        sub = receiver.subscribe(["booking:11"])
        await receiver.ready()
        assert sub.drain() == [("booking:11", {"type": "resync"})]
        with Session(get_engine()) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            publish_after_commit(session, "booking:11", {"type": "status"})
            session.rollback()
            publish_after_commit(session, "booking:11", {"type": "status", "n": 2})
            session.commit()
        assert await sub.get(3) == ("booking:11", {"type": "status", "n": 2})
        assert await sub.get(0.2) is None

    try:
        asyncio.run(run())
    finally:
        broker_mod.reset_broker(None)
        receiver.close()


def _kill_listener_connections(name: str) -> int:
    """Drop the Redis connections of one broker's listener (found by its client name), as a
    network blip or a Redis restart would."""
    import redis

    admin = redis.Redis.from_url(REDIS_URL)
    try:
        ids = [c["id"] for c in admin.client_list() if c.get("name") == name]
        for cid in ids:
            admin.client_kill_filter(_id=cid)
        return len(ids)
    finally:
        admin.close()


def test_redis_listener_reconnects_and_every_subscriber_resyncs() -> None:
    _redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    a, b = RedisBroker(REDIS_URL, prefix), RedisBroker(REDIS_URL, prefix)

    async def run() -> None:
        sub = b.subscribe(["tutor:5:slots"])
        await b.ready()
        assert sub.drain() == [("tutor:5:slots", {"type": "resync"})]
        assert _kill_listener_connections(b.client_name) == 1
        # Hints sent while b is disconnected are lost for it; it must say so with a resync.
        a.publish("tutor:5:slots", {"type": "slots", "n": 1})
        got = [await sub.get(5)]
        got += [m for m in [await sub.get(3)] if m is not None and m not in got]
        assert ("tutor:5:slots", {"type": "resync"}) in got, got
        # ... and live delivery works again after the reconnect.
        while await sub.get(0.3) is not None:
            pass
        a.publish("tutor:5:slots", {"type": "slots", "n": 2})
        assert await sub.get(3) == ("tutor:5:slots", {"type": "slots", "n": 2})

    try:
        asyncio.run(run())
    finally:
        a.close()
        b.close()


def test_a_redis_outage_does_not_stall_publishers() -> None:
    """Publishing runs in the committing request: with Redis unreachable, the first hint fails
    within the timeout and the next ones are dropped at once instead of each waiting for it."""
    import time

    down = RedisBroker("redis://127.0.0.1:9/0", "down:")  # discard port: nothing listens
    try:
        started = time.monotonic()
        down.publish("user:1", {"type": "notification"})
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(20):
            down.publish("user:1", {"type": "notification"})
        rest = time.monotonic() - started
    finally:
        down.close()
    assert first < broker_mod.PUBLISH_TIMEOUT + 1.0
    assert rest < 0.1


def test_mark_counts_every_fan_out_so_a_late_subscriber_knows_it_missed_one(local: InProcessBroker) -> None:
    before = local.mark()
    local.publish("tutor:9:slots", {"type": "slots"})  # nobody subscribed yet: delivered to no one
    assert local.mark() == before + 1
    assert broker_mod.mark() == before + 1  # the module-level helper reads the same broker
