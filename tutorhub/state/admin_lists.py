"""The read behind an admin list page with a "Refresh" button (outbox, scheduled jobs,
reconciliation reports): one place decides what a refused read shows.

Signed out → the login redirect; not an admin → "forbidden"; a page switched off in this
deployment (e.g. the outbox outside development) → "unavailable". A refused read empties the
rows, so nothing from an earlier admin session stays in the tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tutorhub.services.errors import DomainError
from tutorhub.state.base import read_for_page


async def read_admin_list(
    state: Any, unit: Callable[..., Any], *, unavailable: tuple[type[DomainError], ...] = ()
) -> tuple[bool, Any]:
    """Run `unit` read-only with the state's `refreshing` flag on. Returns (True, what `unit`
    returned) — the caller fills its rows and clears `refreshing` — or, refused, (False, the
    event the handler should return). `state` has `status`, `rows` and `refreshing` vars."""
    state.refreshing = True
    try:
        ok, out = await read_for_page(state, unit, forget=lambda: setattr(state, "rows", []))
    except unavailable:
        state.status, state.rows, state.refreshing = "unavailable", [], False
        return False, None
    if not ok:
        state.refreshing = False
    return ok, out
