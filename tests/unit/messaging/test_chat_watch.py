"""The chat watchers' loop: a catch-up batch after subscribing (no gap between a page's load and
its watcher), then hints as they come; it ends when the page no longer wants it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from tutorhub.integrations import broker
from tutorhub.state import live
from tutorhub.state.messaging.chat_thread import wants_refresh


class FakeState:
    def __init__(self) -> None:
        self.router = SimpleNamespace(session=SimpleNamespace(client_token=""))
        self.wanted = True

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None


def test_the_first_batch_is_a_catch_up_made_after_subscribing_then_hints_until_unwanted(monkeypatch):
    broker.reset_broker(broker.InProcessBroker())
    monkeypatch.setattr(live, "IDLE_CHECK", 0.05)
    state = FakeState()

    async def scenario():
        batches = []
        gen = live.watch(state, ["user:7"], lambda: state.wanted, catch_up=True)
        first = await gen.__anext__()
        # The subscription is already registered when the catch-up arrives: a hint published now
        # (between the page's re-read and the next wait) is not lost.
        assert broker.get_broker().subscriber_count("user:7") == 1
        broker.publish("user:7", {"type": "message", "conversation_id": 3})
        broker.publish("user:8", {"type": "message", "conversation_id": 4})  # someone else's
        batches.append(first)
        batches.append(await gen.__anext__())
        state.wanted = False
        rest = [b async for b in gen]
        return batches, rest

    try:
        batches, rest = asyncio.run(scenario())
    finally:
        broker.reset_broker()
    assert batches == [[live.CATCH_UP], [("user:7", {"type": "message", "conversation_id": 3})]]
    assert rest == [] and broker.get_broker().subscriber_count("user:7") == 0
    assert wants_refresh(batches[0]) and wants_refresh(batches[1])
    assert not wants_refresh([("user:7", {"type": "notification"})])


def test_only_the_echo_of_reading_the_open_thread_is_skipped():
    from tutorhub.state.messaging.chat_thread import only_reads_of

    read3 = ("user:7", {"type": "read", "conversation_id": 3})
    assert only_reads_of([read3, read3], 3)
    assert not only_reads_of([read3], 4)  # another conversation was read: its unread count changed
    assert not only_reads_of([read3, ("user:7", {"type": "message", "conversation_id": 3})], 3)
    assert not only_reads_of([read3], 0)  # no thread open: the list must refresh
    assert not only_reads_of([live.CATCH_UP], 3)
