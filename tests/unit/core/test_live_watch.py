"""The page-watch loop behind live updates (state/live.py): batches hints, and always ends."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from tutorhub.integrations import broker as broker_mod
from tutorhub.integrations.broker import InProcessBroker
from tutorhub.state import live


class FakeState:
    """Stands in for a Reflex StateProxy: a router and `async with` (the state lock)."""

    def __init__(self, path: str = "/tutors/1") -> None:
        self.router = SimpleNamespace(session=SimpleNamespace(client_token="tab-1"), url=SimpleNamespace(path=path))
        self._live_key = ""
        self.locked = 0

    async def __aenter__(self) -> FakeState:
        self.locked += 1
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(live, "_token_connected", lambda token: True)  # no running app here
    b = InProcessBroker()
    broker_mod.reset_broker(b)
    yield b
    broker_mod.reset_broker(None)


def test_a_burst_of_hints_is_one_batch_and_the_loop_ends_when_the_tab_moves_on(local: InProcessBroker) -> None:
    state = FakeState()
    key = live.claim(state)
    batches: list[list] = []

    async def run() -> None:
        async def watcher() -> None:
            async for batch in live.watch(state, ["tutor:1:slots"], lambda: live.is_current(state, key, "/tutors/1"),
                                          idle_check=0.05):
                batches.append(batch)

        task = asyncio.create_task(watcher())
        await asyncio.sleep(0.02)
        for _ in range(3):
            local.publish("tutor:1:slots", {"type": "slots"})
        await asyncio.sleep(0.2)
        assert len(batches) == 1 and len(batches[0]) == 3
        state.router.url.path = "/lessons"  # the tab navigated away
        await asyncio.wait_for(task, 1)
        assert local.subscriber_count() == 0

    asyncio.run(run())


def test_a_newer_watcher_of_the_same_tab_retires_the_older_one(local: InProcessBroker) -> None:
    state = FakeState()

    async def run() -> None:
        old_key = live.claim(state)
        old = asyncio.create_task(_drain(state, old_key))
        await asyncio.sleep(0.02)
        live.claim(state)  # the page was loaded again
        await asyncio.wait_for(old, 1)
        assert local.subscriber_count() == 0

    asyncio.run(run())


def test_the_loop_has_a_hard_time_limit(local: InProcessBroker) -> None:
    state = FakeState()
    key = live.claim(state)

    async def run() -> None:
        async for _ in live.watch(state, ["user:1"], lambda: live.is_current(state, key, "/tutors/1"),
                                  idle_check=0.02, max_seconds=0.1):
            pass
        assert local.subscriber_count() == 0

    asyncio.run(asyncio.wait_for(run(), 2))


def test_cancellation_closes_the_subscription(local: InProcessBroker) -> None:
    state = FakeState()
    key = live.claim(state)

    async def run() -> None:
        task = asyncio.create_task(_drain(state, key))
        await asyncio.sleep(0.02)
        assert local.subscriber_count("tutor:1:slots") == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert local.subscriber_count() == 0

    asyncio.run(run())


async def _drain(state: FakeState, key: str) -> None:
    async for _ in live.watch(state, ["tutor:1:slots"], lambda: live.is_current(state, key, "/tutors/1"),
                              idle_check=0.02):
        pass


def test_the_loop_ends_when_the_tabs_socket_is_gone(local: InProcessBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    state = FakeState()
    key = live.claim(state)
    monkeypatch.setattr(live, "_token_connected", lambda token: token != "tab-1")

    async def run() -> None:
        await _drain(state, key)  # returns at the first idle check
        assert local.subscriber_count() == 0

    asyncio.run(asyncio.wait_for(run(), 2))


async def _first_batch(state: FakeState, key: str, **kwargs) -> list | None:
    """The first batch `watch` yields within 0.1 s (None: nothing)."""
    gen = live.watch(state, ["tutor:1:slots"], lambda: live.is_current(state, key, "/tutors/1"),
                     idle_check=0.05, **kwargs)
    try:
        return await asyncio.wait_for(gen.__anext__(), 0.1)
    except (TimeoutError, StopAsyncIteration):
        return None
    finally:
        await gen.aclose()


def test_a_hint_sent_between_the_page_read_and_the_subscription_is_caught_up(local: InProcessBroker) -> None:
    """The page takes live.mark() before reading; a hint fanned out before the watcher subscribed
    reached nobody, so the watcher's first batch is a catch-up re-read."""
    state = FakeState()
    key = live.claim(state)

    async def run() -> None:
        quiet = live.mark()
        assert await _first_batch(state, key, since=quiet) is None  # nothing happened: no extra re-read
        missed = live.mark()
        local.publish("tutor:1:slots", {"type": "slots"})  # the booking lands in the gap
        assert await _first_batch(state, key, since=missed) == [live.CATCH_UP]
        assert await _first_batch(state, key, catch_up=True) == [live.CATCH_UP]  # chat: always
        assert local.subscriber_count() == 0

    asyncio.run(run())
