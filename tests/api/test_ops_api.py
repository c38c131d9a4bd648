"""/health, /ready and /metrics as a load balancer, compose and Prometheus see them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tutorhub.api.routes import health as health_routes
from tutorhub.models import OutboxMessage
from tutorhub.models.base import utcnow
from tutorhub.models.notifications import JobRun, OutboxStatus
from tutorhub.services.ops import health as health_service
from tutorhub.services.ops import leader
from tutorhub.settings import reset_settings


@pytest.fixture
def started_long_ago(monkeypatch):
    monkeypatch.setattr(health_routes, "PROCESS_STARTED", utcnow() - timedelta(hours=1))


@pytest.fixture
def env(monkeypatch):
    def _set(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        reset_settings()

    yield _set
    monkeypatch.undo()
    reset_settings()


def test_health_is_alive_without_looking_at_anything(client):
    res = client.get("/health")
    assert res.status_code == 200 and res.json()["status"] == "ok" and res.json()["sfu"] in {"ok", "off", "unreachable"}
    assert len(res.headers["x-request-id"]) >= 8


def test_a_sane_request_id_is_kept_and_echoed(client):
    res = client.get("/health", headers={"X-Request-ID": "lb-req-12345678"})
    assert res.headers["x-request-id"] == "lb-req-12345678"
    bad = client.get("/health", headers={"X-Request-ID": "a b<script>"})
    assert bad.headers["x-request-id"] != "a b<script>"


def test_ready_when_migrated_and_the_scheduler_lease_is_held(client, started_long_ago):
    assert leader.try_acquire("other-replica:1", now=utcnow())
    res = client.get("/ready")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["database"] == "ok" and body["migrations"] == "ok" and body["scheduler"] == "ok"
    assert body["redis"] == "not configured" and body["status"] == "ready"
    assert body["outbox"] == "ok" and body["outbox_backlog"] == 0


def test_no_scheduler_lease_anywhere_is_unready_after_the_start_grace(client, started_long_ago):
    res = client.get("/ready")
    assert res.status_code == 503
    assert res.json()["scheduler"].startswith("error") and res.json()["status"] == "unready"


def test_a_lease_expired_long_ago_is_not_held(client, started_long_ago):
    assert leader.try_acquire("dead-replica:1", now=utcnow() - timedelta(hours=2))
    assert client.get("/ready").status_code == 503


def test_a_fresh_process_waits_for_its_first_lease_renewal(client, monkeypatch):
    monkeypatch.setattr(health_routes, "PROCESS_STARTED", utcnow())
    res = client.get("/ready")
    assert res.status_code == 200 and res.json()["scheduler"] == "starting"


def test_a_database_behind_the_code_is_unready(client, started_long_ago, monkeypatch):
    leader.try_acquire("r:1", now=utcnow())
    monkeypatch.setattr(health_service, "_HEAD", ["9999_from_the_future"])
    res = client.get("/ready")
    assert res.status_code == 503
    assert "expected 9999_from_the_future" in res.json()["migrations"]


def test_unreachable_redis_is_unready(client, started_long_ago, env):
    leader.try_acquire("r:1", now=utcnow())
    env("REFLEX_REDIS_URL", "redis://127.0.0.1:9/0")  # the discard port: nothing listens
    res = client.get("/ready")
    assert res.status_code == 503 and res.json()["redis"].startswith("error")


def test_outbox_backlog_is_reported_without_failing_readiness(client, db, started_long_ago):
    leader.try_acquire("r:1", now=utcnow())
    now = utcnow()
    for minutes in (90, 5):
        db.add(OutboxMessage(channel="email", recipient="x@example.com", body="b", status=OutboxStatus.PENDING,
                             created_at=now - timedelta(minutes=minutes), next_attempt_at=now - timedelta(minutes=1)))
    db.add(OutboxMessage(channel="email", recipient="y@example.com", body="b", status=OutboxStatus.PENDING,
                         next_attempt_at=now + timedelta(hours=1)))  # not due yet
    db.add(OutboxMessage(channel="email", recipient="z@example.com", body="b", status=OutboxStatus.SENT))
    db.commit()
    res = client.get("/ready")
    assert res.status_code == 200
    assert res.json()["outbox_backlog"] == 2 and res.json()["outbox"].startswith("2 due, oldest 9")


def test_metrics_needs_an_admin_or_the_scrape_token(client, as_role, env):
    assert client.get("/metrics").status_code == 401
    _, student = as_role("student")
    assert client.get("/metrics", headers=student).status_code == 403
    _, admin = as_role("admin")
    res = client.get("/metrics", headers=admin)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
    token = "scrape-" + "k3Jx9q" * 8
    env("TUTORHUB_METRICS_TOKEN", token)
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}x"}).status_code == 401


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            head = line.split(" ")[0]
            if head == name or head.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in metrics")


def test_metrics_count_requests_by_route_template_and_read_the_database(client, as_role, db):
    _, admin = as_role("admin")
    before = client.get("/metrics", headers=admin).text
    seen = 0.0
    try:
        seen = _sample(before, "tutorhub_http_requests_total", route="/api/v1/tutors/{tutor_id}", status="404")
    except AssertionError:
        pass
    for tutor_id in (987654, 987655):
        client.get(f"/api/v1/tutors/{tutor_id}")
    now = utcnow()
    db.add(JobRun(job_id="settle_money", trigger="schedule", holder="h", started_at=now, finished_at=now,
                  outcome="error", detail="boom"))
    db.add(JobRun(job_id="settle_money", trigger="schedule", holder="h", started_at=now, finished_at=now,
                  outcome="ok"))
    db.add(OutboxMessage(channel="sms", recipient="+15550001111", body="b", status=OutboxStatus.PENDING,
                         created_at=now - timedelta(minutes=3)))
    db.commit()
    text = client.get("/metrics", headers=admin).text
    assert _sample(text, "tutorhub_http_requests_total", route="/api/v1/tutors/{tutor_id}", status="404") == seen + 2
    assert "987654" not in text  # templates, never raw paths
    assert _sample(text, "tutorhub_http_request_duration_seconds_count", route="/api/v1/tutors/{tutor_id}") >= 2
    assert _sample(text, "tutorhub_job_runs", job="settle_money", outcome="error") == 1
    assert _sample(text, "tutorhub_job_failures", job="settle_money") == 1
    assert _sample(text, "tutorhub_job_last_success_timestamp_seconds", job="settle_money") == pytest.approx(
        now.timestamp(), abs=1)
    assert _sample(text, "tutorhub_outbox_backlog") == 1
    assert _sample(text, "tutorhub_outbox_oldest_due_seconds") >= 170
    assert _sample(text, "tutorhub_webhook_lag_seconds") == 0
    assert "tutorhub_websocket_clients" in text
