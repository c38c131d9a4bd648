"""The shared-device fraud signal end to end: a browser's random `th_device` cookie (HttpOnly,
SameSite=Lax, set on its first page load), recorded on the login log by the real sign-up and login
use cases, and the scan flagging ≥ 3 accounts from one device within 24 hours — never one account
on its own device, never shown to anyone but admins."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.conftest import PASSWORD
from tutorhub.api.app import api
from tutorhub.db import session_scope
from tutorhub.models import FraudFlag, FraudFlagUser, LoginEvent, Role
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import web_auth
from tutorhub.services.accounts.devices import DEVICE_COOKIE, DEVICE_PATH, device_from_cookies, new_device_id
from tutorhub.services.accounts.logins import LoginEventOut
from tutorhub.services.errors import Forbidden, NotAuthenticated
from tutorhub.services.ops import fraud_review
from tutorhub.services.ops.fraud_signals import SHARED_DEVICE_ACCOUNTS, scan_fraud_signals

PHONE = new_device_id()
_ips = itertools.count(1)


def _ip() -> str:
    """Each login from its own address, so only the device links them (not the shared-IP signal)."""
    return f"198.51.100.{next(_ips) % 250 + 1}"


def _signup(n: int, device: str) -> int:
    with session_scope() as session:
        out = web_auth.signup(session, email=f"multi{n}@example.com", password=PASSWORD, full_name=f"Multi {n}",
                              role=Role.STUDENT, timezone="UTC", ip=_ip(), user_agent="test", device_id=device)
        return out.user.id


def _login(email: str, device: str) -> None:
    with session_scope() as session:
        web_auth.login_with_password(session, email=email, password=PASSWORD, ip=_ip(), user_agent="test",
                                     device_id=device)


def _scan() -> dict[str, int]:
    with session_scope() as session:
        return scan_fraud_signals(session, now=utcnow())


def _device_flags() -> list[tuple[str, set[int], str]]:
    with session_scope(read_only=True) as session:
        flags = session.exec(select(FraudFlag).where(FraudFlag.kind == "shared_device")).all()
        return [(f.key, set(session.exec(select(FraudFlagUser.user_id).where(FraudFlagUser.flag_id == f.id)).all()),
                 f.reason) for f in flags]


def test_three_accounts_from_one_browser_in_a_day_are_flagged(make_user):
    assert SHARED_DEVICE_ACCOUNTS == 3
    owner = make_user("student")
    for _ in range(4):
        _login(owner.email, PHONE)  # one account, its own device, many times: nothing
    second = _signup(2, PHONE)
    _login("multi2@example.com", new_device_id())  # another browser of the second account
    assert _scan() == {}
    third = _signup(3, PHONE)
    assert _scan() == {"shared_device": 1}
    [(key, users, reason)] = _device_flags()
    assert key.startswith(f"device:{PHONE}@") and users == {owner.id, second, third}
    assert "3 accounts signed in from one browser" in reason and PHONE[:8] in reason and PHONE not in reason
    _login(owner.email, PHONE)
    assert _scan() == {}  # a rescan refreshes the open flag


def test_accounts_more_than_a_day_apart_or_without_a_device_are_not_flagged(make_user):
    first, second = make_user("student"), make_user("student")
    _login(first.email, PHONE)
    _login(second.email, PHONE)
    _signup(3, "")  # no cookie (an API client, a script): nothing recorded, nothing matched
    _signup(4, "not a device id;")  # a forged value is not stored
    with session_scope() as session:  # the first login was 25 hours ago
        row = session.exec(select(LoginEvent).where(LoginEvent.identifier == first.email)).one()
        row.created_at = utcnow() - timedelta(hours=25)
    _signup(5, PHONE)
    assert _scan() == {}
    with session_scope(read_only=True) as session:
        devices = {e.identifier: e.device_id for e in session.exec(select(LoginEvent)).all()}
    assert devices["multi3@example.com"] == devices["multi4@example.com"] == ""
    assert devices["multi5@example.com"] == PHONE


def test_failed_logins_record_the_device_but_do_not_count(make_user):
    users = [make_user("student") for _ in range(3)]
    for user in users:
        with session_scope() as session, pytest.raises(NotAuthenticated):
            web_auth.login_with_password(session, email=user.email, password="wrong-password-1", device_id=PHONE)
    assert _scan().get("shared_device") is None
    with session_scope(read_only=True) as session:
        assert {e.device_id for e in session.exec(select(LoginEvent)).all()} == {PHONE}


def test_only_admins_read_device_flags_and_the_login_log_never_shows_the_id(db, make_user):
    for n in range(3):
        _signup(n, PHONE)
    _scan()
    for stranger in (None, make_user("student"), make_user("tutor")):
        with pytest.raises(NotAuthenticated if stranger is None else Forbidden):
            fraud_review.list_flags(db, actor=stranger, kind="shared_device")
    page = fraud_review.list_flags(db, actor=make_user("admin"), kind="shared_device")
    assert [f.kind_label for f in page.items] == ["Many accounts from one device"]
    assert "device_id" not in LoginEventOut.model_fields


def test_first_page_load_gives_an_httponly_lax_device_cookie():
    client = TestClient(api)
    page = client.get("/api/v1/docs", headers={"Accept": "text/html,application/xhtml+xml"})
    cookie = page.headers.get("set-cookie", "")
    assert cookie.startswith(f"{DEVICE_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=63072000" in cookie and "Path=/" in cookie
    assert page.headers["cache-control"] == "private, no-store"  # never kept by a shared cache
    device = device_from_cookies(cookie.split(";")[0])
    assert len(device) == 32
    # The browser has it now: no new id. JSON calls never get one.
    again = TestClient(api, cookies={DEVICE_COOKIE: device}).get("/api/v1/docs", headers={"Accept": "text/html"})
    assert "set-cookie" not in again.headers
    assert "set-cookie" not in TestClient(api).get("/health", headers={"Accept": "application/json"}).headers


def test_device_cookie_parsing():
    device = new_device_id()
    assert device_from_cookies(f"th_session=abc; {DEVICE_COOKIE}={device}; other=1") == device
    assert device_from_cookies(f'{DEVICE_COOKIE}="{device}"') == device
    for header in (None, "", "th_session=abc", f"{DEVICE_COOKIE}=short", f"{DEVICE_COOKIE}=<script>alert(1)</script>xx"):
        assert device_from_cookies(header) == ""


def test_the_device_endpoint_sets_the_cookie_only_when_the_browser_has_none():
    """For pages the backend did not serve (the development frontend): a plain GET, no body, the same
    HttpOnly cookie as a page load, never a second id, never cached by a shared cache."""
    answer = TestClient(api).get(DEVICE_PATH)
    assert answer.status_code == 204 and answer.content == b""
    cookie = answer.headers.get("set-cookie", "")
    assert cookie.startswith(f"{DEVICE_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert answer.headers["cache-control"] == "private, no-store"
    device = device_from_cookies(cookie.split(";")[0])
    assert len(device) == 32
    again = TestClient(api, cookies={DEVICE_COOKIE: device}).get(DEVICE_PATH)
    assert again.status_code == 204 and "set-cookie" not in again.headers
    forged = TestClient(api, cookies={DEVICE_COOKIE: "<bad>"}).get(DEVICE_PATH)  # malformed: a fresh id
    assert device_from_cookies(forged.headers.get("set-cookie", "").split(";")[0]) not in ("", device)
