"""Password accounts: sign-up, the admin account, and password login with a lockout.

A wrong password is committed (counter, lockout, login log) before the error is raised, because
the caller's unit of work rolls back on errors.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts.logins import admit, refuse_login
from tutorhub.services.accounts.role_profiles import create_role_profile
from tutorhub.services.accounts.security import hash_password, verify_password
from tutorhub.services.actor import UserOut, to_user_out
from tutorhub.services.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    RateLimited,
)
from tutorhub.services.validation import (
    clean_text,
    fail_fields,
    normalize_email,
    validate_password,
    validate_timezone,
)
from tutorhub.settings import get_settings


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
    create_role_profile(session, user)
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
    refuse = partial(refuse_login, session, identifier=address, method="password", ip=ip, user_agent=user_agent)
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
    return admit(session, user, identifier=address, method="password", ip=ip, user_agent=user_agent)
