"""Hostile and malformed input, table-driven: every case gets a 4xx `{"detail": ...}` and changes nothing.

TestClient re-raises server exceptions, so a 500 anywhere fails these tests loudly.
"""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import db_snapshot
from tests.conftest import PASSWORD

BIG = "x" * 10_240
HUGE_INT = 10**40

REGISTER_OK = {
    "email": "new@example.com",
    "password": PASSWORD,
    "full_name": "New Person",
    "role": "student",
    "timezone": "UTC",
}
STRING_FIELDS = {
    "/api/v1/auth/register": (None, REGISTER_OK, ("email", "password", "full_name", "role", "timezone"), 422),
    "/api/v1/auth/login": (None, {"email": "user@example.com", "password": PASSWORD}, ("email", "password"), 401),
    "/api/v1/auth/refresh": (None, {"refresh_token": "t"}, ("refresh_token",), 401),
    "/api/v1/auth/otp/request": (None, {"email": "user@example.com"}, ("email",), 422),
    "/api/v1/auth/otp/verify": (None, {"email": "user@example.com", "code": "123456"}, ("email", "code"), 422),
    "/api/v1/admin/tutors/{tutor}/reject": ("admin", {"notes": "n"}, ("notes",), 422),
    "/api/v1/admin/tutors/{tutor}/approve": ("admin", {"notes": "n"}, ("notes",), 422),
}
PROFILE_STRINGS = {
    "/api/v1/tutors/me/profile": (
        "tutor",
        ("headline", "bio", "city", "locality", "currency", "timezone", "intro_video_url", "full_name", "mode"),
    ),
    "/api/v1/students/me/profile": (
        "student",
        (
            "grade_level",
            "goals",
            "currency",
            "mode",
            "city",
            "locality",
            "timezone",
            "guardian_name",
            "guardian_email",
            "guardian_phone",
        ),
    ),
}
PROFILE_OTHER = {
    "/api/v1/tutors/me/profile": ("subjects", "languages", "modes", "hourly_rate", "home_rate", "travel_radius_km"),
    "/api/v1/students/me/profile": ("subjects", "budget_min", "budget_max"),
}


@pytest.fixture
def world(as_role, make_user, db):
    """One user of each role, and a PENDING tutor for the admin decision endpoints."""
    from tutorhub.services.tutors import profiles as tutor_profiles

    headers = {}
    for role in ("student", "tutor", "admin"):
        _, headers[role] = as_role(role)
    pending = make_user("tutor")
    tutor_profiles.update_own_profile(
        db, actor=pending, data={"headline": "H", "subjects": ["maths"], "hourly_rate": 100}
    )
    profile = tutor_profiles.submit_for_review(db, actor=pending)
    make_user("student", email="user@example.com")
    db.commit()
    return {"headers": headers, "tutor": profile.id}


def _url(template: str, world) -> str:
    return template.format(tutor=world["tutor"])


def _check(res, expected: int | tuple[int, ...]) -> None:
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert res.status_code in allowed, (res.status_code, res.text[:300])
    body = res.json()
    assert "detail" in body
    assert BIG not in res.text  # input is never echoed back


JSON_ENDPOINTS = [(url, spec[0], spec[1]) for url, spec in STRING_FIELDS.items()] + [
    ("/api/v1/tutors/me/profile", "tutor", {"headline": "ok"}),
    ("/api/v1/students/me/profile", "student", {"goals": "ok"}),
    ("/api/v1/auth/logout", None, {"refresh_token": "t"}),
]
MALFORMED = [b"{", b'{"email": ', b"not json at all", b"\xff\xfe\x00", b"[1, 2", b'{"a": 1}}', b"nan"]


@pytest.mark.parametrize(("url", "role", "_good"), JSON_ENDPOINTS)
def test_malformed_and_non_object_bodies(client, world, url, role, _good):
    headers = {"Content-Type": "application/json", **(world["headers"][role] if role else {})}
    method = "PUT" if url.endswith("/profile") else "POST"
    before = db_snapshot()
    for raw in MALFORMED:
        res = client.request(method, _url(url, world), content=raw, headers=headers)
        _check(res, (400, 422))
    for value in ([], [{"email": "a@b.c"}], "string", 12, True):
        res = client.request(method, _url(url, world), content=json.dumps(value), headers=headers)
        _check(res, 422)
    deep = "[" * 5000 + "]" * 5000
    _check(client.request(method, _url(url, world), content=deep, headers=headers), (400, 422))
    assert db_snapshot() == before


