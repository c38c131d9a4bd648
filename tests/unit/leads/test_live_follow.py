"""The shared watch loop of the lead pages (live.follow_viewer): the viewer's own channel, only
the page's hint types, quiet ticks for pages with deadlines, and it ends when the tab moves on."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from tutorhub.integrations import broker
from tutorhub.state import live


class FakeState:
    def __init__(self, viewer: int) -> None:
        self.router = SimpleNamespace(session=SimpleNamespace(client_token=""), url=SimpleNamespace(path="/enquiries"))
        self._viewer_id, self._live_key, self._live_mark = viewer, "", live.mark()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None


def _follow(state: FakeState, *, tick: float | None, hints: bool) -> list[list[live.Message]]:
    """Run the loop; the page "navigates away" after its first batch (the loop then ends)."""
    seen: list[list[live.Message]] = []

    async def on_hints(batch):
        seen.append(batch)
        state.router.url.path = "/elsewhere"

    async def scenario():
        task = asyncio.create_task(live.follow_viewer(state, frozenset({"enquiry"}), on_hints, tick=tick))
        for _ in range(100):
            await asyncio.sleep(0.01)
            if broker.get_broker().subscriber_count("user:7"):
                break
        if hints:
            broker.publish("user:7", {"type": "message", "conversation_id": 1})  # not this page's
            await asyncio.sleep(0.05)
            broker.publish("user:8", {"type": "enquiry", "id": 2})  # someone else's
            broker.publish("user:7", {"type": "enquiry", "id": 3})
        await asyncio.wait_for(task, 5)
        left.append(broker.get_broker().subscriber_count("user:7"))

    left: list[int] = []
    broker.reset_broker(broker.InProcessBroker())
    try:
        asyncio.run(scenario())
    finally:
        broker.reset_broker()
    assert left == [0]  # the subscription closed with the loop
    return seen


def test_it_hands_over_only_the_pages_own_hints_and_ends_when_the_tab_leaves(monkeypatch):
    monkeypatch.setattr(live, "IDLE_CHECK", 0.05)
    seen = _follow(FakeState(7), tick=None, hints=True)
    assert seen == [[("user:7", {"type": "enquiry", "id": 3})]]


def test_a_quiet_page_with_a_deadline_gets_ticks():
    assert _follow(FakeState(7), tick=0.02, hints=False) == [[live.TICK]]


def test_no_viewer_no_watcher():
    state = FakeState(0)
    seen: list = []

    async def on_hints(batch):
        seen.append(batch)

    asyncio.run(live.follow_viewer(state, frozenset({"enquiry"}), on_hints, tick=0.01))
    assert seen == [] and state._live_key == ""
