"""Per-address limits are sized for a school behind one NAT (issue 12, item 12): the per-identifier
limits protect a person; the per-address ones are configurable and only stop one address flooding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from tutorhub.models import OtpCode
from tutorhub.services.accounts import one_time_codes
from tutorhub.services.errors import RateLimited
from tutorhub.settings import Settings, get_settings, reset_settings


@pytest.fixture
def ip_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("TUTORHUB_OTP_SENDS_PER_IP_PER_HOUR", "7")
    reset_settings()
    yield 7
    monkeypatch.delenv("TUTORHUB_OTP_SENDS_PER_IP_PER_HOUR")
    reset_settings()


def test_default_per_address_limits_fit_a_school(monkeypatch):
    monkeypatch.delenv("TUTORHUB_OTP_SENDS_PER_IP_PER_HOUR", raising=False)
    monkeypatch.delenv("TUTORHUB_LOGIN_IP_MAX_FAILURES", raising=False)
    reset_settings()
    try:
        settings = get_settings()
        assert settings.otp_sends_per_ip_per_hour >= 100
        assert Settings().otp_sends_per_ip_per_hour == settings.otp_sends_per_ip_per_hour
        assert settings.login_ip_max_failures * 4 >= 100  # per 15 minutes
        assert settings.otp_sends_per_identifier_per_hour <= 10  # the limit that does the real work
    finally:
        reset_settings()


def test_a_classroom_behind_one_address_all_get_codes(db):
    """Forty pupils of one school sign in by code within the hour from the same public address."""
    for i in range(40):
        assert one_time_codes.request_otp(db, email=f"pupil{i}@school.example", ip="81.2.69.160") == "email"
    db.commit()
    sent = db.exec(select(OtpCode).where(OtpCode.ip == "81.2.69.160")).all()
    assert len(sent) == 40
    # ...while one pupil asking again and again is still stopped by the per-identifier limit.
    for _ in range(get_settings().otp_sends_per_identifier_per_hour - 1):
        one_time_codes.request_otp(db, email="pupil0@school.example", ip="81.2.69.160")
    with pytest.raises(RateLimited):
        one_time_codes.request_otp(db, email="pupil0@school.example", ip="81.2.69.160")


def test_per_address_limit_is_configurable(db, ip_limit):
    for i in range(ip_limit):
        one_time_codes.request_otp(db, email=f"n{i}@example.com", ip="5.5.5.5")
    with pytest.raises(RateLimited) as refused:
        one_time_codes.request_otp(db, email="one-more@example.com", ip="5.5.5.5")
    assert "network" in refused.value.message
    one_time_codes.request_otp(db, email="one-more@example.com", ip="6.6.6.6")  # another address is unaffected


def test_an_ipv6_host_counts_as_one_address(db, ip_limit):
    """One host holds a whole /64: rotating addresses inside it does not reset the count."""
    for i in range(ip_limit):
        one_time_codes.request_otp(db, email=f"v{i}@example.com", ip=f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(RateLimited):
        one_time_codes.request_otp(db, email="v-last@example.com", ip="2001:db8:1:2:ffff::9")
    one_time_codes.request_otp(db, email="v-other@example.com", ip="2001:db8:1:3::1")  # the next /64 is another