@pytest.mark.parametrize("url", list(STRING_FIELDS))
def test_wrong_types_and_missing_fields(client, world, url):
    role, good, fields, _ = STRING_FIELDS[url]
    headers = world["headers"][role] if role else {}
    before = db_snapshot()
    for field in fields:
        for wrong in (123, 1.5, ["x"], {"x": 1}, True, HUGE_INT):
            res = client.post(_url(url, world), json={**good, field: wrong}, headers=headers)
            _check(res, 422)
            assert field in res.json()["fields"], (field, res.json())
        if field in ("notes", "timezone"):
            continue  # optional
        res = client.post(_url(url, world), json={k: v for k, v in good.items() if k != field}, headers=headers)
        _check(res, 422)
    assert db_snapshot() == before


@pytest.mark.parametrize("url", list(STRING_FIELDS))
def test_ten_kilobyte_strings(client, world, url):
    role, good, fields, expected = STRING_FIELDS[url]
    headers = world["headers"][role] if role else {}
    before = db_snapshot()
    for field in fields:
        res = client.post(_url(url, world), json={**good, field: BIG}, headers=headers)
        _check(res, expected)
    snapshot = db_snapshot()
    if url.endswith("/login") or url.endswith("/verify"):
        snapshot.pop("login_events"), before.pop("login_events")  # failed attempts are logged by design
    assert snapshot == before


@pytest.mark.parametrize("url", list(PROFILE_STRINGS))
def test_profile_string_fields_reject_10kb_and_wrong_types(client, world, url):
    role, fields = PROFILE_STRINGS[url]
    headers = world["headers"][role]
    before = db_snapshot()
    for field in fields:
        for value in (BIG, 123, ["x"], {"x": "y"}, "bad\x00nul"):
            res = client.put(url, json={field: value}, headers=headers)
            _check(res, 422)
            assert res.json()["fields"], (field, value)
    for field in PROFILE_OTHER[url]:
        for value in (BIG, [BIG], HUGE_INT, -HUGE_INT, 1e308, [1, 2], {"a": 1}, None):
            res = client.put(url, json={field: value}, headers=headers)
            _check(res, 422)
            assert field in res.json()["fields"], (field, value, res.json())
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("method", "url", "role"),
    [
        ("post", "/api/v1/admin/tutors/{tutor}/approve", "student"),
        ("post", "/api/v1/admin/tutors/{tutor}/reject", "tutor"),
        ("get", "/api/v1/admin/tutors/{tutor}", "tutor"),
        ("put", "/api/v1/tutors/me/profile", "student"),
        ("post", "/api/v1/tutors/me/submit", "admin"),
        ("put", "/api/v1/students/me/profile", "tutor"),
    ],
)
def test_wrong_role_is_403_and_changes_nothing(client, world, method, url, role):
    before = db_snapshot()
    res = client.request(method, _url(url, world), json={"notes": "n", "headline": "x"}, headers=world["headers"][role])
    _check(res, 403)
    assert db_snapshot() == before


def test_huge_and_negative_ids(client, world):
    admin = world["headers"]["admin"]
    before = db_snapshot()
    for bad in (str(HUGE_INT), "-1", "0", "9" * 5000, "1.5", "one", "%20"):
        for method, url in (
            ("post", f"/api/v1/admin/tutors/{bad}/approve"),
            ("post", f"/api/v1/admin/tutors/{bad}/reject"),
            ("get", f"/api/v1/admin/tutors/{bad}"),
            ("get", f"/api/v1/tutors/{bad}"),
            ("get", f"/api/v1/files/credentials/{bad}"),
            ("delete", f"/api/v1/tutors/me/credentials/{bad}"),
        ):
            headers = world["headers"]["tutor"] if "credentials" in url else admin
            res = client.request(method, url, json={"notes": "n"} if method == "post" else None, headers=headers)
            _check(res, (404, 422))
    assert db_snapshot() == before


