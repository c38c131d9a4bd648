"""Log in with a 6-digit code sent by email or SMS (and sign up that way: a first code for an
unknown identifier creates a student account).

Sends are limited per identifier (`otp_sends_per_identifier_per_hour`, 5: what protects a person's
inbox and phone) and per network address (`otp_sends_per_ip_per_hour`, 200 by default: a whole
school or office behind one NAT must be able to sign in; it only stops one address flooding
everyone; IPv6 counted by /64 like the login throttle); a code is single use, expires, and allows a few
attempts. Wrong attempts are committed before the error is raised, because the caller's unit of
work rolls back on errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tutorhub.db import lock_key, rows_matched
from tutorhub.models.accounts import OtpCode, Role, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import login_throttle
from tutorhub.services.accounts.logins import admit, refuse_login
from tutorhub.services.accounts.role_profiles import create_role_profile
from tutorhub.services.accounts.security import hash_otp, new_otp_code
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, RateLimited
from tutorhub.services.outbox import queue_message
from tutorhub.services.validation import normalize_email, normalize_phone
from tutorhub.settings import get_settings

LOGIN, RESET = "login", "reset"  # what a code is for (OtpCode.purpose); a code works only for its own
RESET_TTL_MINUTES = 15


def _otp_identifier(email: Any, phone: Any) -> tuple[str, str]:
    has_email = email not in (None, "")
    has_phone = phone not in (None, "")
    if has_email == has_phone:
        raise InvalidInput(
            "Give either an email or a phone number.", fields={"identifier": "give either an email or a phone number"}
        )
    if has_email:
        return normalize_email(email), "email"
    return normalize_phone(phone), "sms"


def issue_code(session: Session, *, identifier: str, channel: str, ip: str, purpose: str = LOGIN) -> str:
    """Store a new code for `identifier` and return it (the caller delivers it), within the send limits.

    The per-identifier limit counts every purpose together (one inbox, one budget); the per-address
    limit counts every identifier (`otp_sends_per_ip_per_hour`, sized for a shared network)."""
    settings = get_settings()
    ip = login_throttle.address_key(ip)  # an IPv6 host holds a whole /64: count it as one address
    # Count-then-insert must not interleave, or parallel requests would exceed the send limits.
    lock_key(session, f"otp:{identifier}")
    if ip:
        lock_key(session, f"otp-ip:{ip}")
    hour_ago = utcnow() - timedelta(hours=1)
    per_identifier = session.exec(
        select(func.count())
        .select_from(OtpCode)
        .where(col(OtpCode.identifier) == identifier, col(OtpCode.created_at) > hour_ago)
    ).one()
    if per_identifier >= settings.otp_sends_per_identifier_per_hour:
        raise RateLimited("Too many codes requested for this address. Try again in an hour.", retry_after_seconds=3600)
    if ip:
        per_ip = session.exec(
            select(func.count()).select_from(OtpCode).where(col(OtpCode.ip) == ip, col(OtpCode.created_at) > hour_ago)
        ).one()
        if per_ip >= settings.otp_sends_per_ip_per_hour:
            raise RateLimited("Too many codes requested from this network. Try again later.", retry_after_seconds=3600)
    code = new_otp_code()
    now = utcnow()
    ttl = settings.otp_ttl_minutes if purpose == LOGIN else RESET_TTL_MINUTES
    session.add(
        OtpCode(
            identifier=identifier,
            channel=channel,
            purpose=purpose,
            code_hash=hash_otp(f"{purpose}:{identifier}" if purpose != LOGIN else identifier, code),
            ip=ip[:64],
            created_at=now,
            expires_at=now + timedelta(minutes=ttl),
        )
    )
    session.flush()
    return code


def spend_code(session: Session, *, identifier: str, code: Any, purpose: str = LOGIN,
               refuse: Callable[[str], None] | None = None) -> None:
    """Accept `code` for `identifier` once: the newest live code of that purpose, at most
    `otp_max_attempts` tries (each wrong one committed before the error), then it is spent.

    401 for a wrong, expired or spent code (`fields["code"]` says which), 429 once the tries are used
    up, 422 for something that is not 6 digits. `refuse(reason)` records a refusal (and commits)."""
    settings = get_settings()
    if not isinstance(code, str) or not re.fullmatch(r"[0-9]{6}", code.strip()):
        raise InvalidInput("The code is 6 digits.", fields={"code": "must be 6 digits"})
    code = code.strip()
    now = utcnow()

    def refused(reason: str) -> None:
        if refuse is not None:
            refuse(reason)
        else:
            session.commit()

    row = session.exec(
        select(OtpCode)
        .where(col(OtpCode.identifier) == identifier, col(OtpCode.purpose) == purpose,
               col(OtpCode.consumed_at).is_(None), col(OtpCode.expires_at) > now)
        .order_by(col(OtpCode.created_at).desc(), col(OtpCode.id).desc())
    ).first()
    if row is None:
        refused("no_code")
        raise NotAuthenticated("This code is invalid or has expired. Request a new one.",
                               fields={"code": "is invalid or has expired"})
    attempts_before = row.attempts
    counted = session.execute(
        update(OtpCode)
        .where(col(OtpCode.id) == row.id, col(OtpCode.attempts) < settings.otp_max_attempts)
        .values(attempts=col(OtpCode.attempts) + 1)
    )
    if rows_matched(counted) != 1:
        session.commit()
        raise RateLimited("Too many wrong attempts for this code. Request a new code.")
    if row.code_hash != hash_otp(f"{purpose}:{identifier}" if purpose != LOGIN else identifier, code):
        left = settings.otp_max_attempts - (attempts_before + 1)
        refused("bad_code")
        if left <= 0:
            raise RateLimited("Too many wrong attempts for this code. Request a new code.")
        raise NotAuthenticated(f"Wrong code. {left} attempt(s) left.", fields={"code": f"is wrong ({left} left)"})
    consumed = session.execute(
        update(OtpCode).where(col(OtpCode.id) == row.id, col(OtpCode.consumed_at).is_(None)).values(consumed_at=now)
    )
    if rows_matched(consumed) != 1:
        raise NotAuthenticated("This code was already used. Request a new one.", fields={"code": "was already used"})


def request_otp(session: Session, *, email: Any = None, phone: Any = None, ip: str = "") -> str:
    """Send a 6-digit login code; returns the channel used. Limited per identifier and per IP.

    The same answer is given whether or not an account exists (no account enumeration); a
    first successful code for an unknown identifier creates a student account.
    """
    settings = get_settings()
    identifier, channel = _otp_identifier(email, phone)
    code = issue_code(session, identifier=identifier, channel=channel, ip=ip)
    queue_message(
        session,
        channel=channel,
        recipient=identifier,
        subject="Your TutorHub login code",
        body=f"Your TutorHub login code is {code}. It expires in {settings.otp_ttl_minutes} minutes.",
    )
    session.flush()
    return channel


def verify_otp(
    session: Session,
    *,
    code: Any,
    email: Any = None,
    phone: Any = None,
    ip: str = "",
    user_agent: str = "",
    device_id: str = "",
) -> UserOut:
    """Check a code (single use, 5 attempts, 10-minute expiry) and return the user it logs in."""
    identifier, channel = _otp_identifier(email, phone)
    refuse = partial(refuse_login, session, identifier=identifier, method="otp", ip=ip, user_agent=user_agent,
                     device_id=device_id)
    spend_code(session, identifier=identifier, code=code, refuse=lambda reason: refuse(None, reason))
    column = col(User.email) if channel == "email" else col(User.phone)
    user = session.exec(select(User).where(column == identifier)).first()
    if user is None:
        user = User(
            email=identifier if channel == "email" else None,
            phone=identifier if channel == "sms" else None,
            full_name=identifier.split("@")[0][:120] if channel == "email" else "New student",
            role=Role.STUDENT,
        )
        session.add(user)
        session.flush()
        create_role_profile(session, user)
    if user.is_suspended:
        session.commit()
        raise Forbidden("This account is suspended. Contact support.")
    # The code proved the mailbox: password locks on this address end (login_throttle.py's policy).
    login_throttle.clear_identifier(session, identifier=identifier)
    return admit(session, user, identifier=identifier, method="otp", ip=ip, user_agent=user_agent,
                 device_id=device_id)
