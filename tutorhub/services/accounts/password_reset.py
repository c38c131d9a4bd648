"""Forgot password: a reset by a 6-digit code sent to the account's email.

- **Ask** (`request_password_reset`): the same answer whether or not an account has the address,
  and about the same work — a code row is stored either way (so the send limits count and answer
  alike), only an existing, active account is emailed. Limited like login codes: per address
  (`otp_sends_per_identifier_per_hour`, all code purposes together) and per network
  (`otp_sends_per_ip_per_hour`).
- **Reset** (`reset_password`): the newest reset code of that address, single use, valid for
  `RESET_TTL_MINUTES` (15), at most `otp_max_attempts` tries (one_time_codes.spend_code). A login
  code never resets a password and a reset code never logs in (`OtpCode.purpose`).
- **After a reset**: the new password is stored, every other reset code of the address is spent,
  every browser session, refresh token and access token of the account is revoked (whoever knew the
  old password is out), password locks on the address end (the code proved the mailbox), and the
  owner is told by email that the password changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.models.accounts import OtpCode, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import login_throttle, one_time_codes, sessions
from tutorhub.services.accounts.one_time_codes import RESET, RESET_TTL_MINUTES
from tutorhub.services.accounts.security import hash_password
from tutorhub.services.errors import InvalidInput, NotAuthenticated
from tutorhub.services.outbox import queue_message
from tutorhub.services.validation import check_fields, normalize_email, validate_password


def request_password_reset(session: Session, *, email: Any, ip: str = "") -> None:
    """Email a reset code to the account with this address, if there is one (the caller cannot tell)."""
    address = normalize_email(email)
    code = one_time_codes.issue_code(session, identifier=address, channel="email", ip=ip, purpose=RESET)
    user = session.exec(select(User).where(col(User.email) == address)).first()
    if user is None or user.is_suspended:
        return
    queue_message(
        session,
        channel="email",
        recipient=address,
        subject="Reset your TutorHub password",
        body=(
            f"Your TutorHub password reset code is {code}. It expires in {RESET_TTL_MINUTES} minutes and works once.\n\n"
            "If you did not ask to reset your password, ignore this email: your password stays as it is."
        ),
    )


def reset_password(session: Session, *, email: Any, code: Any, new_password: Any, now: datetime | None = None) -> None:
    """Set a new password with a reset code; every session and token of the account is revoked."""
    now = now or utcnow()
    values = check_fields([
        ("email", lambda: normalize_email(email)),
        ("new_password", lambda: validate_password(new_password, "new_password")),
        ("code", lambda: _six_digits(code)),
    ])
    address = values["email"]
    one_time_codes.spend_code(session, identifier=address, code=values["code"], purpose=RESET)
    user = session.exec(select(User).where(col(User.email) == address)).first()
    if user is None:  # a code stored for an address with no account was never sent to anyone
        session.commit()
        raise NotAuthenticated("This code is invalid or has expired. Request a new one.",
                               fields={"code": "is invalid or has expired"})
    user.password_hash = hash_password(values["new_password"])
    user.locked_until = None
    session.add(user)
    session.execute(
        update(OtpCode)
        .where(col(OtpCode.identifier) == address, col(OtpCode.purpose) == RESET, col(OtpCode.consumed_at).is_(None))
        .values(consumed_at=now)
    )
    assert user.id is not None
    sessions.revoke_all_sessions(session, user_id=user.id)
    login_throttle.clear_identifier(session, identifier=address)
    queue_message(
        session,
        channel="email",
        recipient=address,
        subject="Your TutorHub password was changed",
        body=(
            "Your TutorHub password was just reset, and every device signed in to your account was signed out.\n\n"
            "If this was not you, reset it again now from the log-in page (\"Forgot password?\") and contact support."
        ),
    )
    session.flush()


def _six_digits(code: Any) -> str:
    text = code.strip() if isinstance(code, str) else ""
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        raise InvalidInput("The code is 6 digits.", fields={"code": "must be the 6 digits we emailed you"})
    return text
