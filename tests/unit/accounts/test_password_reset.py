"""Forgot password (issue 12, item 9): an emailed code, single use, short expiry, throttled, and every
session and token revoked on reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.conftest import PASSWORD
from tutorhub.models import AuthSession, OtpCode, OutboxMessage, RefreshToken, User
from tutorhub.services.accounts import (
    api_tokens,
    one_time_codes,
    password_reset,
    passwords,
    sessions,
)
from tutorhub.services.errors import InvalidInput, NotAuthenticated, RateLimited
from tutorhub.settings import get_settings

NEW = "a-brand-new-password"


def _sent(db, address: str) -> list[OutboxMessage]:
    db.flush()
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(col(OutboxMessage.id))))


def _code(db, address: str) -> str:
    match = re.search(r"\b(\d{6})\b", _sent(db, address)[-1].body)
    assert match
    return match.group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_reset_sets_the_password_and_revokes_every_session_and_token(db, make_user):
    user = make_user("student", email="ada@example.com")
    browser = sessions.create_browser_session(db, user_id=user.id)
    tokens = api_tokens.issue_tokens(db, user_id=user.id)
    db.commit()
    password_reset.request_password_reset(db, email="Ada@Example.com", ip="1.2.3.4")
    code = _code(db, "ada@example.com")
    password_reset.reset_password(db, email="ada@example.com", code=code, new_password=NEW)
    db.commit()
    assert passwords.authenticate_password(db, email="ada@example.com", password=NEW).id == user.id
    with pytest.raises(NotAuthenticated):
        passwords.authenticate_password(db, email="ada@example.com", password=PASSWORD)
    assert sessions.resolve_session(db, browser) is None
    with pytest.raises(NotAuthenticated):
        api_tokens.user_from_access_token(db, tokens.access_token)
    with pytest.raises(NotAuthenticated):
        api_tokens.rotate_refresh_token(db, refresh_token=tokens.refresh_token)
    assert db.exec(select(AuthSession).where(col(AuthSession.revoked_at).is_(None))).first() is None
    assert db.exec(select(RefreshToken).where(col(RefreshToken.user_id) == user.id,
                                              col(RefreshToken.revoked_at).is_(None))).first() is None
    assert "password was changed" in _sent(db, "ada@example.com")[-1].subject


def test_a_code_works_once(db, make_user):
    make_user("tutor", email="once@example.com")
    password_reset.request_password_reset(db, email="once@example.com")
    code = _code(db, "once@example.com")
    password_reset.reset_password(db, email="once@example.com", code=code, new_password=NEW)
    db.commit()
    with pytest.raises(NotAuthenticated):
        password_reset.reset_password(db, email="once@example.com", code=code, new_password="another-password-1")


def test_a_code_expires_after_fifteen_minutes(db, make_user):
    make_user("student", email="late@example.com")
    password_reset.request_password_reset(db, email="late@example.com")
    code = _code(db, "late@example.com")
    row = db.exec(select(OtpCode).where(OtpCode.identifier == "late@example.com")).one()
    assert timedelta(minutes=14) < row.expires_at - row.created_at <= timedelta(minutes=15)
    row.expires_at = row.created_at - timedelta(seconds=1)  # the clock has passed the expiry
    db.add(row)
    db.commit()
    with pytest.raises(NotAuthenticated) as refused:
        password_reset.reset_password(db, email="late@example.com", code=code, new_password=NEW)
    assert refused.value.fields["code"] == "is invalid or has expired"


def test_wrong_codes_are_limited_then_the_code_is_spent(db, make_user):
    make_user("student", email="guess@example.com")
    password_reset.request_password_reset(db, email="guess@example.com")
    code = _code(db, "guess@example.com")
    db.commit()
    tries = get_settings().otp_max_attempts
    for _ in range(tries - 1):
        with pytest.raises(NotAuthenticated):
            password_reset.reset_password(db, email="guess@example.com", code=_wrong(code), new_password=NEW)
    with pytest.raises(RateLimited):
        password_reset.reset_password(db, email="guess@example.com", code=_wrong(code), new_password=NEW)
    with pytest.raises(RateLimited):  # even the right code is refused now: ask for a new one
        password_reset.reset_password(db, email="guess@example.com", code=code, new_password=NEW)


def test_login_codes_and_reset_codes_do_not_cross(db, make_user):
    make_user("student", email="cross@example.com")
    one_time_codes.request_otp(db, email="cross@example.com")
    login_code = _code(db, "cross@example.com")
    with pytest.raises(NotAuthenticated):
        password_reset.reset_password(db, email="cross@example.com", code=login_code, new_password=NEW)
    password_reset.request_password_reset(db, email="cross@example.com")
    reset_code = _code(db, "cross@example.com")
    db.commit()
    with pytest.raises(NotAuthenticated):
        one_time_codes.verify_otp(db, email="cross@example.com", code=reset_code)


def test_unknown_address_gets_the_same_answer_and_no_email(db):
    password_reset.request_password_reset(db, email="nobody@example.com")
    db.commit()
    assert _sent(db, "nobody@example.com") == []
    assert db.exec(select(OtpCode).where(OtpCode.identifier == "nobody@example.com")).one().purpose == "reset"
    with pytest.raises(NotAuthenticated):
        password_reset.reset_password(db, email="nobody@example.com", code="123456", new_password=NEW)
    assert db.exec(select(User).where(User.email == "nobody@example.com")).first() is None


def test_requests_are_throttled_per_address_known_or_not(db, make_user):
    make_user("student", email="flood@example.com")
    limit = get_settings().otp_sends_per_identifier_per_hour
    for address in ("flood@example.com", "ghost@example.com"):
        for _ in range(limit):
            password_reset.request_password_reset(db, email=address, ip="7.7.7.7")
        with pytest.raises(RateLimited) as refused:
            password_reset.request_password_reset(db, email=address, ip="7.7.7.7")
        assert refused.value.retry_after_seconds == 3600
    assert len(_sent(db, "flood@example.com")) == limit


def test_only_the_newest_code_counts_and_a_reset_spends_the_rest(db, make_user):
    make_user("student", email="two@example.com")
    password_reset.request_password_reset(db, email="two@example.com")
    first = _code(db, "two@example.com")
    password_reset.request_password_reset(db, email="two@example.com")
    second = _code(db, "two@example.com")
    db.commit()
    if first != second:
        with pytest.raises(NotAuthenticated):
            password_reset.reset_password(db, email="two@example.com", code=first, new_password=NEW)
    password_reset.reset_password(db, email="two@example.com", code=second, new_password=NEW)
    db.commit()
    live = db.exec(select(OtpCode).where(OtpCode.identifier == "two@example.com", col(OtpCode.consumed_at).is_(None)))
    assert live.first() is None


@pytest.mark.parametrize(
    ("email", "code", "new_password", "field"),
    [
        ("not-an-email", "123456", NEW, "email"),
        ("a@example.com", "12345", NEW, "code"),
        ("a@example.com", "١٢٣٤٥٦", NEW, "code"),
        ("a@example.com", "123456", "short", "new_password"),
    ],
)
def test_bad_input_names_the_field(db, email, code, new_password, field):
    with pytest.raises(InvalidInput) as refused:
        password_reset.reset_password(db, email=email, code=code, new_password=new_password)
    assert field in refused.value.fields


def test_a_reset_ends_password_locks_on_the_address(db, make_user):
    make_user("student", email="locked@example.com")
    for _ in range(get_settings().login_max_failures):
        with pytest.raises(NotAuthenticated):
            passwords.authenticate_password(db, email="locked@example.com", password="wrong-password", ip="9.9.9.9")
    with pytest.raises(RateLimited):
        passwords.authenticate_password(db, email="locked@example.com", password=PASSWORD, ip="9.9.9.9")
    password_reset.request_password_reset(db, email="locked@example.com")
    password_reset.reset_password(db, email="locked@example.com", code=_code(db, "locked@example.com"), new_password=NEW)
    db.commit()
    assert passwords.authenticate_password(db, email="locked@example.com", password=NEW, ip="9.9.9.9")
