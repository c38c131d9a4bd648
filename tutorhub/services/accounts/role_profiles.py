"""The role profile row that comes with a student or tutor account.

Every account of those roles has one (created at sign-up, or on first use for older accounts);
the tutor's row is what availability, the public profile and credentials hang off, so the
domains above accounts load it through here instead of through each other.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, StudentProfile, User
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound


def create_role_profile(session: Session, user: User) -> None:
    assert user.id is not None
    if user.role == Role.STUDENT:
        session.add(StudentProfile(user_id=user.id, timezone=user.timezone))
    elif user.role == Role.TUTOR:
        session.add(TutorProfile(user_id=user.id, timezone=user.timezone))


def own_tutor_profile(session: Session, actor: UserOut | None) -> tuple[TutorProfile, User]:
    """The acting tutor's profile row (created on first use), locked for this transaction.

    The row lock (PostgreSQL; SQLite already serializes writers with BEGIN IMMEDIATE) makes a
    tutor's concurrent saves, submits and uploads apply one after another instead of
    interleaving (e.g. two SUBMITTED entries, or duplicate subject rows).
    """
    actor = require_role(actor, Role.TUTOR)
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("Account not found.")
    profile = session.exec(
        select(TutorProfile).where(col(TutorProfile.user_id) == actor.id).with_for_update()
    ).first()
    if profile is None:
        profile = TutorProfile(user_id=actor.id, timezone=user.timezone)
        session.add(profile)
        session.flush()
    return profile, user
