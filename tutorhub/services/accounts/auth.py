"""Accounts and authentication: passwords, browser sessions, JWT + refresh tokens, one-time codes.

Failures that must be remembered (a wrong password, a wrong code) are committed before the
error is raised, because the caller's unit of work rolls back on errors.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import partial
from typing import Any

import jwt
from pydantic import BaseModel
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import lock_key
from tutorhub.integrations.messaging import get_sender
from tutorhub.models.accounts import (
    AuthSession,
    LoginEvent,
    OtpCode,
    RefreshToken,
    Role,
    StudentProfile,
    User,
)
from tutorhub.models.base import utcnow
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.security import (
    hash_otp,
    hash_password,
    hash_token,
    new_otp_code,
    new_token,
    verify_password,
)
from tutorhub.services.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    RateLimited,
)
from tutorhub.services.validation import (
    clean_text,
    fail,
    fail_fields,
    normalize_email,
    normalize_phone,
    validate_password,
    validate_timezone,
)
from tutorhub.settings import get_settings

JWT_ALGORITHM = "HS256"


class UserOut(BaseModel):
    """What any layer may know about the signed-in user (never a hash or token)."""

    id: int
    email: str | None
    phone: str | None
    full_name: str
    role: str
    timezone: str


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class LoginEventOut(BaseModel):
    id: int
    user_id: int | None
    identifier: str
    method: str
    success: bool
    reason: str
    ip: str
    user_agent: str
    created_at: str


def _rowcount(result: Any) -> int:
    """Rows matched by an UPDATE (used for race-free single-use checks)."""
    return int(getattr(result, "rowcount", 0))


def to_user_out(user: User) -> UserOut:
    assert user.id is not None
    return UserOut(
        id=user.id,
        email=user.email,
        phone=user.phone,
        full_name=user.full_name,
        role=user.role,
        timezone=user.timezone,
    )


def require_role(user: UserOut | None, *roles: str) -> UserOut:
    """The signed-in user, if they have one of `roles`; otherwise a 401/403 error."""
    if user is None:
        raise NotAuthenticated("Please log in first.")
    if roles and user.role not in roles:
        raise Forbidden("You do not have access to this.")
    return user


def _record_login(
    session: Session,
    *,
    user_id: int | None,
    identifier: str,
    method: str,
    success: bool,
    reason: str = "",
    ip: str = "",
    user_agent: str = "",
) -> None:
    session.add(
        LoginEvent(
            user_id=user_id,
            identifier=identifier[:254],
            method=method,
            success=success,
            reason=reason,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )


def _refuse_login(
    session: Session, user_id: int | None, reason: str, *, identifier: str, method: str, ip: str, user_agent: str
) -> None:
    """Log a failed attempt and commit it now: the caller's unit of work rolls back on the error raised next."""
    _record_login(
        session,
        user_id=user_id,
        identifier=identifier,
        method=method,
        success=False,
        reason=reason,
        ip=ip,
        user_agent=user_agent,
    )
    session.commit()


def _admit(session: Session, user: User, *, identifier: str, method: str, ip: str, user_agent: str) -> UserOut:
    """A successful login: clear the lockout counters and log it."""
    user.failed_login_count = 0
    user.locked_until = None
    session.add(user)
    _record_login(
        session, user_id=user.id, identifier=identifier, method=method, success=True, ip=ip, user_agent=user_agent
    )
    session.flush()
    return to_user_out(user)


def _create_role_profile(session: Session, user: User) -> None:
    assert user.id is not None
    if user.role == Role.STUDENT:
        session.add(StudentProfile(user_id=user.id, timezone=user.timezone))
    elif user.role == Role.TUTOR:
        session.add(TutorProfile(user_id=user.id, timezone=user.timezone))


