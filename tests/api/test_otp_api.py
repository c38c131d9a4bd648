"""Passwordless one-time codes end to end: send, verify, countdown, expiry, single use, send limits."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.api.conftest import fresh, latest_code
from tutorhub.models import LoginEvent, OtpCode, User
from tutorhub.models.base import utcnow
from tutorhub.settings import get_settings, reset_settings

SEND = "/api/v1/auth/otp/request"
VERIFY = "/api/v1/auth/otp/verify"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_email_code_logs_in_existing_user(client, make_user, db):
    user = make_user("tutor", email="otp@example.com")
    res = client.post(SEND, json={"email": "OTP@example.com"})
    assert res.status_code == 202
    assert res.json()["channel"] == "email"
    code = latest_code(db, "otp@example.com")
    stored = db.exec(select(OtpCode)).one()
    assert code not in stored.code_hash  # hashed at rest
    res = client.post(VERIFY, json={"email": "otp@example.com", "code": code}, headers={"User-Agent": "phone"})
    assert res.status_code == 200, res.text
    tokens = res.json()
    assert set(tokens) >= {"access_token", "refresh_token", "token_type"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["id"] == user.id and me["role"] == "tutor"
    fresh(db)
    event = db.exec(select(LoginEvent).where(LoginEvent.success == True)).one()  # noqa: E712
    assert (event.method, event.user_id, event.user_agent) == ("otp", user.id, "phone")


def test_phone_code_creates_student_on_first_login(client, db):
    res = client.post(SEND, json={"phone": "+91 98765 43210"})
    assert res.status_code == 202 and res.json()["channel"] == "sms"
    code = latest_code(db, "+919876543210")
    res = client.post(VERIFY, json={"phone": "+919876543210", "code": code})
    assert res.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {res.json()['access_token']}"}).json()
    assert me["phone"] == "+919876543210" and me["role"] == "student" and me["email"] is None
    assert me["profile"] is not None
    fresh(db)
    assert db.exec(select(User).where(User.phone == "+919876543210")).one()


def test_code_from_admin_outbox_endpoint(client, as_role):
    _, admin = as_role("admin")
    client.post(SEND, json={"email": "box@example.com"})
    res = client.get("/api/v1/admin/outbox", headers=admin)
    assert res.status_code == 200
    item = res.json()["items"][0]
    assert item["recipient"] == "box@example.com" and item["channel"] == "email"
    code = next(w.rstrip(".") for w in item["body"].split() if w.rstrip(".").isdigit() and len(w.rstrip(".")) == 6)
    assert client.post(VERIFY, json={"email": "box@example.com", "code": code}).status_code == 200


def test_wrong_code_counts_down_then_429(client, db):
    client.post(SEND, json={"email": "count@example.com"})
    code = latest_code(db, "count@example.com")
    attempts = get_settings().otp_max_attempts
    for left in range(attempts - 1, 0, -1):
        res = client.post(VERIFY, json={"email": "count@example.com", "code": _wrong(code)})
        assert res.status_code == 401
        assert f"{left} attempt(s) left" in res.json()["detail"]
    res = client.post(VERIFY, json={"email": "count@example.com", "code": _wrong(code)})
    assert res.status_code == 429
    assert "retry-after" in res.headers
    # The right code no longer works either: the code is burnt.
    assert client.post(VERIFY, json={"email": "count@example.com", "code": code}).status_code == 429
    fresh(db)
    assert db.exec(select(OtpCode)).one().attempts == attempts


def test_expired_code_is_401(client, db):
    client.post(SEND, json={"email": "old@example.com"})
    code = latest_code(db, "old@example.com")
    row = db.exec(select(OtpCode)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    res = client.post(VERIFY, json={"email": "old@example.com", "code": code})
    assert res.status_code == 401
    assert "expired" in res.json()["detail"]


def test_code_is_single_use(client, db):
    client.post(SEND, json={"email": "once@example.com"})
    code = latest_code(db, "once@example.com")
    assert client.post(VERIFY, json={"email": "once@example.com", "code": code}).status_code == 200
    assert client.post(VERIFY, json={"email": "once@example.com", "code": code}).status_code == 401


def test_code_for_other_identifier_fails(client, db):
    client.post(SEND, json={"email": "a1@example.com"})
    client.post(SEND, json={"email": "b1@example.com"})
    code_a = latest_code(db, "a1@example.com")
    code_b = latest_code(db, "b1@example.com")
    if code_a != code_b:
        assert client.post(VERIFY, json={"email": "b1@example.com", "code": code_a}).status_code == 401
    assert client.post(VERIFY, json={"email": "b1@example.com", "code": code_b}).status_code == 200


def test_per_identifier_send_limit(client, db):
    limit = get_settings().otp_sends_per_identifier_per_hour
    for _ in range(limit):
        assert client.post(SEND, json={"email": "lim@example.com"}).status_code == 202
    res = client.post(SEND, json={"email": "lim@example.com"})
    assert res.status_code == 429
    assert res.headers["retry-after"] == "3600"
    fresh(db)
    assert len(db.exec(select(OtpCode).where(OtpCode.identifier == "lim@example.com")).all()) == limit
    assert client.post(SEND, json={"email": "other@example.com"}).status_code == 202


def test_per_ip_send_limit(client, db, monkeypatch):
    monkeypatch.setenv("TUTORHUB_OTP_SENDS_PER_IP_PER_HOUR", "12")  # the default (200) fits a school
    reset_settings()
    limit = get_settings().otp_sends_per_ip_per_hour
    assert limit == 12
    for i in range(limit):
        assert client.post(SEND, json={"email": f"ip{i}@example.com"}).status_code == 202
    res = client.post(SEND, json={"email": "one-more@example.com"})
    assert res.status_code == 429
    fresh(db)
    assert db.exec(select(OtpCode).where(OtpCode.identifier == "one-more@example.com")).first() is None
    monkeypatch.delenv("TUTORHUB_OTP_SENDS_PER_IP_PER_HOUR")
    reset_settings()


def test_otp_bad_input(client):
    cases = [
        ({}, 422),
        ({"email": "x@example.com", "phone": "+14155550123"}, 422),
        ({"email": "not-an-email"}, 422),
        ({"phone": "12"}, 422),
        ({"email": 5}, 422),
        ({"phone": ["+14155550123"]}, 422),
        ({"email": "a" * 10_000 + "@example.com"}, 422),
    ]
    for body, status in cases:
        res = client.post(SEND, json=body)
        assert res.status_code == status, (body, res.text)
        assert "detail" in res.json()
    verify_cases = [
        {"email": "x@example.com"},
        {"email": "x@example.com", "code": 123456},
        {"email": "x@example.com", "code": "12345"},
        {"email": "x@example.com", "code": "abcdef"},
        {"email": "x@example.com", "code": "1" * 10_000},
        {"code": "123456"},
    ]
    for body in verify_cases:
        assert client.post(VERIFY, json=body).status_code == 422, body
    assert client.post(VERIFY, json={"email": "never@example.com", "code": "123456"}).status_code == 401
