"""The chat watchers' loop: live.watch with one catch-up re-read right after subscribing.

Why always a catch-up: a chat page reads its data (unread count, thread) in its load handler and
only then starts the background watcher, which subscribes a moment later; its channel
("user:{id}") is only known once that read found the viewer. A message committed in between would
be announced to nobody, so the first batch is a synthetic "resync" made with the subscription
already active: nothing falls into the gap. Ending the loop follows state/live.py (tab gone, page
left or newer watcher, MAX_SECONDS).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from tutorhub.integrations.broker import Message
from tutorhub.state import live

CATCH_UP: Message = live.CATCH_UP


def watch_with_catch_up(state: Any, channels: list[str], still_wanted: Callable[[], bool]) -> AsyncIterator[
        list[Message]]:
    return live.watch(state, channels, still_wanted, catch_up=True)
