"""Limits that count rows must hold when requests arrive at the same moment."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD
from tests.support.races import race
from tutorhub.db import session_scope
from tutorhub.models import OtpCode, User
from tutorhub.services.accounts import one_time_codes, passwords
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
