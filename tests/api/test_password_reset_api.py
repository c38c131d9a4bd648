"""Forgot password over the API (issue 12, item 9): 202 whether or not the address exists, 204 on
reset with every token revoked, a clear 401/422/429 otherwise."""

from __future__ import annotations

from sqlmodel import select

from tests.api.conftest import fresh, latest_code
from tests.conftest import PASSWORD
from tutorhub.models import OutboxMessage
from tutorhub.settings import get_settings

FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"
NEW = "my-new-password-2027"


def _login(client, email: str, password: str):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_forgot_then_reset_logs_everyone_out(client, make_user, db):
    make_user("student", email="amy@example.com")
    tokens = _login(client, "amy@example.com", PASSWORD).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    res = client.post(FORGOT, json={"email": "amy@example.com"})
    assert res.status_code == 202
    code = latest_code(db, "amy@example.com")
    res = client.post(RESET, json={"email": "amy@example.com", "code": code, "new_password": NEW})
    assert res.status_code == 204 and res.content == b""

    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert _login(client, "amy@example.com", PASSWORD).status_code == 401
    assert _login(client, "amy@example.com", NEW).status_code == 200
    again = client.post(RESET, json={"email": "amy@example.com", "code": code, "new_password": "yet-another-one"})
    assert again.status_code == 401 and again.json()["fields"]["code"]


def test_forgot_answers_alike_for_unknown_addresses(client, make_user, db):
    make_user("student", email="real@example.com")
    known = client.post(FORGOT, json={"email": "real@example.com"})
    unknown = client.post(FORGOT, json={"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    fresh(db)
    assert db.exec(select(OutboxMessage).where(OutboxMessage.recipient == "ghost@example.com")).first() is None


def test_bad_codes_and_input_are_clear(client, make_user, db):
    make_user("tutor", email="tom@example.com")
    client.post(FORGOT, json={"email": "tom@example.com"})
    code = latest_code(db, "tom@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    res = client.post(RESET, json={"email": "tom@example.com", "code": wrong, "new_password": NEW})
    assert res.status_code == 401
    assert "attempt" in res.json()["detail"] and res.json()["fields"]["code"].startswith("is wrong")
    short = client.post(RESET, json={"email": "tom@example.com", "code": code, "new_password": "short"})
    assert short.status_code == 422 and "new_password" in short.json()["fields"]
    assert client.post(RESET, json={"email": "tom@example.com", "code": "12ab56", "new_password": NEW}).status_code == 422
    assert client.post(FORGOT, json={"email": "not an email"}).status_code == 422
    assert client.post(FORGOT, json={"email": 12}).status_code == 422
    for _ in range(get_settings().otp_max_attempts - 1):  # with the first wrong one: every try used
        client.post(RESET, json={"email": "tom@example.com", "code": wrong, "new_password": NEW})
    spent = client.post(RESET, json={"email": "tom@example.com", "code": code, "new_password": NEW})
    assert spent.status_code == 429 and spent.headers["retry-after"]


def test_forgot_is_throttled_with_retry_after(client):
    for _ in range(get_settings().otp_sends_per_identifier_per_hour):
        assert client.post(FORGOT, json={"email": "many@example.com"}).status_code == 202
    res = client.post(FORGOT, json={"email": "many@example.com"})
    assert res.status_code == 429 and res.headers["retry-after"] == "3600"


def test_both_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    forgot, reset = paths[FORGOT]["post"], paths[RESET]["post"]
    assert {"202", "422", "429"} <= set(forgot["responses"])
    assert {"204", "401", "422", "429"} <= set(reset["responses"])
