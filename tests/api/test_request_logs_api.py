"""Structured logs: one JSON line per request with its id, route, status, duration and user id, and
no personal data or secrets anywhere in the log (the grep an operator would run)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient

from tests.api.conftest import latest_code
from tutorhub.api.observability import WEBSOCKET_CLIENTS, ObservabilityMiddleware
from tutorhub.logs import configure_logging, log_format

EMAIL = "Grace.Hopper+lessons@example.org"
PASSWORD = "violet-Harbour-77-lantern"
CARD = "4111 1111 1111 1111"


@pytest.fixture
def json_log():
    buffer = io.StringIO()
    configure_logging("json", stream=buffer)
    yield buffer
    configure_logging("text")
    for name in ("uvicorn.access", "granian.access"):
        logging.getLogger(name).disabled = False


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_requests_log_json_lines_without_personal_data_or_secrets(client, db, json_log):
    res = client.post("/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD, "full_name": "Grace Hopper",
                                                     "role": "student"})
    assert res.status_code == 201, res.text
    tokens = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}", "X-Request-ID": "trace-abcdef01"})
    user_id = me.json()["id"]
    assert client.post("/api/v1/auth/otp/request", json={"email": EMAIL}).status_code == 202
    code = latest_code(db, EMAIL.lower())
    client.post("/api/v1/auth/otp/verify", json={"email": EMAIL, "code": code})
    client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    # A careless log call anywhere in the code base is scrubbed too.
    logging.getLogger("tutorhub.checkout").warning("charge failed for %s card %s code=%s token %s",
                                                   EMAIL, CARD, code, access)

    raw = json_log.getvalue()
    for secret in (EMAIL, EMAIL.lower(), PASSWORD, access, refresh, code, CARD, CARD.replace(" ", "")):
        assert secret not in raw, f"{secret!r} leaked into the log"
    lines = _lines(json_log)
    requests = [line for line in lines if line["logger"] == "tutorhub.request"]
    assert len(requests) >= 6
    for line in requests:
        assert {"time", "level", "request_id", "route", "method", "status", "duration_ms", "user_id"} <= line.keys()
        assert line["time"].endswith("Z") and isinstance(line["duration_ms"], float)
    me_line = next(line for line in requests if line["route"] == "/api/v1/me")
    assert (me_line["request_id"], me_line["user_id"], me_line["status"]) == ("trace-abcdef01", user_id, 200)
    register_line = next(line for line in requests if line["route"] == "/api/v1/auth/register")
    assert register_line["status"] == 201 and register_line["user_id"] is None
    careless = next(line for line in lines if line["logger"] == "tutorhub.checkout")
    assert "[email]" in careless["message"] and "[card]" in careless["message"]


def test_text_is_the_development_default(monkeypatch):
    monkeypatch.delenv("TUTORHUB_LOG_FORMAT", raising=False)
    assert log_format() == "text"
    monkeypatch.setenv("TUTORHUB_LOG_FORMAT", "JSON")
    assert log_format() == "json"


def test_text_lines_carry_the_request_id_and_user(client, as_role):
    buffer = io.StringIO()
    configure_logging("text", stream=buffer)
    try:
        user, headers = as_role("tutor")
        client.get("/api/v1/me", headers={**headers, "X-Request-ID": "textreq-1234"})
    finally:
        configure_logging("text")
    line = next(line for line in buffer.getvalue().splitlines() if "/api/v1/me" in line)
    assert f"INFO tutorhub.request [req textreq- user {user.id}] GET /api/v1/me 200" in line


def test_open_websockets_are_counted():
    seen: list[float] = []

    async def echo(websocket):
        await websocket.accept()
        seen.append(WEBSOCKET_CLIENTS._value.get())
        await websocket.send_text("hi")
        await websocket.close()

    app = ObservabilityMiddleware(Starlette(routes=[WebSocketRoute("/_event", echo)]))
    before = WEBSOCKET_CLIENTS._value.get()
    with TestClient(app).websocket_connect("/_event") as ws:
        assert ws.receive_text() == "hi"
    assert seen == [before + 1]
    assert WEBSOCKET_CLIENTS._value.get() == before
