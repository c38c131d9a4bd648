"""Registration, password login, lockout, refresh rotation, logout, logout-all and /me."""

from __future__ import annotations

from datetime import timedelta

import jwt
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import db_snapshot
from tests.conftest import PASSWORD
from tutorhub.api.app import api
from tutorhub.models import LoginEvent, RefreshToken, StudentProfile, TutorProfile, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import sessions
from tutorhub.settings import get_settings

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


def _register(client, email="ana@example.com", role="student", **extra):
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": "Ana Lopez",
        "role": role,
        "timezone": "Europe/Madrid",
        **extra,
    }
    return client.post(REGISTER, json=body)


def test_register_student_returns_user_and_working_tokens(client, db):
    res = _register(client, email="Ana@Example.com")
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["user"]["email"] == "ana@example.com"
    assert body["user"]["role"] == "student"
    assert body["user"]["timezone"] == "Europe/Madrid"
    assert body["token_type"] == "bearer"
    assert "password" not in res.text and "hash" not in res.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]
    user = db.exec(select(User).where(User.email == "ana@example.com")).one()
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert db.exec(select(StudentProfile).where(StudentProfile.user_id == user.id)).one()


def test_register_tutor_creates_draft_profile(client, db):
    res = _register(client, email="tom@example.com", role="tutor")
    assert res.status_code == 201
    user_id = res.json()["user"]["id"]
    profile = db.exec(select(TutorProfile).where(TutorProfile.user_id == user_id)).one()
    assert profile.status == "DRAFT"


def test_register_duplicate_email_is_409_and_creates_nothing(client):
    assert _register(client).status_code == 201
    before = db_snapshot()
    res = _register(client, email="ANA@example.com")
    assert res.status_code == 409
    assert res.json()["fields"] == {"email": "is already registered"}
    assert db_snapshot() == before


def test_register_admin_role_refused(client):
    before = db_snapshot()
    res = _register(client, role="admin")
    assert res.status_code == 422
    assert "role" in res.json()["fields"]
    assert db_snapshot() == before


def test_register_reports_every_invalid_field(client):
    res = client.post(
        REGISTER,
        json={
            "email": "not-an-email",
            "password": "short",
            "full_name": "  ",
            "role": "student",
            "timezone": "Mars/Olympus",
        },
    )
    assert res.status_code == 422
    assert set(res.json()["fields"]) == {"email", "password", "full_name", "timezone"}


