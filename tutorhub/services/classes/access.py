"""Loading a class for a caller: the acting approved tutor, a class by id, the class as its own tutor.

A stranger asking for someone else's class gets 404 (ids cannot be probed), a non-tutor 403.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.classes import ClassSession, GroupClass
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Forbidden, NotFound
from tutorhub.services.validation import clean_id


def approved_tutor(session: Session, actor: UserOut | None) -> TutorProfile:
    """The acting tutor's profile; 403 unless approved and not suspended."""
    user = require_role(actor, Role.TUTOR)
    profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).first()
    account = session.get(User, user.id)
    if profile is None or profile.status != TutorStatus.APPROVED or account is None or account.is_suspended:
        raise Forbidden("Only approved tutors can run classes.")
    return profile


def load_class(session: Session, class_id: Any, *, lock: bool = False) -> GroupClass:
    cid = clean_id(class_id, "No such class.")
    query = select(GroupClass).where(col(GroupClass.id) == cid)
    if lock:
        query = query.with_for_update()
    cls = session.exec(query).first()
    if cls is None:
        raise NotFound("No such class.")
    return cls


def owned_class(session: Session, actor: UserOut | None, class_id: Any) -> tuple[GroupClass, TutorProfile]:
    """The class, if the actor is its tutor: a stranger gets 404 (ids cannot be probed), a student 403."""
    user = require_role(actor, Role.TUTOR, Role.STUDENT, Role.ADMIN)
    cid = clean_id(class_id, "No such class.")
    if user.role != Role.TUTOR:
        raise Forbidden("Only the class's tutor can do this.")
    profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).first()
    cls = session.get(GroupClass, cid)
    if cls is None or profile is None or cls.tutor_id != profile.id:
        raise NotFound("No such class.")
    return cls, profile


def class_sessions(session: Session, class_id: int) -> list[ClassSession]:
    return list(session.exec(select(ClassSession).where(col(ClassSession.class_id) == class_id)
                             .order_by(col(ClassSession.seq))).all())


def is_class_owner(session: Session, cls: GroupClass, viewer: UserOut | None) -> bool:
    """Whether `viewer` is the tutor who runs `cls` (drafts are visible to them only)."""
    if viewer is None or viewer.role != Role.TUTOR:
        return False
    return session.exec(select(TutorProfile.user_id).where(col(TutorProfile.id) == cls.tutor_id)).first() == viewer.id
