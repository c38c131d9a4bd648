"""Opt-in analytics through the official mixpanel library to a local Mixpanel-compatible stand-in:
off by default, only consenting users, only a pseudonymous id and allowlisted properties, each
fact queued once, and failures retried."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlmodel import select

from tests.support.growth import NOW
from tutorhub.integrations.analytics import get_analytics
from tutorhub.jobs import scheduler
from tutorhub.models import AnalyticsEvent, Role
from tutorhub.services.growth import analytics
from tutorhub.settings import reset_settings


class Collector:
    """A Mixpanel-compatible /track endpoint on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.fail = False
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                if collector.fail:
                    self.send_response(200)
                    payload = b'{"status": 0, "error": "down for maintenance"}'
                else:
                    data = json.loads(parse_qs(body)["data"][0])
                    for item in data if isinstance(data, list) else [data]:
                        collector.events.append({"path": self.path, **item})
                    self.send_response(200)
                    payload = b'{"status": 1, "error": null}'
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def collector(monkeypatch) -> Iterator[Collector]:
    stand_in = Collector()
    monkeypatch.setenv("TUTORHUB_ANALYTICS_ENABLED", "1")
    monkeypatch.setenv("TUTORHUB_ANALYTICS_TOKEN", "project-token-123")
    monkeypatch.setenv("TUTORHUB_ANALYTICS_API_HOST", stand_in.url)
    reset_settings()
    yield stand_in
    stand_in.server.shutdown()
    monkeypatch.undo()
    reset_settings()


def test_off_by_default_nothing_is_queued(db, make_user):
    user = make_user(Role.STUDENT)
    analytics.set_consent(db, actor=user, granted=True, now=NOW)
    assert get_analytics() is None
    assert analytics.record_event(db, user=user, event="search", source_key="search:1", now=NOW) is False
    assert scheduler.send_analytics(now=NOW) == {"queued": 0, "sent": 0}


def test_consenting_users_events_reach_the_endpoint_pseudonymously(db, make_user, collector):
    yes, no = make_user(Role.STUDENT, name="Priya Private"), make_user(Role.STUDENT)
    analytics.set_consent(db, actor=yes, granted=True, now=NOW)
    analytics.set_consent(db, actor=no, granted=False, now=NOW)
    for user in (yes, no):
        analytics.record_event(db, user=user, event="search", source_key=f"search:{user.id}", now=NOW,
                               properties={"subject": "mathematics", "email": user.email, "results": 4})
    assert analytics.record_event(db, user=yes, event="search", source_key=f"search:{yes.id}", now=NOW) is False
    db.commit()
    out = scheduler.send_analytics(now=NOW + timedelta(minutes=1))
    assert out["sent"] >= 1
    searches = [e for e in collector.events if e["event"] == "search"]
    assert len(searches) == 1
    sent = searches[0]
    assert sent["path"] == "/track"
    props = sent["properties"]
    assert props["distinct_id"] == analytics.pseudonymous_id(yes.id) != str(yes.id)
    assert props["token"] == "project-token-123" and props["subject"] == "mathematics" and props["results"] == 4
    flat = json.dumps(sent)
    assert yes.email not in flat and "Priya" not in flat and "email" not in props
    assert scheduler.send_analytics(now=NOW + timedelta(minutes=2))["sent"] == 0  # nothing sent twice


def test_sign_up_is_collected_once_and_failures_are_retried(db, make_user, collector):
    user = make_user(Role.STUDENT)
    analytics.set_consent(db, actor=user, granted=True, now=NOW)
    db.commit()
    collector.fail = True
    first = scheduler.send_analytics()
    assert first["queued"] == 1 and first["retry"] == 1 and collector.events == []
    collector.fail = False
    second = scheduler.send_analytics()
    assert second["queued"] == 0 and second["sent"] == 1
    assert [e["event"] for e in collector.events] == ["sign_up"]
    assert collector.events[0]["properties"]["role"] == "student"
    db.expire_all()
    assert [r.status for r in db.exec(select(AnalyticsEvent)).all()] == ["sent"]


def test_withdrawing_consent_drops_queued_events(db, make_user, collector):
    user = make_user(Role.TUTOR)
    analytics.set_consent(db, actor=user, granted=True, now=NOW)
    analytics.record_event(db, user=user, event="view_profile", source_key="view:1", now=NOW)
    assert analytics.get_consent(db, actor=user) is True
    analytics.set_consent(db, actor=user, granted=False, now=NOW)
    db.commit()
    scheduler.send_analytics(now=NOW)
    assert collector.events == []


def test_hold_and_pay_are_collected_from_booking_history(db, env, collector):
    from tests.support.booking import NOW as BOOKING_NOW
    from tests.support.booking import at

    analytics.set_consent(db, actor=env.student, granted=True, now=BOOKING_NOW)
    env.book(at(2, 10), confirm=True)
    queued = analytics.collect_events(db, now=BOOKING_NOW + timedelta(minutes=5))
    assert queued >= 2
    assert analytics.collect_events(db, now=BOOKING_NOW + timedelta(minutes=6)) == 0  # each fact once
    events = {r.event for r in db.exec(select(AnalyticsEvent)).all()}
    assert {"hold", "pay"} <= events
    assert {r.distinct_id for r in db.exec(select(AnalyticsEvent)).all()} == {analytics.pseudonymous_id(env.student.id)}