def register(
    session: Session,
    *,
    email: Any,
    password: Any,
    full_name: Any,
    role: Any,
    timezone: Any = "UTC",
) -> UserOut:
    """Create a student or tutor account (admins are created by command)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, check in (
        ("email", lambda: normalize_email(email)),
        ("password", lambda: validate_password(password)),
        ("full_name", lambda: clean_text(full_name, "full_name", max_len=120, required=True)),
        ("timezone", lambda: validate_timezone(timezone or "UTC")),
    ):
        try:
            values[field] = check()
        except InvalidInput as exc:
            errors.update(exc.fields)
    if role not in Role.SELF_SERVICE:
        errors["role"] = "must be 'student' or 'tutor'"
    if errors:
        raise fail_fields(errors)
    if session.exec(select(User).where(col(User.email) == values["email"])).first():
        raise Conflict("An account with this email already exists.", fields={"email": "is already registered"})
    user = User(
        email=values["email"],
        full_name=values["full_name"],
        role=role,
        password_hash=hash_password(values["password"]),
        timezone=values["timezone"],
    )
    try:
        # The unique index is the real guard: two sign-ups racing on one email both pass the
        # check above, and the loser must get a 409, not a database error.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.", fields={"email": "is already registered"}) from exc
    _create_role_profile(session, user)
    session.flush()
    return to_user_out(user)


def create_admin(session: Session, *, email: Any, password: Any, full_name: Any = "Administrator") -> UserOut:
    """Create an admin, or reset the password of an existing admin with that email."""
    address = normalize_email(email)
    secret = validate_password(password)
    name = clean_text(full_name, "full_name", max_len=120, required=True)
    user = session.exec(select(User).where(col(User.email) == address)).first()
    if user is not None and user.role != Role.ADMIN:
        raise Conflict("That email belongs to a non-admin account.")
    if user is None:
        user = User(email=address, full_name=name, role=Role.ADMIN)
    user.password_hash = hash_password(secret)
    user.failed_login_count = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    return to_user_out(user)


def authenticate_password(
    session: Session, *, email: Any, password: Any, ip: str = "", user_agent: str = ""
) -> UserOut:
    """Check email + password, with a lockout after repeated failures."""
    settings = get_settings()
    try:
        address = normalize_email(email)
    except InvalidInput as exc:
        raise NotAuthenticated("Wrong email or password.") from exc
    if not isinstance(password, str) or len(password) > 128:
        raise NotAuthenticated("Wrong email or password.")
    # Row lock: concurrent wrong guesses must each count toward the lockout (PostgreSQL).
    user = session.exec(select(User).where(col(User.email) == address).with_for_update()).first()
    refuse = partial(_refuse_login, session, identifier=address, method="password", ip=ip, user_agent=user_agent)
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        refuse(user.id, "locked")
        raise RateLimited(
            f"Too many failed attempts. This account is locked for {minutes} more minute(s); "
            "you can also log in with a one-time code.",
            retry_after_seconds=minutes * 60,
        )
    if user is None or not verify_password(user.password_hash, password):
        if user is not None:
            user.failed_login_count += 1
            if user.failed_login_count >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_login_count = 0
            session.add(user)
        refuse(user.id if user else None, "bad_credentials")
        raise NotAuthenticated("Wrong email or password.")
    if user.is_suspended:
        refuse(user.id, "suspended")
        raise Forbidden("This account is suspended. Contact support.")
    return _admit(session, user, identifier=address, method="password", ip=ip, user_agent=user_agent)


# --- browser sessions -------------------------------------------------------------------------


def create_browser_session(session: Session, *, user_id: int, ip: str = "", user_agent: str = "") -> str:
    """Start a server-side session; returns the raw token (only its hash is stored)."""
    token = new_token()
    session.add(
        AuthSession(
            user_id=user_id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=get_settings().session_ttl_days),
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return token


def resolve_session(session: Session, token: Any) -> UserOut | None:
    """The user behind a browser session token, or None if it is unknown/expired/revoked."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    # One round trip: every Reflex unit of work re-checks its actor here (measured as the largest
    # single cost of live chat updates under 200 clients when it was two queries).
    found = session.exec(
        select(AuthSession, User)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(col(AuthSession.token_hash) == hash_token(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or user.is_suspended:
        return None
    return to_user_out(user)


def logout(session: Session, token: Any) -> None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return
    session.execute(
        update(AuthSession)
        .where(col(AuthSession.token_hash) == hash_token(token), col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def logout_everywhere(session: Session, *, user_id: int) -> None:
    """Revoke every browser session, refresh token and access token of the user."""
    now = utcnow()
    session.execute(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.execute(update(User).where(col(User.id) == user_id).values(token_version=col(User.token_version) + 1))


def count_active_sessions(session: Session, *, user_id: int) -> int:
    now = utcnow()
    query = (
        select(func.count())
        .select_from(AuthSession)
        .where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > now,
        )
    )
    return int(session.exec(query).one())


# --- API tokens ------------------------------------------------------------------------------


def issue_tokens(session: Session, *, user_id: int, family: str | None = None) -> TokenPair:
    """A short-lived JWT access token plus an opaque, single-use refresh token."""
    settings = get_settings()
    user = session.get(User, user_id)
    if user is None:
        raise NotAuthenticated("Unknown user.")
    now = utcnow()
    ttl = timedelta(minutes=settings.access_token_ttl_minutes)
    claims = {
        "sub": str(user_id),
        "role": user.role,
        "ver": user.token_version,
        "type": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_hex(8),
    }
    access = jwt.encode(claims, settings.secret_key, algorithm=JWT_ALGORITHM)
    refresh = new_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            token_hash=hash_token(refresh),
            family=family or secrets.token_hex(16),
            expires_at=now + timedelta(days=settings.refresh_token_ttl_days),
        )
    )
    session.flush()
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=int(ttl.total_seconds()))


def rotate_refresh_token(session: Session, *, refresh_token: Any) -> TokenPair:
    """Spend a refresh token for a new pair; replaying a spent token revokes its whole family."""
    if not isinstance(refresh_token, str) or not refresh_token or len(refresh_token) > 200:
        raise NotAuthenticated("Invalid refresh token.")
    row = session.exec(select(RefreshToken).where(col(RefreshToken.token_hash) == hash_token(refresh_token))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated("Invalid refresh token.")
    spent = session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    if _rowcount(spent) != 1:
        session.execute(update(RefreshToken).where(col(RefreshToken.family) == row.family).values(revoked_at=now))
        session.commit()
        raise NotAuthenticated("Refresh token already used; please log in again.")
    user = session.get(User, row.user_id)
    if user is None or user.is_suspended:
        raise NotAuthenticated("Invalid refresh token.")
    return issue_tokens(session, user_id=row.user_id, family=row.family)


def revoke_refresh_family(session: Session, *, refresh_token: Any) -> bool:
    """Log out one API client: revoke this refresh token and every token rotated from the same login.

    Idempotent and silent about unknown tokens (returns whether anything was revoked), so a
    client can always call it on sign-out. Access tokens already issued expire on their own.
    """
    if not isinstance(refresh_token, str) or not refresh_token or len(refresh_token) > 200:
        return False
    row = session.exec(select(RefreshToken).where(col(RefreshToken.token_hash) == hash_token(refresh_token))).first()
    if row is None:
        return False
    revoked = session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family) == row.family, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return _rowcount(revoked) > 0


def user_from_access_token(session: Session, token: Any) -> UserOut:
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise NotAuthenticated("Missing or invalid access token.")
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("Access token expired; refresh it.") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("Missing or invalid access token.") from exc
    if claims.get("type") != "access":
        raise NotAuthenticated("Missing or invalid access token.")
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise NotAuthenticated("Missing or invalid access token.") from exc
    user = session.get(User, user_id)
    if user is None or user.is_suspended or claims.get("ver") != user.token_version:
        raise NotAuthenticated("Access token revoked; please log in again.")
    return to_user_out(user)


# --- one-time codes --------------------------------------------------------------------------


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


def request_otp(session: Session, *, email: Any = None, phone: Any = None, ip: str = "") -> str:
    """Send a 6-digit login code; returns the channel used. Limited per identifier and per IP.

    The same answer is given whether or not an account exists (no account enumeration); a
    first successful code for an unknown identifier creates a student account.
    """
    settings = get_settings()
    identifier, channel = _otp_identifier(email, phone)
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
    session.add(
        OtpCode(
            identifier=identifier,
            channel=channel,
            code_hash=hash_otp(identifier, code),
            ip=ip[:64],
            created_at=now,
            expires_at=now + timedelta(minutes=settings.otp_ttl_minutes),
        )
    )
    get_sender().send(
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
) -> UserOut:
    """Check a code (single use, 5 attempts, 10-minute expiry) and return the user it logs in."""
    settings = get_settings()
    identifier, channel = _otp_identifier(email, phone)
    if not isinstance(code, str) or not code.strip().isdigit() or len(code.strip()) != 6:
        raise InvalidInput("The code is 6 digits.", fields={"code": "must be 6 digits"})
    code = code.strip()
    refuse = partial(_refuse_login, session, identifier=identifier, method="otp", ip=ip, user_agent=user_agent)
    now = utcnow()
    row = session.exec(
        select(OtpCode)
        .where(col(OtpCode.identifier) == identifier, col(OtpCode.consumed_at).is_(None), col(OtpCode.expires_at) > now)
        .order_by(col(OtpCode.created_at).desc(), col(OtpCode.id).desc())
    ).first()
    if row is None:
        refuse(None, "no_code")
        raise NotAuthenticated("This code is invalid or has expired. Request a new one.")
    attempts_before = row.attempts
    counted = session.execute(
        update(OtpCode)
        .where(col(OtpCode.id) == row.id, col(OtpCode.attempts) < settings.otp_max_attempts)
        .values(attempts=col(OtpCode.attempts) + 1)
    )
    if _rowcount(counted) != 1:
        session.commit()
        raise RateLimited("Too many wrong attempts for this code. Request a new code.")
    if row.code_hash != hash_otp(identifier, code):
        left = settings.otp_max_attempts - (attempts_before + 1)
        refuse(None, "bad_code")
        if left <= 0:
            raise RateLimited("Too many wrong attempts for this code. Request a new code.")
        raise NotAuthenticated(f"Wrong code. {left} attempt(s) left.")
    consumed = session.execute(
        update(OtpCode).where(col(OtpCode.id) == row.id, col(OtpCode.consumed_at).is_(None)).values(consumed_at=now)
    )
    if _rowcount(consumed) != 1:
        raise NotAuthenticated("This code was already used. Request a new one.")
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
        _create_role_profile(session, user)
    if user.is_suspended:
        session.commit()
        raise Forbidden("This account is suspended. Contact support.")
    return _admit(session, user, identifier=identifier, method="otp", ip=ip, user_agent=user_agent)


# --- admin views -----------------------------------------------------------------------------


def list_login_events(
    session: Session, *, actor: UserOut | None, page: int = 1, per_page: int = 50
) -> tuple[list[LoginEventOut], int]:
    require_role(actor, Role.ADMIN)
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= 100_000:
        # Bounded: an OFFSET past 2**63 is a database error (500), not an empty page.
        raise fail("page", "must be a whole number between 1 and 100000")
    total = int(session.exec(select(func.count()).select_from(LoginEvent)).one())
    rows = session.exec(
        select(LoginEvent)
        .order_by(col(LoginEvent.created_at).desc(), col(LoginEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return (
        [
            LoginEventOut(
                id=r.id or 0,
                user_id=r.user_id,
                identifier=r.identifier,
                method=r.method,
                success=r.success,
                reason=r.reason,
                ip=r.ip,
                user_agent=r.user_agent,
                created_at=r.created_at.isoformat(),
            )
            for r in rows
        ],
        total,
    )


def get_user(session: Session, user_id: int) -> UserOut | None:
    user = session.get(User, user_id)
    return to_user_out(user) if user else None
