"""The "share anonymous usage statistics" toggle on the settings page, and the helper pages use to
record a search or a profile view (a no-op unless analytics is enabled and the viewer consented;
services/growth/analytics.py holds every rule)."""

from __future__ import annotations

import secrets
from typing import Any

import reflex as rx

from tutorhub.models.base import utcnow
from tutorhub.services.errors import DomainError
from tutorhub.services.growth import analytics
from tutorhub.state.base import AppState, read_for_page


async def track(state: AppState, event: str, properties: dict[str, Any] | None = None) -> None:
    """Record `event` for the signed-in viewer of `state` (never raises: analytics must not break a page)."""
    if not analytics.enabled() or not state.viewer_role:
        return
    key, now = f"{event}:{secrets.token_hex(12)}", utcnow()
    try:
        await state._db(lambda s, actor: analytics.record_event(s, user=actor, event=event, source_key=key, now=now,
                                                                properties=properties))
    except DomainError:
        return


class AnalyticsConsentState(AppState):
    consent_status: str = "loading"
    granted: bool = False
    available: bool = False  # analytics is enabled on this install

    async def load(self):
        self.available = analytics.enabled()
        ok, found = await read_for_page(self, lambda s, actor: analytics.get_consent(s, actor=actor))
        if not ok:
            self.consent_status = "forbidden"
            return found
        self.granted, self.consent_status = bool(found), "ready"
        return None

    async def set_granted(self, value: Any):
        if not isinstance(value, bool):
            return None
        now = utcnow()
        try:
            self.granted = await self._db(lambda s, actor: analytics.set_consent(s, actor=actor, granted=value, now=now))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success("Thanks — usage statistics on." if value else "Usage statistics off.")
