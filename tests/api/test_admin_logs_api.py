"""Admin login log and development outbox."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tutorhub.settings import reset_settings


def test_login_log_lists_attempts_newest_first(client, as_role, make_user):
    make_user("student", email="log@example.com")
    client.post(
        "/api/v1/auth/login",
        json={"email": "log@example.com", "password": "nope-nope"},
        headers={"User-Agent": "agent-1"},
    )
    client.post(
        "/api/v1/auth/login", json={"email": "log@example.com", "password": PASSWORD}, headers={"User-Agent": "agent-2"}
    )
    _, headers = as_role("admin")
    res = client.get("/api/v1/admin/logins", headers=headers)
    assert res.status_code == 200
    body = res.json()
    assert body["total"] == 2 and body["page"] == 1 and body["pages"] == 1
    newest, oldest = body["items"]
    assert (newest["success"], newest["user_agent"], newest["ip"], newest["method"]) == (
        True,
        "agent-2",
        "testclient",
        "password",
    )
    assert (oldest["success"], oldest["reason"], oldest["identifier"]) == (False, "bad_credentials", "log@example.com")
    assert client.get("/api/v1/admin/logins", params={"page": 2}, headers=headers).json()["items"] == []


def test_login_log_bad_pages(client, as_role):
    _, headers = as_role("admin")
    for page in (0, -1, 10**30, "x", "9" * 5000):
        res = client.get("/api/v1/admin/logins", params={"page": page}, headers=headers)
        assert res.status_code == 422, page


def test_outbox_lists_messages_and_hides_bodies_in_production(client, as_role, monkeypatch):
    _, headers = as_role("admin")
    client.post("/api/v1/auth/otp/request", json={"email": "out1@example.com"})
    client.post("/api/v1/auth/otp/request", json={"phone": "+14155550123"})
    res = client.get("/api/v1/admin/outbox", headers=headers)
    assert res.status_code == 200
    items = res.json()["items"]
    assert [(i["recipient"], i["channel"]) for i in items] == [("+14155550123", "sms"), ("out1@example.com", "email")]
    assert len(client.get("/api/v1/admin/outbox", params={"limit": 1}, headers=headers).json()["items"]) == 1
    assert client.get("/api/v1/admin/outbox", params={"limit": 10**30}, headers=headers).status_code == 200
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "test-secret-key-that-is-long-enough-1234567890")
    reset_settings()
    try:
        res = client.get("/api/v1/admin/outbox", headers=headers)
        assert res.status_code == 200
        assert [(i["recipient"], i["body"], i["status"]) for i in res.json()["items"]] == [
            ("+14155550123", "", "recorded"), ("out1@example.com", "", "recorded")]
        assert client.get("/api/v1/admin/outbox", params={"problems": "true"}, headers=headers).json()["items"] == []
    finally:
        monkeypatch.undo()
        reset_settings()
