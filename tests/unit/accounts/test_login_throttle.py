"""Password login must not tell which accounts exist, and one address must not lock others out.

The policy under test is in tutorhub/services/accounts/login_throttle.py.
"""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from tests.conftest import PASSWORD
from tutorhub.models import LoginEvent, OutboxMessage, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import login_throttle, one_time_codes, passwords, security, web_auth
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.settings import get_settings

NOW = utcnow().replace(microsecond=0)


def _answer(fn, **kwargs) -> tuple:
    """What a client sees of a refusal: status, message and Retry-After."""
    with pytest.raises(DomainError) as refused:
        fn(**kwargs)
    exc = refused.value
    return exc.status_code, exc.message, getattr(exc, "retry_after_seconds", None)


def _fail(db, email: str, ip: str, now=NOW, password: str = "wrong-password") -> tuple:
    return _answer(passwords.authenticate_password, session=db, email=email, password=password, ip=ip, now=now)


@pytest.mark.parametrize("via", ["service", "browser"])
def test_known_and_unknown_emails_get_the_same_answers_through_the_lockout(db, make_user, via):
    make_user("student", email="real@example.com")
    login = passwords.authenticate_password if via == "service" else web_auth.login_with_password
    limit = get_settings().login_max_failures

    def answers(email: str) -> list[tuple]:
        return [
            _answer(login, session=db, email=email, password="wrong-password", ip="198.51.100.7", now=NOW)
            for _ in range(limit + 2)
        ]

    real, ghost = answers("real@example.com"), answers("ghost@example.com")
    assert real == ghost
    assert real[0] == (401, "Wrong email or password.", None)
    assert real[limit][0] == 429 and real[limit][2] >= 60 and "locked" in real[limit][1]
    # The right password does not get through the lock either, and says the same.
    assert _fail(db, "real@example.com", "198.51.100.7", password=PASSWORD) == real[limit]


