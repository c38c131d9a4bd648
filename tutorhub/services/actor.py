"""The acting user every use case authorizes against, and the role check.

Each service takes `actor: UserOut | None` (None = nobody signed in) and calls `require_role`
before it reads or writes anything; the states and API routes resolve the actor (browser session
or access token) and pass it down unchanged.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import User
from tutorhub.services.errors import Forbidden, NotAuthenticated


class UserOut(BaseModel):
    """What any layer may know about the signed-in user (never a hash or token)."""

    id: int
    email: str | None
    phone: str | None
    full_name: str
    role: str
    timezone: str
    display_currency: str = ""  # "" = never chosen (services/currency.effective_display_currency guesses)


def to_user_out(user: User) -> UserOut:
    assert user.id is not None
    return UserOut(
        id=user.id,
        email=user.email,
        phone=user.phone,
        full_name=user.full_name,
        role=user.role,
        timezone=user.timezone,
        display_currency=user.display_currency,
    )


def require_role(user: UserOut | None, *roles: str) -> UserOut:
    """The signed-in user, if they have one of `roles` (any role when none is given); otherwise a 401/403 error."""
    if user is None:
        raise NotAuthenticated("Please log in first.")
    if roles and user.role not in roles:
        raise Forbidden("You do not have access to this.")
    return user


def get_user(session: Session, user_id: int) -> UserOut | None:
    user = session.get(User, user_id)
    return to_user_out(user) if user else None
