"""API credentials: short-lived JWT access tokens and opaque, single-use, rotating refresh tokens.

A refresh token replayed after it was spent revokes its whole family (every token rotated from the
same login): the replay means it was stolen. Bumping the user's token version revokes every access
token at once (log out everywhere, suspension).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import jwt
from pydantic import BaseModel
from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.models.accounts import RefreshToken, User
from tutorhub.models.base import utcnow
from tutorhub.services.accounts.security import hash_token, new_token
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import NotAuthenticated
from tutorhub.settings import get_settings

JWT_ALGORITHM = "HS256"


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


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
    if rows_matched(spent) != 1:
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
    return rows_matched(revoked) > 0


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
    # Checked against the database on every request, so a suspension or a bumped token version
    # (log out everywhere) takes effect at once; a plain column read, no ORM instance (the hot path
    # of every API call).
    row = session.connection().execute(_USER_BY_ID, {"id": user_id}).first()
    if row is None or row.is_suspended or claims.get("ver") != row.token_version:
        raise NotAuthenticated("Access token revoked; please log in again.")
    return UserOut(id=row.id, email=row.email, phone=row.phone, full_name=row.full_name, role=row.role,
                   timezone=row.timezone, display_currency=row.display_currency)


_USER_BY_ID = sa_select(
    col(User.id), col(User.email), col(User.phone), col(User.full_name), col(User.role), col(User.timezone),
    col(User.display_currency), col(User.is_suspended), col(User.token_version),
).where(col(User.id) == bindparam("id"))