def test_oversized_json_body_is_413(client, world):
    headers = world["headers"]["tutor"]
    before = db_snapshot()
    res = client.put("/api/v1/tutors/me/profile", json={"bio": "b" * (2 * 1024 * 1024)}, headers=headers)
    _check(res, 413)

    def chunks():  # no Content-Length: counted while streaming
        yield b'{"bio": "'
        for _ in range(40):
            yield b"b" * 65536
        yield b'"}'

    res = client.put(
        "/api/v1/tutors/me/profile", content=chunks(), headers={**headers, "Content-Type": "application/json"}
    )
    _check(res, 413)
    assert db_snapshot() == before


def test_unknown_routes_and_methods_are_json(client):
    res = client.get("/api/v1/nope")
    assert res.status_code == 404 and "detail" in res.json()
    res = client.delete("/api/v1/auth/login")
    assert res.status_code == 405 and "detail" in res.json()


def test_validation_errors_do_not_echo_secrets(client):
    res = client.post(
        "/api/v1/auth/register",
        json={"email": 5, "password": "super-secret-password-123", "full_name": "X", "role": "student"},
    )
    assert res.status_code == 422
    assert "super-secret-password-123" not in res.text
    assert res.json()["fields"] == {"email": "Input should be a valid string"}


SURROGATE_CASES = [
    (
        "post",
        "/api/v1/auth/register",
        None,
        '{"email":"a@example.com","password":"\\ud800abcdefgh","full_name":"X","role":"student"}',
        422,
    ),
    (
        "post",
        "/api/v1/auth/register",
        None,
        '{"email":"a@example.com","password":"abcdefghij","full_name":"\\udfff","role":"student"}',
        422,
    ),
    ("post", "/api/v1/auth/login", None, '{"email":"user@example.com","password":"\\ud800abcdefgh"}', 401),
    ("post", "/api/v1/auth/refresh", None, '{"refresh_token":"\\ud800"}', 401),
    ("post", "/api/v1/auth/logout", None, '{"refresh_token":"\\ud800"}', 204),
    ("post", "/api/v1/auth/otp/request", None, '{"email":"\\ud800@example.com"}', 422),
    ("post", "/api/v1/auth/otp/verify", None, '{"email":"user@example.com","code":"\\ud800"}', 422),
    ("put", "/api/v1/tutors/me/profile", "tutor", '{"headline":"\\ud800"}', 422),
    ("put", "/api/v1/tutors/me/profile", "tutor", '{"subjects":["\\ud800math"], "languages": ["\\udc00"]}', 422),
    ("put", "/api/v1/students/me/profile", "student", '{"goals":"\\ud800"}', 422),
]


@pytest.mark.parametrize(("method", "url", "role", "raw", "expected"), SURROGATE_CASES)
def test_lone_surrogates_are_refused_not_crashed(client, world, method, url, role, raw, expected):
    headers = {"Content-Type": "application/json", **(world["headers"][role] if role else {})}
    before = db_snapshot()
    res = client.request(method, url, content=raw.encode(), headers=headers)
    assert res.status_code == expected, res.text
    after = db_snapshot()
    after.pop("login_events"), before.pop("login_events")
    if url.endswith("/login"):  # a failed attempt counts towards the lockout
        after.pop("users"), before.pop("users")
    assert after == before


@pytest.mark.parametrize("grade", ["²", "Grade ³", "①"])
def test_unicode_digit_grades_are_422_everywhere(client, world, grade):
    _check(client.get("/api/v1/tutors", params={"grade": grade}), 422)
    _check(
        client.put("/api/v1/tutors/me/profile", json={"subjects": ["maths"], "grade_levels": [grade]}, headers=world["headers"]["tutor"]),
        422,
    )
    _check(
        client.put("/api/v1/students/me/profile", json={"grade_level": grade}, headers=world["headers"]["student"]),
        422,
    )


def test_database_contention_is_409_and_other_database_errors_a_bare_500():
    """A lost race (lock timeout, deadlock) is the client's cue to retry, not a server fault."""
    import sqlite3

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError

    from tutorhub.api.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/locked")
    def locked() -> None:
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))

    @app.get("/broken")
    def broken() -> None:
        raise OperationalError("SELECT x", {}, sqlite3.OperationalError("no such table: x"))

    client = TestClient(app, raise_server_exceptions=False)
    res = client.get("/locked")
    assert res.status_code == 409 and res.json() == {
        "detail": "Someone else changed this at the same moment; reload and try again."
    }
    res = client.get("/broken")
    assert res.status_code == 500 and res.json() == {"detail": "Internal server error."}
