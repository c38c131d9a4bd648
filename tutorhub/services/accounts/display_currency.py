"""A user's display currency: prices everywhere are shown converted into it ("≈ €23", beside the
listing's own price). Guessed at sign-up from the browser (services/currency.guess_display_currency),
changed on /account. Only the user themself changes it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from tutorhub.models.accounts import User
from tutorhub.services.actor import UserOut, require_role, to_user_out
from tutorhub.services.errors import NotFound
from tutorhub.services.validation import validate_currency


def set_display_currency(session: Session, *, actor: UserOut | None, currency: Any) -> UserOut:
    """The signed-in user's display currency, one of the accepted currencies."""
    me = require_role(actor)
    code = validate_currency(currency, "display_currency")
    user = session.get(User, me.id)
    if user is None:
        raise NotFound("Account not found.")
    user.display_currency = code
    session.add(user)
    session.flush()
    return to_user_out(user)