def test_login_success_and_shape(client, make_user):
    user = make_user("tutor", email="t@example.com")
    res = client.post(
        LOGIN, json={"email": "T@example.com", "password": PASSWORD}, headers={"User-Agent": "pytest-agent"}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert set(body) >= {"access_token", "refresh_token", "token_type"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == get_settings().access_token_ttl_minutes * 60
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(user.id) and claims["type"] == "access"


def test_login_wrong_password_is_401_and_logged(client, make_user, db):
    user = make_user("student", email="s@example.com")
    res = client.post(
        LOGIN, json={"email": "s@example.com", "password": "wrong-password"}, headers={"User-Agent": "evil-bot"}
    )
    assert res.status_code == 401
    assert res.headers["www-authenticate"] == "Bearer"
    assert res.json() == {"detail": "Wrong email or password."}
    event = db.exec(select(LoginEvent).where(LoginEvent.user_id == user.id)).one()
    assert (event.success, event.reason, event.ip, event.user_agent) == (
        False,
        "bad_credentials",
        "testclient",
        "evil-bot",
    )


def test_login_unknown_email_is_same_401(client):
    res = client.post(LOGIN, json={"email": "nobody@example.com", "password": PASSWORD})
    assert res.status_code == 401
    assert res.json() == {"detail": "Wrong email or password."}


def test_login_lockout_after_repeated_failures_is_429_with_retry_after(client, make_user):
    make_user("student", email="lock@example.com")
    for _ in range(get_settings().login_max_failures):
        assert client.post(LOGIN, json={"email": "lock@example.com", "password": "bad-password"}).status_code == 401
    res = client.post(LOGIN, json={"email": "lock@example.com", "password": PASSWORD})
    assert res.status_code == 429
    assert int(res.headers["retry-after"]) >= 60
    assert "locked" in res.json()["detail"]


def test_suspended_user_cannot_log_in(client, make_user, db):
    user = make_user("student", email="sus@example.com")
    row = db.get(User, user.id)
    row.is_suspended = True
    db.add(row)
    db.commit()
    res = client.post(LOGIN, json={"email": "sus@example.com", "password": PASSWORD})
    assert res.status_code == 403


def _login(client, email):
    res = client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert res.status_code == 200
    return res.json()


def test_refresh_rotates_and_old_token_fails(client, make_user):
    make_user("student", email="r@example.com")
    first = _login(client, "r@example.com")
    res = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert res.status_code == 200
    second = res.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "bearer"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    replay = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # Replaying a spent token revokes the whole family, including the newest token.
    assert client.post(REFRESH, json={"refresh_token": second["refresh_token"]}).status_code == 401


def test_refresh_reuse_does_not_touch_other_logins(client, make_user):
    make_user("student", email="r2@example.com")
    phone_app = _login(client, "r2@example.com")
    laptop = _login(client, "r2@example.com")
    client.post(REFRESH, json={"refresh_token": phone_app["refresh_token"]})
    assert client.post(REFRESH, json={"refresh_token": phone_app["refresh_token"]}).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": laptop["refresh_token"]}).status_code == 200


def test_refresh_rejects_garbage_expired_and_access_tokens(client, make_user, db):
    make_user("student", email="r3@example.com")
    pair = _login(client, "r3@example.com")
    for token in ("nope", "x" * 10_000, pair["access_token"]):
        assert client.post(REFRESH, json={"refresh_token": token}).status_code == 401
    for row in db.exec(select(RefreshToken)).all():
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
    db.commit()
    assert client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_logout_revokes_that_refresh_family_only(client, make_user):
    make_user("student", email="out@example.com")
    a = _login(client, "out@example.com")
    b = _login(client, "out@example.com")
    rotated = client.post(REFRESH, json={"refresh_token": a["refresh_token"]}).json()
    res = client.post("/api/v1/auth/logout", json={"refresh_token": a["refresh_token"]})
    assert res.status_code == 204 and res.content == b""
    assert client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]}).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": b["refresh_token"]}).status_code == 200
    # Idempotent and silent about unknown tokens.
    assert client.post("/api/v1/auth/logout", json={"refresh_token": "unknown"}).status_code == 204
    assert client.post("/api/v1/auth/logout", json={}).status_code == 422


def test_logout_all_kills_access_and_refresh_tokens(client, make_user, db):
    user = make_user("tutor", email="all@example.com")
    a = _login(client, "all@example.com")
    b = _login(client, "all@example.com")
    cookie = sessions.create_browser_session(db, user_id=user.id)
    db.commit()
    res = client.post("/api/v1/auth/logout-all", headers={"Authorization": f"Bearer {a['access_token']}"})
    assert res.status_code == 204
    for pair in (a, b):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 401
        assert me.headers["www-authenticate"] == "Bearer"
        assert client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}).status_code == 401
    assert sessions.resolve_session(db, cookie) is None
    assert client.post("/api/v1/auth/logout-all").status_code == 401
    fresh = _login(client, "all@example.com")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code == 200


def test_me_requires_valid_bearer(client, make_user):
    make_user("student", email="m@example.com")
    cases = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {
            "Authorization": "Bearer "
            + jwt.encode(
                {"sub": "1", "type": "access", "iat": 0, "exp": 9999999999, "ver": 0},
                "wrong-key-wrong-key-wrong-key-12",
                algorithm="HS256",
            )
        },
        {"Authorization": "Bearer " + "a" * 5000},
    ]
    for headers in cases:
        res = client.get("/api/v1/me", headers=headers)
        assert res.status_code == 401, headers
        assert res.headers["www-authenticate"] == "Bearer"
        assert "detail" in res.json()


