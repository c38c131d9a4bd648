"""Request ids, the request log and the Prometheus metrics of this process.

`ObservabilityMiddleware` wraps the whole app (the API, Reflex's pages, static files and the event
websocket are all mounted inside `tutorhub.api.app.api`): every HTTP request gets a request id
(a sane incoming `X-Request-ID` is kept, else a new one; echoed in the answer), one log line
(method, route template, status, duration, user id — see tutorhub/logs.py) and is counted by
route template; websocket connections are counted while open.

Metrics (`metrics_text`): this process's counters plus the database-derived gauges that every
replica reports alike (services/ops/health.ops_snapshot). With several worker processes set
PROMETHEUS_MULTIPROC_DIR (the container does) and the counters of all workers are summed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from tutorhub.db import session_scope
from tutorhub.logs import REQUEST_CONTEXT
from tutorhub.models.base import utcnow
from tutorhub.services.ops.health import ops_snapshot
from tutorhub.settings import get_settings

log = logging.getLogger("tutorhub.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
_QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)

HTTP_REQUESTS = Counter("tutorhub_http_requests", "HTTP requests answered, by route template and status",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("tutorhub_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["method", "route"], buckets=_LATENCY_BUCKETS)
WEBSOCKET_CLIENTS = Gauge("tutorhub_websocket_clients", "Open websocket connections (the live UI)",
                          multiprocess_mode="livesum")

# Set by the scheduler's process (tutorhub.tutorhub) so the metrics can say who leads.
SCHEDULER_HOLDER: list[str] = []


def route_label(scope: dict[str, Any]) -> str:
    """The route template (`/api/v1/bookings/{booking_id}`), never a raw path with ids or tokens."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str) and template:
        return template
    path = str(scope.get("path") or "/")
    if path.startswith("/_"):
        return "/" + path.split("/")[1]  # Reflex's own endpoints: /_event, /_upload, ...
    if path.startswith(("/assets/", "/_next/", "/favicon")) or "." in path.rsplit("/", 1)[-1]:
        return "(static)"
    return "(page)"


class ObservabilityMiddleware:
    """Pure ASGI (no buffering of streamed answers or websocket frames)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            WEBSOCKET_CLIENTS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                WEBSOCKET_CLIENTS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        context: dict[str, Any] = {"request_id": request_id, "user_id": None}
        token = REQUEST_CONTEXT.set(context)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            method, route = str(scope.get("method", "")), route_label(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            quiet = route in _QUIET_ROUTES or route == "(static)"  # probes and assets: only when they fail
            level = logging.DEBUG if quiet and status < 400 else logging.INFO
            log.log(level, "%s %s %d", method, route, status,
                    extra={"method": method, "route": route, "status": status,
                           "duration_ms": round(elapsed * 1000, 1), "user_id": context.get("user_id")})
            REQUEST_CONTEXT.reset(token)


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time (identical on every replica)."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        now = utcnow()
        try:
            with session_scope(read_only=True) as session:
                snap = ops_snapshot(session, now=now, holder=SCHEDULER_HOLDER[0] if SCHEDULER_HOLDER else None)
        except Exception:  # noqa: BLE001  (a scrape must not fail because the database is down)
            log.warning("metrics: the database could not be read")
            yield GaugeMetricFamily("tutorhub_database_up", "1 when the database answered this scrape", value=0)
            return
        yield GaugeMetricFamily("tutorhub_database_up", "1 when the database answered this scrape", value=1)
        yield GaugeMetricFamily("tutorhub_outbox_backlog", "Messages due for delivery and not yet sent",
                                value=snap.outbox_due)
        yield GaugeMetricFamily("tutorhub_outbox_oldest_due_seconds", "Age of the oldest message due for delivery",
                                value=snap.outbox_oldest_due_seconds)
        yield GaugeMetricFamily("tutorhub_outbox_failed", "Messages given up on after the last retry",
                                value=snap.outbox_failed)
        yield GaugeMetricFamily("tutorhub_webhooks_pending", "Payment webhooks acknowledged and not yet applied",
                                value=snap.webhooks_pending)
        yield GaugeMetricFamily("tutorhub_webhook_lag_seconds", "Age of the oldest pending payment webhook",
                                value=snap.webhook_lag_seconds)
        runs = GaugeMetricFamily("tutorhub_job_runs", "Job runs in the job log (last ~14 days) by outcome",
                                 labels=["job", "outcome"])
        for (job_id, outcome), count in sorted(snap.job_runs.items()):
            runs.add_metric([job_id, outcome], count)
        yield runs
        failures = GaugeMetricFamily("tutorhub_job_failures", "Failed job runs in the job log (last ~14 days)",
                                     labels=["job"])
        for (job_id, outcome), count in sorted(snap.job_runs.items()):
            if outcome == "error":
                failures.add_metric([job_id], count)
        yield failures
        last = GaugeMetricFamily("tutorhub_job_last_success_timestamp_seconds",
                                 "When each job last finished successfully (Unix time)", labels=["job"])
        for job_id, finished in sorted(snap.job_last_success.items()):
            last.add_metric([job_id], finished.timestamp())
        yield last
        yield GaugeMetricFamily("tutorhub_scheduler_leader", "1 when this process holds the scheduler lease",
                                value=1 if snap.scheduler_leader else 0)


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for metric in (HTTP_REQUESTS, HTTP_LATENCY, WEBSOCKET_CLIENTS):
            registry.register(metric)
    registry.register(DatabaseCollector())
    return registry


def metrics_text() -> bytes:
    """The Prometheus text exposition of this install."""
    return generate_latest(_registry())


@contextlib.asynccontextmanager
async def serve_metrics_port() -> AsyncIterator[None]:
    """With TUTORHUB_METRICS_PORT set, also serve /metrics there without a token (bind it to a
    private network). Several workers race for the port: the first one serves it."""
    port = get_settings().metrics_port
    server = None
    if port:
        try:
            server, _thread = await asyncio.to_thread(start_http_server, port, "0.0.0.0", _registry())  # noqa: S104
        except OSError:
            log.info("metrics port %d is served by another worker", port)
    try:
        yield
    finally:
        if server is not None:
            server.shutdown()
