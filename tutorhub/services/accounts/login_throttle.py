"""How many wrong passwords a login may see, counted so that the answer never tells whether an
account exists and so that one network address cannot lock other people out.

The policy (OWASP's authentication cheat sheet: throttle per account and per source, prefer
backoff to hard locks, keep a way in for the owner):

- **Per identifier and address** ("pair"): `login_max_failures` (10) wrong passwords for one
  normalized email from one IP lock that email *for that IP* for `login_lockout_minutes` (15),
  doubling with each further lock within a day (15, 30, 60 … at most 24 h). Counted whether or
  not an account has the email, so a real and an unknown address give the same answers: the same
  401 for each wrong guess, then the same 429, message and Retry-After.
- **Per identifier, all addresses together** ("account"): when the failures of the last 24 h are
  worth `ACCOUNT_LOCK_ADDRESSES` (5) addresses' limits — each address counts for at most one
  limit, so no single address can get there — the email is locked for everyone, and each further
  failure after a lock ends locks it again for twice as long. This is the brake on guessing from
  many addresses; the price is that such an attacker can hold up the owner's *password* login.
- **Per address** ("ip"): `login_ip_max_failures` (setting, default `IP_MAX_FAILURES` = 30)
  failed password logins in a 15-minute window,
  whatever emails they name, and that address gets 429 with Retry-After until the window ends. A
  slot is taken before the password is checked (so parallel requests cannot overshoot) and given
  back when the password was right, so a school behind one NAT is not throttled by good logins.
  Callers that know no address (commands, internal calls) pass "" and are not throttled per address.
- **What an "address" is** (`address_key`): an IPv4 address; for IPv6 the /64 network, since one
  host routinely holds a whole /64 and would otherwise count as countless addresses (enough to
  trigger the account-wide lock alone); an IPv4-mapped IPv6 address counts as its IPv4 address.
- **The owner always has a way in**: a password lock never blocks a one-time code, and a code
  login (proof of the mailbox) clears every lock and count of that email, as does an admin reset.

Counts change under a per-key lock (`db.lock_key`: an advisory lock on PostgreSQL, the write lock
on SQLite), and every change is committed by the caller before its error is raised (the login
module commits refusals), so parallel guesses all count. Everything is driven by the caller's `now`.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, and_, col, or_, select

from tutorhub.db import lock_key, upsert_insert
from tutorhub.models.accounts import LoginThrottle
from tutorhub.settings import get_settings

IP_MAX_FAILURES = 30
IP_WINDOW = timedelta(minutes=15)
# Failures older than this are forgotten (and the backoff starts again from its first step).
MEMORY = timedelta(hours=24)
ACCOUNT_LOCK_ADDRESSES = 5
LONGEST_LOCK = timedelta(hours=24)

PAIR, ACCOUNT, IP = "pair", "account", "ip"


def address_key(ip: str) -> str:
    """The unit an address is counted in: IPv4 as it is, IPv6 by its /64, IPv4-mapped as IPv4."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return (ip or "").strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _seconds_until(moment: datetime, now: datetime) -> int:
    """Whole minutes, as seconds: the lock message speaks in minutes, Retry-After agrees with it."""
    minutes = max(1, int((moment - now).total_seconds() // 60) + 1)
    return minutes * 60


def _lock_length(strikes: int) -> timedelta:
    base = timedelta(minutes=get_settings().login_lockout_minutes)
    return min(base * 2 ** min(max(strikes - 1, 0), 16), LONGEST_LOCK)


def _row(session: Session, scope: str, identifier: str, ip: str, now: datetime) -> LoginThrottle:
    """The counter for a key, created if missing (insert-or-ignore: the unique key decides)."""
    insert = upsert_insert(session)
    session.execute(
        insert(LoginThrottle)
        .values(scope=scope, identifier=identifier, ip=ip, failures=0, strikes=0, window_started_at=now)
        .on_conflict_do_nothing(index_elements=["scope", "identifier", "ip"])
    )
    return session.exec(
        select(LoginThrottle)
        .where(
            col(LoginThrottle.scope) == scope, col(LoginThrottle.identifier) == identifier, col(LoginThrottle.ip) == ip
        )
        .execution_options(populate_existing=True)
    ).one()


def take_ip_slot(session: Session, *, ip: str, now: datetime) -> int | None:
    """Take one of the address's failure slots before a password is checked, and commit it.

    Returns None when a slot was taken, else the seconds until the window ends (→ 429). Committed
    at once, so the address's lock is not held while the password hash is computed.
    """
    ip = address_key(ip)
    if not ip:
        return None
    lock_key(session, f"login-ip:{ip}")
    row = _row(session, IP, "", ip, now)
    if row.window_started_at <= now - IP_WINDOW:
        row.window_started_at, row.failures = now, 0
    wait = None
    if row.failures >= get_settings().login_ip_max_failures:
        wait = _seconds_until(row.window_started_at + IP_WINDOW, now)
    else:
        row.failures += 1
        row.last_failure_at = now
    session.add(row)
    session.commit()
    return wait


def give_back_ip_slot(session: Session, *, ip: str, now: datetime) -> None:
    """The password was right: the slot taken for this attempt was not a failure."""
    ip = address_key(ip)
    if not ip:
        return
    lock_key(session, f"login-ip:{ip}")
    row = _row(session, IP, "", ip, now)
    row.failures = max(0, row.failures - 1)
    session.add(row)


def locked_for(session: Session, *, identifier: str, ip: str, now: datetime) -> int | None:
    """Seconds this identifier stays locked for this address (or for everyone), or None.

    Takes the identifier's lock, held until the caller commits: the check, the password check and
    the count that follows are one step for concurrent guesses at the same email.
    """
    ip = address_key(ip)
    lock_key(session, f"login-id:{identifier}")
    rows = session.exec(
        select(LoginThrottle).where(
            col(LoginThrottle.identifier) == identifier,
            or_(
                col(LoginThrottle.scope) == ACCOUNT,
                and_(col(LoginThrottle.scope) == PAIR, col(LoginThrottle.ip) == ip),
            ),
        )
    ).all()
    ends = [r.locked_until for r in rows if r.locked_until is not None and r.locked_until > now]
    return _seconds_until(max(ends), now) if ends else None


def record_failure(session: Session, *, identifier: str, ip: str, now: datetime) -> datetime | None:
    """Count a wrong password (the caller holds the identifier's lock from `locked_for`).

    Returns the end of a lock this failure started, else None.
    """
    ip = address_key(ip)
    limit = get_settings().login_max_failures
    pair = _row(session, PAIR, identifier, ip, now)
    if pair.last_failure_at is not None and pair.last_failure_at <= now - MEMORY:
        pair.failures, pair.strikes, pair.window_started_at = 0, 0, now
    pair.failures += 1
    pair.last_failure_at = now
    started: datetime | None = None
    if pair.failures >= limit:
        pair.strikes += 1
        pair.failures = 0
        pair.locked_until = started = now + _lock_length(pair.strikes)
    session.add(pair)
    session.flush()
    recent = session.exec(
        select(LoginThrottle).where(
            col(LoginThrottle.scope) == PAIR,
            col(LoginThrottle.identifier) == identifier,
            col(LoginThrottle.last_failure_at) > now - MEMORY,
        )
    ).all()
    # Each address counts for at most one limit: a single address can never lock the account.
    worth = sum(limit if r.strikes > 0 else min(r.failures, limit) for r in recent)
    if worth >= limit * ACCOUNT_LOCK_ADDRESSES:
        account = _row(session, ACCOUNT, identifier, "", now)
        if account.last_failure_at is not None and account.last_failure_at <= now - MEMORY:
            account.strikes = 0
        account.strikes += 1
        account.last_failure_at = now
        account.locked_until = now + _lock_length(account.strikes)
        started = max(started or account.locked_until, account.locked_until)
        session.add(account)
    return started


def record_success(session: Session, *, identifier: str, ip: str, now: datetime) -> None:
    """A right password: this address's count for the identifier starts again, its slot comes back."""
    ip = address_key(ip)
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.scope) == PAIR, col(LoginThrottle.identifier) == identifier, col(LoginThrottle.ip) == ip
        )
    )
    give_back_ip_slot(session, ip=ip, now=now)


def clear_identifier(session: Session, *, identifier: str) -> None:
    """The owner proved the mailbox (a one-time code) or an admin reset it: forget every lock and count."""
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.identifier) == identifier, col(LoginThrottle.scope).in_((PAIR, ACCOUNT))
        )
    )


def prune(session: Session, *, now: datetime) -> int:
    """Delete counters nobody needs any more (nothing recent, no lock running); returns how many.

    Rows for unknown emails accumulate under a spraying attack; a periodic job can call this.
    """
    stale = session.execute(
        delete(LoginThrottle).where(
            or_(col(LoginThrottle.last_failure_at).is_(None), col(LoginThrottle.last_failure_at) <= now - MEMORY),
            or_(col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) <= now),
            col(LoginThrottle.window_started_at) <= now - IP_WINDOW,
        )
    )
    return int(getattr(stale, "rowcount", 0) or 0)
