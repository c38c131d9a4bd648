"""Password accounts: sign-up, the admin account, and password login with throttles and locks
(the policy is in login_throttle.py).

A wrong password is committed (counter, lockout, login log) before the error is raised, because
the caller's unit of work rolls back on errors.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts import login_throttle
from tutorhub.services.accounts.logins import admit, refuse_login
from tutorhub.services.accounts.role_profiles import create_role_profile
from tutorhub.services.accounts.security import hash_password, verify_password
from tutorhub.services.actor import UserOut, to_user_out
from tutorhub.services.currency import guess_display_currency
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
    validate_currency,
    validate_password,
    validate_timezone,
)


def register(
    session: Session,
    *,
    email: Any,
    password: Any,
    full_name: Any,
    role: Any,
    timezone: Any = "UTC",
    display_currency: Any = None,
    locale: Any = "",
) -> UserOut:
    """Create a student or tutor account (admins are created by command). `display_currency` is what
    the sign-up form showed (prefilled from the browser, editable) and must be an accepted currency;
    left out, it is guessed here from `locale` (the browser's language tag, a hint only) and the
    timezone, so a client without the script still gets a sensible currency."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, check in (
        ("email", lambda: normalize_email(email)),
        ("password", lambda: validate_password(password)),
        ("full_name", lambda: clean_text(full_name, "full_name", max_len=120, required=True)),
        ("timezone", lambda: validate_timezone(timezone or "UTC")),
        ("display_currency", lambda: validate_currency(display_currency, "display_currency")
         if display_currency not in (None, "") else ""),
    ):
        try:
            values[field] = check()
        except InvalidInput as exc:
            errors.update(exc.fields)
    if role not in Role.SELF_SERVICE:
        errors["role"] = "must be 'student', 'tutor' or 'guardian'"
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
        display_currency=values["display_currency"] or guess_display_currency(locale, values["timezone"]),
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
    login_throttle.clear_identifier(session, identifier=address)
    session.add(user)
    session.flush()
    return to_user_out(user)


WRONG_CREDENTIALS = "Wrong email or password."


def _usable_password(password: Any) -> bool:
    """Text that could be someone's password: at most 128 characters, no lone surrogates.

    Anything else is refused at once, the same way for every email and without counting: it
    cannot be guessing anybody's password.
    """
    if not isinstance(password, str) or len(password) > 128:
        return False
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def authenticate_password(
    session: Session,
    *,
    email: Any,
    password: Any,
    ip: str = "",
    user_agent: str = "",
    device_id: str = "",
    now: datetime | None = None,
) -> UserOut:
    """Check email + password, throttled per address and locked per email (login_throttle.py).

    Every answer reads the same whether or not an account has the email: an unknown email costs
    one argon2 verify against a dummy hash, and its failures count and lock like a real account's.
    """
    moment = now or utcnow()
    try:
        address = normalize_email(email)
    except InvalidInput as exc:
        raise NotAuthenticated(WRONG_CREDENTIALS) from exc
    if not _usable_password(password):
        raise NotAuthenticated(WRONG_CREDENTIALS)
    refuse = partial(refuse_login, session, identifier=address, method="password", ip=ip, user_agent=user_agent,
                     device_id=device_id)
    wait = login_throttle.take_ip_slot(session, ip=ip, now=moment)
    if wait is not None:
        refuse(None, "ip_throttled")
        raise RateLimited(
            f"Too many failed logins from your network. Try again in {wait // 60} minute(s), "
            "or log in with a one-time code.",
            retry_after_seconds=wait,
        )
    wait = login_throttle.locked_for(session, identifier=address, ip=ip, now=moment)
    user = session.exec(select(User).where(col(User.email) == address)).first()
    if wait is not None:
        refuse(user.id if user else None, "locked")
        raise RateLimited(
            f"Too many failed attempts. This account is locked for {wait // 60} more minute(s); "
            "you can also log in with a one-time code.",
            retry_after_seconds=wait,
        )
    if not verify_password(user.password_hash if user else None, password) or user is None:
        lock_ends = login_throttle.record_failure(session, identifier=address, ip=ip, now=moment)
        if user is not None and lock_ends is not None:
            user.locked_until = lock_ends  # shown to admins; login_throttles decides
            session.add(user)
        refuse(user.id if user else None, "bad_credentials")
        raise NotAuthenticated(WRONG_CREDENTIALS)
    login_throttle.record_success(session, identifier=address, ip=ip, now=moment)
    if user.is_suspended:
        refuse(user.id, "suspended")
        raise Forbidden("This account is suspended. Contact support.")
    return admit(session, user, identifier=address, method="password", ip=ip, user_agent=user_agent,
                 device_id=device_id)
