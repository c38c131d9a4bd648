"""Analytics: product events to Mixpanel, or any Mixpanel-compatible endpoint, through the official
`mixpanel` library (`mixpanel.Consumer`, so the wire format is Mixpanel's own).

A pure transport: it sends what it is given (already pseudonymous; services/growth/analytics.py
decides what may be sent and for whom). `TUTORHUB_ANALYTICS_API_HOST` is a host name (sent over
https, like the library's default "api.mixpanel.com") or a full http(s) base URL, e.g. a
self-hosted compatible collector or a local stand-in in tests. Off (None) unless enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import mixpanel

from tutorhub.settings import get_settings

TIMEOUT_SECONDS = 10


class AnalyticsError(Exception):
    """The endpoint refused or could not be reached (the event stays queued and is retried)."""


@dataclass(frozen=True)
class TrackedEvent:
    insert_id: str  # stable per event: the endpoint drops a repeat after a crash between send and our mark
    distinct_id: str
    event: str
    time: datetime
    properties: dict[str, Any]


class MixpanelTransport:
    def __init__(self, token: str, api_host: str) -> None:
        if api_host.startswith(("http://", "https://")):
            consumer = mixpanel.Consumer(events_url=f"{api_host}/track", request_timeout=TIMEOUT_SECONDS,
                                         retry_limit=0)
        else:
            consumer = mixpanel.Consumer(api_host=api_host, request_timeout=TIMEOUT_SECONDS, retry_limit=0)
        self._client = mixpanel.Mixpanel(token, consumer=consumer)

    def send(self, event: TrackedEvent) -> None:
        properties = {**event.properties, "time": int(event.time.timestamp()), "$insert_id": event.insert_id}
        try:
            self._client.track(event.distinct_id, event.event, properties)
        except mixpanel.MixpanelException as exc:
            raise AnalyticsError(str(exc)[:300]) from exc


def get_analytics() -> MixpanelTransport | None:
    settings = get_settings()
    if not settings.analytics_enabled or not settings.analytics_token:
        return None
    return MixpanelTransport(settings.analytics_token, settings.analytics_api_host)
