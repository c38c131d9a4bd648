"""Limits that count rows must hold when requests arrive at the same moment."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD
from tests.support.races import race
from tutorhub.db import session_scope
from tutorhub.models import OtpCode, User
from tutorhub.services.accounts import login_throttle, one_time_codes, passwords
from tutorhub.services.errors import RateLimited
from tutorhub.settings import get_settings


def _parallel(n, fn):
    """Just the outcome of each attempt: "ok" or the domain error's class name."""
    return [outcome for outcome, _ in race(n, fn)]


def test_parallel_code_requests_never_exceed_the_per_identifier_limit(db):
    limit = get_settings().otp_sends_per_identifier_per_hour
    results = _parallel(limit + 4, lambda s, i: one_time_codes.request_otp(s, email="flood@example.com", ip=f"10.0.0.{i}"))
    assert results.count("ok") == limit and results.count("RateLimited") == 4
    db.rollback()
    assert len(db.exec(select(OtpCode)).all()) == limit


def test_parallel_wrong_passwords_all_count_toward_the_lockout(db, make_user):
    user = make_user("student", email="victim@example.com")
    failures = get_settings().login_max_failures
    results = _parallel(failures, lambda s, i: passwords.authenticate_password(s, email="victim@example.com",
                                                                           password=f"wrong-{i}-guess"))
    assert results.count("NotAuthenticated") == failures
    db.rollback()
    assert db.get(User, user.id).locked_until is not None
    # Locked now, even with the right password.
    with pytest.raises(RateLimited), session_scope() as s:
        passwords.authenticate_password(s, email="victim@example.com", password=PASSWORD)


def test_parallel_wrong_passwords_lock_an_unknown_email_like_a_real_one(db):
    failures = get_settings().login_max_failures
    results = _parallel(failures, lambda s, i: passwords.authenticate_password(s, email="ghost@example.com",
                                                                           password=f"wrong-{i}-guess"))
    assert results.count("NotAuthenticated") == failures
    with pytest.raises(RateLimited) as locked, session_scope() as s:
        passwords.authenticate_password(s, email="ghost@example.com", password=PASSWORD)
    assert "locked" in locked.value.message


def test_parallel_guesses_from_one_address_never_exceed_its_limit(db):
    results = _parallel(40, lambda s, i: passwords.authenticate_password(s, email=f"spray{i}@example.com",
                                                                     password="wrong-guess", ip="203.0.113.50"))
    assert results.count("NotAuthenticated") == login_throttle.IP_MAX_FAILURES
    assert results.count("RateLimited") == 40 - login_throttle.IP_MAX_FAILURES