class CountingHasher(PasswordHasher):
    """The test suite's cheap argon2id hasher, counting verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 (the library's name)
        self.verified.append(str(hash))
        return super().verify(hash, password)


def test_an_unknown_email_costs_one_argon2_verify_like_a_real_one(db, make_user, monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(security, "_hasher", hasher)
    make_user("student", email="real@example.com")
    for email in ("real@example.com", "ghost@example.com"):
        hasher.verified.clear()
        with pytest.raises(NotAuthenticated):
            passwords.authenticate_password(db, email=email, password="wrong-password", now=NOW)
        assert len(hasher.verified) == 1, email
        assert hasher.verified[0].startswith("$argon2id$")
    # The dummy has the parameters of real hashes (the hasher in use made both).
    real_hash = db.exec(select(User).where(User.email == "real@example.com")).one().password_hash
    assert not hasher.check_needs_rehash(hasher.verified[0]) and not hasher.check_needs_rehash(real_hash)
    assert hasher.verified[0] != real_hash


def test_the_dummy_hash_is_made_once_per_hasher():
    assert security._dummy_hash() is security._dummy_hash()


def test_one_address_is_throttled_after_30_failures_and_others_still_log_in(db, make_user):
    victim = make_user("student", email="victim@example.com")
    make_user("student", email="bystander@example.com")
    attacker = "203.0.113.9"
    # Ten at the victim (enough to lock the old, per-account lockout), then spraying other emails.
    for i in range(login_throttle.IP_MAX_FAILURES):
        email = "victim@example.com" if i < 10 else f"user{i}@example.com"
        assert _fail(db, email, attacker)[0] in (401, 429)
    status, message, retry = _fail(db, "someone-new@example.com", attacker)
    assert status == 429 and "network" in message
    assert retry == 16 * 60  # the rest of the 15-minute window, in whole minutes
    # Even a right password from that address waits.
    assert _fail(db, "bystander@example.com", attacker, password=PASSWORD)[0] == 429
    # The victim, from their own address, is not locked out by the attacker's guesses.
    assert passwords.authenticate_password(
        db, email="victim@example.com", password=PASSWORD, ip="192.0.2.44", now=NOW
    ).id == victim.id
    # The window ends.
    later = NOW + login_throttle.IP_WINDOW
    assert _fail(db, "someone-new@example.com", attacker, now=later)[0] == 401
    reasons = [e.reason for e in db.exec(select(LoginEvent).where(LoginEvent.ip == attacker))]
    assert reasons.count("ip_throttled") == 2


def test_right_passwords_give_their_address_slot_back(db, make_user):
    make_user("student", email="pupil@example.com")
    school = "198.51.100.1"
    for _ in range(login_throttle.IP_MAX_FAILURES - 1):
        _fail(db, "typo@example.com", school)
    for _ in range(10):  # a whole class logs in behind one NAT
        passwords.authenticate_password(db, email="pupil@example.com", password=PASSWORD, ip=school, now=NOW)
    assert _fail(db, "pupil@example.com", school)[0] == 401
    assert _fail(db, "pupil@example.com", school)[0] == 429


def test_pair_locks_back_off_exponentially_and_forget_after_a_day(db):
    limit = get_settings().login_max_failures
    base = get_settings().login_lockout_minutes
    ip, now = "192.0.2.1", NOW
    lengths = []
    for _round in range(3):
        for _ in range(limit):
            assert _fail(db, "target@example.com", ip, now=now)[0] == 401
        status, _message, retry = _fail(db, "target@example.com", ip, now=now)
        assert status == 429
        lengths.append(retry // 60 - 1)
        now += timedelta(minutes=retry // 60)
    assert lengths == [base, 2 * base, 4 * base]
    # A day without failures: the backoff starts again from its first step.
    now += login_throttle.MEMORY
    for _ in range(limit):
        _fail(db, "target@example.com", ip, now=now)
    assert _fail(db, "target@example.com", ip, now=now)[2] == (base + 1) * 60


def test_the_whole_account_locks_only_on_guesses_from_several_addresses(db, make_user):
    owner = make_user("student", email="owner@example.com")
    limit = get_settings().login_max_failures
    # One address alone, even over many lock periods, never locks the account for others.
    now = NOW
    for _round in range(6):
        for _ in range(limit):
            _fail(db, "owner@example.com", "203.0.113.1", now=now)
        now += timedelta(hours=2)
    assert passwords.authenticate_password(db, email="owner@example.com", password=PASSWORD, ip="192.0.2.9",
                                           now=now).id == owner.id
    # Five addresses' worth of failures lock it for everyone, including a fresh address...
    for n in range(2, 2 + login_throttle.ACCOUNT_LOCK_ADDRESSES - 1):
        for _ in range(limit):
            _fail(db, "owner@example.com", f"203.0.113.{n}", now=now)
    status, message, _retry = _fail(db, "owner@example.com", "192.0.2.10", now=now, password=PASSWORD)
    assert status == 429 and "one-time code" in message
    # ...an unknown email the same way...
    for n in range(1, 1 + login_throttle.ACCOUNT_LOCK_ADDRESSES):
        for _ in range(limit):
            _fail(db, "nobody@example.com", f"203.0.113.{n}", now=now)
    assert _fail(db, "nobody@example.com", "192.0.2.10", now=now) == (status, message, _retry)
    # ...but a one-time code still gets the owner in, and ends the lock.
    one_time_codes.request_otp(db, email="owner@example.com")
    body = db.exec(select(OutboxMessage).where(OutboxMessage.recipient == "owner@example.com")).one().body
    code = body.split("code is ")[1][:6]
    assert one_time_codes.verify_otp(db, email="owner@example.com", code=code).id == owner.id
    assert passwords.authenticate_password(db, email="owner@example.com", password=PASSWORD, ip="192.0.2.10",
                                           now=now).id == owner.id


def test_an_admin_reset_ends_the_locks(db, make_user):
    make_user("admin", email="root@example.com")
    for _ in range(get_settings().login_max_failures):
        _fail(db, "root@example.com", "192.0.2.3")
    assert _fail(db, "root@example.com", "192.0.2.3", password=PASSWORD)[0] == 429
    passwords.create_admin(db, email="root@example.com", password="a-new-password-1")
    assert passwords.authenticate_password(db, email="root@example.com", password="a-new-password-1",
                                           ip="192.0.2.3", now=NOW).role == "admin"


def test_unusable_passwords_are_refused_alike_without_counting(db, make_user):
    make_user("student", email="real@example.com")
    for email in ("real@example.com", "ghost@example.com"):
        for password in ("x" * 129, "\ud800abcdefgh", None, 12345678):
            assert _fail(db, email, "192.0.2.5", password=password) == (401, "Wrong email or password.", None)
    assert login_throttle.prune(db, now=NOW + timedelta(days=2)) == 0


def test_prune_forgets_old_counters_but_not_running_locks(db):
    for _ in range(get_settings().login_max_failures):
        _fail(db, "old@example.com", "192.0.2.6")
    db.commit()
    assert login_throttle.prune(db, now=NOW + timedelta(hours=1)) == 0
    assert login_throttle.prune(db, now=NOW + timedelta(days=2)) == 2  # the pair and the address


@pytest.mark.parametrize(("raw", "key"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("", ""),
    ("not-an-address", "not-an-address"),
])
def test_addresses_are_counted_as_ipv4_or_ipv6_64(raw, key):
    assert login_throttle.address_key(raw) == key


def test_one_ipv6_host_cannot_lock_an_account_for_everyone(db, make_user):
    """A host owns its whole /64: guessing from many of its addresses is guessing from one."""
    owner = make_user("student", email="v6owner@example.com")
    limit = get_settings().login_max_failures
    for n in range(1, 1 + 2 * login_throttle.ACCOUNT_LOCK_ADDRESSES):
        for _ in range(limit):
            _fail(db, "v6owner@example.com", f"2001:db8:77:1::{n:x}", now=NOW)
    assert passwords.authenticate_password(db, email="v6owner@example.com", password=PASSWORD, ip="192.0.2.44",
                                           now=NOW).id == owner.id
    # ...and that host is locked out of the pair as a whole, whichever of its addresses it uses.
    status, _message, _retry = _fail(db, "v6owner@example.com", "2001:db8:77:1::beef", now=NOW, password=PASSWORD)
    assert status == 429