def test_expired_access_token_is_401(client, make_user):
    user = make_user("student")
    now = int(utcnow().timestamp())
    token = jwt.encode(
        {"sub": str(user.id), "type": "access", "ver": 0, "iat": now - 3600, "exp": now - 60},
        get_settings().secret_key,
        algorithm="HS256",
    )
    res = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 401
    assert "expired" in res.json()["detail"]


def test_me_for_each_role(client, as_role):
    student, s_headers = as_role("student")
    body = client.get("/api/v1/me", headers=s_headers).json()
    assert (body["id"], body["email"], body["role"]) == (student.id, student.email, "student")
    assert set(body) >= {"id", "email", "phone", "full_name", "role", "timezone", "profile"}
    assert body["profile"]["grade_level"] == "" and body["profile"]["complete"] is False

    tutor, t_headers = as_role("tutor", timezone="Asia/Kolkata")
    body = client.get("/api/v1/me", headers=t_headers).json()
    assert body["role"] == "tutor"
    assert body["profile"]["status"] == "DRAFT"
    assert body["profile"]["user_id"] == tutor.id
    assert body["profile"]["timezone"] == "Asia/Kolkata"

    _, a_headers = as_role("admin")
    body = client.get("/api/v1/me", headers=a_headers).json()
    assert body["role"] == "admin" and body["profile"] is None
    assert "password_hash" not in str(body) and "token_version" not in str(body)


def test_health(client):
    assert client.get("/health").json()["status"] == "ok"


def _lockout_answers(client, email: str) -> list[tuple]:
    answers = []
    for attempt in range(get_settings().login_max_failures + 2):
        password = PASSWORD if attempt == get_settings().login_max_failures + 1 else "bad-password"
        res = client.post(LOGIN, json={"email": email, "password": password})
        headers = {k: v for k, v in res.headers.items() if k not in ("date", "x-request-id")}  # per request
        answers.append((res.status_code, res.json(), headers))
    return answers


def test_login_lockout_answers_alike_for_known_and_unknown_emails(client, make_user):
    make_user("student", email="known@example.com")
    known, unknown = _lockout_answers(client, "known@example.com"), _lockout_answers(client, "unknown@example.com")
    assert known == unknown
    assert [status for status, _body, _headers in known] == [401] * get_settings().login_max_failures + [429, 429]
    assert int(known[-1][2]["retry-after"]) >= 60 and "locked" in known[-1][1]["detail"]


def test_login_throttles_one_address_but_not_the_account_for_others(make_user):
    make_user("student", email="victim@example.com")
    attacker = TestClient(api, client=("203.0.113.7", 40000))
    for i in range(30):
        email = "victim@example.com" if i < 12 else f"guess{i}@example.com"
        assert attacker.post(LOGIN, json={"email": email, "password": "bad-password"}).status_code in (401, 429)
    res = attacker.post(LOGIN, json={"email": "anyone@example.com", "password": "bad-password"})
    assert res.status_code == 429
    assert 0 < int(res.headers["retry-after"]) <= 16 * 60 and "network" in res.json()["detail"]
    owner = TestClient(api, client=("192.0.2.8", 40000))
    res = owner.post(LOGIN, json={"email": "victim@example.com", "password": PASSWORD})
    assert res.status_code == 200 and res.json()["access_token"]


def test_login_from_a_browser_records_its_device_cookie_and_the_answer_is_unchanged(make_user, db):
    user = make_user("student")
    device = "dev_" + "a1" * 14
    browser = TestClient(api, cookies={"th_device": device})
    r = browser.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 200 and "set-cookie" not in r.headers
    assert set(r.json()) == {"access_token", "refresh_token", "token_type", "expires_in"}
    app_client = TestClient(api)  # an API client without cookies: nothing recorded
    app_client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    rows = db.exec(select(LoginEvent.device_id).where(LoginEvent.user_id == user.id).order_by(LoginEvent.id)).all()
    assert rows == [device, ""]
