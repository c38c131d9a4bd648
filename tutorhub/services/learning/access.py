"""Who may see a student's learning records: the student, a guardian with an ACTIVE link to them,
and a tutor who has taught or will teach them (a paid, not cancelled lesson). Anyone else gets the
same NotFound as for a missing id, so ids cannot be probed."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.learning import GuardianLink, GuardianLinkStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.services.validation import clean_id

STUDENT, GUARDIAN, TUTOR = "student", "guardian", "tutor"
_TAUGHT = tuple(s for s in BookingStatus.BLOCKING if s != BookingStatus.PENDING_PAYMENT)


def tutor_profile_id(session: Session, user_id: int) -> int | None:
    return session.exec(select(TutorProfile.id).where(col(TutorProfile.user_id) == user_id)).first()


def is_guardian_of(session: Session, guardian_id: int, student_id: int) -> bool:
    return session.exec(select(GuardianLink.id).where(
        col(GuardianLink.guardian_id) == guardian_id, col(GuardianLink.student_id) == student_id,
        col(GuardianLink.status) == GuardianLinkStatus.ACTIVE)).first() is not None


def linked_student_ids(session: Session, guardian_id: int) -> list[int]:
    return list(session.exec(select(GuardianLink.student_id).where(
        col(GuardianLink.guardian_id) == guardian_id, col(GuardianLink.status) == GuardianLinkStatus.ACTIVE)
        .order_by(col(GuardianLink.id))).all())


def teaches(session: Session, tutor_user_id: int, student_id: int) -> bool:
    profile_id = tutor_profile_id(session, tutor_user_id)
    if profile_id is None:
        return False
    return session.exec(select(Booking.id).where(
        col(Booking.tutor_id) == profile_id, col(Booking.student_id) == student_id,
        col(Booking.status).in_(_TAUGHT)).limit(1)).first() is not None


def taught_student_ids(session: Session, tutor_user_id: int) -> list[int]:
    profile_id = tutor_profile_id(session, tutor_user_id)
    if profile_id is None:
        return []
    return list(session.exec(select(Booking.student_id).where(
        col(Booking.tutor_id) == profile_id, col(Booking.status).in_(_TAUGHT)).distinct()).all())


def viewer_role(session: Session, actor: UserOut | None, student_id: int, not_found: str) -> tuple[UserOut, str]:
    """(the actor, how they relate to the student), or NotFound when they do not."""
    user = require_role(actor)
    if user.role == Role.STUDENT and user.id == student_id:
        return user, STUDENT
    if user.role == Role.GUARDIAN and is_guardian_of(session, user.id, student_id):
        return user, GUARDIAN
    if user.role == Role.TUTOR and teaches(session, user.id, student_id):
        return user, TUTOR
    raise NotFound(not_found)


def acting_for(session: Session, actor: UserOut | None, student_id: object) -> tuple[UserOut, int]:
    """A student acting for themselves, or a guardian for a linked child (`student_id` required);
    a child not linked to this guardian is NotFound."""
    user = require_role(actor, Role.STUDENT, Role.GUARDIAN)
    if user.role == Role.STUDENT:
        return user, user.id
    child = clean_id(student_id, "No such student linked to you.")
    if not is_guardian_of(session, user.id, child):
        raise NotFound("No such student linked to you.")
    return user, child


def student_name(session: Session, student_id: int) -> str:
    user = session.get(User, student_id)
    return user.full_name if user else ""
