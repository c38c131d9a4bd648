"""Live page refresh: the loop a page state runs in a Reflex background task to re-read its data
when the broker says it changed (integrations/broker.py).

How a page uses it (see TutorSlotsState.watch_slots):

    @rx.event(background=True)
    async def watch_x(self):
        async with self:
            key = live.claim(self)                  # this tab's newest watcher for this state
            channels, path = [...], self.router.url.path
        async for _batch in live.watch(self, channels, lambda: live.is_current(self, key, path),
                                       since=self._live_mark):
            async with self:
                if not live.is_current(self, key, path):
                    break
                await self._refresh(...)            # re-read through the services (authorization)

No lost hints: the page's load takes `self._live_mark = live.mark()` BEFORE reading its data, and
the watcher subscribes only later. A change committed in between is announced to nobody; `watch`
notices (the broker's counter moved) and yields one catch-up batch `[CATCH_UP]` first, so the page
re-reads once with its subscription already active (`catch_up=True`: always, for pages that learn
their channels only from their data, e.g. the viewer's own id).

Why the loop ends by itself: Reflex 0.10 does not cancel background tasks when a client leaves,
so `watch` stops when the tab's socket is gone (checked every IDLE_CHECK seconds and on every
message), when the page started a newer watcher or navigated elsewhere (`is_current`, checked
under the state lock), and after MAX_SECONDS in any case (the next page load starts a new one).
The subscription is closed on every exit path, including cancellation at server shutdown.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from reflex.config import get_config

from tutorhub.integrations import broker
from tutorhub.integrations.broker import Message

IDLE_CHECK = 15.0  # seconds between liveness checks while nothing happens
MAX_SECONDS = 4 * 3600  # a watcher never outlives this; a page load starts a fresh one
DEBOUNCE = 0.01  # hints of one commit arrive together (one booking touches several channels) → one refresh
CATCH_UP: Message = ("", {"type": "resync"})  # the synthetic first batch (see the module docstring)
TICK: Message = ("", {"type": "tick"})  # the synthetic batch of a quiet `tick` (pages with deadlines)


def mark() -> int:
    """Take before a page reads the data its watcher will keep fresh; pass as `watch(since=...)`."""
    return broker.mark()


def claim(state: Any) -> str:
    """Make a new watcher the current one for this tab and state (call under `async with self`).

    The state must declare a backend-only `_live_key: str = ""`; older watchers of the same tab
    see another key and end."""
    key = secrets.token_hex(6)
    state._live_key = key
    return key


def is_current(state: Any, key: str, path: str) -> bool:
    """Still the newest watcher, and the tab is still on the page that started it."""
    return bool(state._live_key == key and (state.router.url.path or "") == path)


def _token_connected(token: str) -> bool:
    """Whether this process still has a socket for the tab (True when it cannot tell, e.g. when a
    state is driven directly by tests without a running app). Only looks at an already imported
    app module: importing it here would compile the whole app."""
    try:
        module = sys.modules.get(get_config().module)
        namespace = getattr(getattr(module, "app", None), "event_namespace", None)
        if namespace is None:
            return True
        manager = namespace._token_manager
        record = manager.token_to_socket.get(token)
        # With Redis the map also knows sockets of other app processes: a tab that reconnected
        # elsewhere has its watcher there (its page load started one).
        return record is not None and getattr(record, "instance_id", manager.instance_id) == manager.instance_id
    except Exception:  # noqa: BLE001 - liveness is a best-effort optimisation
        return True


def has_type(batch: list[tuple[str, Any]], types: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    """Whether a batch of hints holds one of `types` (a user's channel carries chat, bell, booking
    and lead news side by side; each page refreshes only for its own)."""
    return any(isinstance(p, dict) and p.get("type") in types for _c, p in batch)


async def watch(
    state: Any,
    channels: list[str],
    still_wanted: Callable[[], bool] | None = None,
    *,
    idle_check: float | None = None,
    max_seconds: float | None = None,
    since: int | None = None,
    catch_up: bool = False,
    tick: float | None = None,
) -> AsyncIterator[list[Message]]:
    """Yield each burst of hints on `channels` until the tab leaves (see the module docstring).

    `still_wanted` is evaluated under the state lock on idle checks; the caller re-checks on each
    batch inside its own `async with self` (one lock round trip per refresh). The first batch is
    `[CATCH_UP]` when `catch_up` is set, or when hints went out since the page's `mark()` (`since`).
    With `tick` (seconds), every quiet stretch that long yields `[TICK]`: a page whose data turns by
    itself at a known time (an enquiry's expiry) looks whether that time came."""
    token = state.router.session.client_token
    sub = broker.subscribe(channels)
    idle = IDLE_CHECK if idle_check is None else idle_check  # module values read now: tests shorten them
    if tick is not None:
        idle = min(idle, tick)
    deadline = time.monotonic() + (MAX_SECONDS if max_seconds is None else max_seconds)
    try:
        if catch_up or (since is not None and broker.mark() != since):
            yield [CATCH_UP]
        while time.monotonic() < deadline:
            message = await sub.get(timeout=idle)
            if token and not _token_connected(token):
                return
            if message is None:
                if still_wanted is not None:
                    async with state:
                        wanted = still_wanted()
                    if not wanted:
                        return
                if tick is not None:
                    yield [TICK]
                continue
            await asyncio.sleep(DEBOUNCE)
            yield [message, *sub.drain()]
    finally:
        sub.close()


async def follow_viewer(
    state: Any,
    types: frozenset[str],
    on_hints: Callable[[list[Message]], Awaitable[None]],
    *,
    tick: float | None = None,
) -> None:
    """The whole watch loop of a page that follows its viewer's own "user:{id}" channel.

    The state declares `_viewer_id: int` (0 = nobody: no watcher), `_live_key` and `_live_mark`
    (taken by its load). Batches holding none of `types` are skipped without taking the state lock;
    for the others `on_hints(batch)` runs under the lock while this is still the tab's current
    watcher on the page that started it (it re-reads through the services; it may look closer at
    the batch's ids first). With `tick`, `[TICK]` batches come on quiet stretches (see `watch`)."""
    async with state:
        viewer = int(state._viewer_id or 0)
        if not viewer:
            return
        key, path = claim(state), state.router.url.path or ""
        since = state._live_mark
    wanted = set(types) | ({"tick"} if tick is not None else set())
    async for batch in watch(state, [f"user:{viewer}"], lambda: is_current(state, key, path), since=since, tick=tick):
        if not has_type(batch, wanted):
            continue
        async with state:
            if not is_current(state, key, path):
                break
            await on_hints(batch)
