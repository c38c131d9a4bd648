"""The SFU adapter this process uses, and its state for /health.

`get_rooms_adapter()` builds the Janus admin client from room_settings (None when TUTORHUB_SFU=off).
Tests hand their own adapter to the use cases instead (a JanusRooms pointed at a Janus started in the
test, or at a closed port for the fallback). `sfu_state()` pings Janus at most every few seconds so
a busy /health does not become load on the SFU.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from tutorhub.integrations.janus import JanusRooms, SfuError, SfuUnavailable
from tutorhub.room_settings import get_room_settings

STATE_CACHE_SECONDS = 5.0
PING_TIMEOUT = 1.0
_STATE: dict[str, tuple[float, str]] = {}


def get_rooms_adapter(timeout: float | None = None) -> JanusRooms | None:
    rs = get_room_settings()
    if rs.sfu == "off":
        return None
    return JanusRooms(rs.admin_url, rs.admin_secret, rs.admin_key, timeout=timeout or 3.0)


def sfu_state() -> str:
    """"ok", "off" (not configured), or "unreachable" (the room falls back to the meeting link)."""
    rs = get_room_settings()
    if rs.sfu == "off":
        return "off"
    cached = _STATE.get(rs.admin_url)
    if cached and time.monotonic() - cached[0] < STATE_CACHE_SECONDS:
        return cached[1]
    adapter = get_rooms_adapter(timeout=PING_TIMEOUT)
    assert adapter is not None
    try:
        state = "ok" if adapter.ping() else "unreachable"
    except (SfuUnavailable, SfuError, ValueError):
        state = "unreachable"
    finally:
        adapter.close()
    _STATE[rs.admin_url] = (time.monotonic(), state)
    return state


@contextmanager
def rooms_adapter() -> Iterator[JanusRooms | None]:
    """The configured adapter for one request, closed afterwards."""
    adapter = get_rooms_adapter()
    try:
        yield adapter
    finally:
        if adapter is not None:
            adapter.close()
