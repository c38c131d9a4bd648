"""Where a conversation is reached from: the admin's support form, a tutor's profile ("Message
tutor") and the lesson page (the in-lesson chat). The rules of conversations.py apply: admins open support
threads but never read private student–tutor conversations; the lesson and profile lookups answer
only for the pair itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking
from tutorhub.models.chat import Conversation, ConversationKind
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput
from tutorhub.services.messaging.conversations import (
    ensure,
    ensure_pair_conversation,
    get_conversation,
    join,
    pair_key,
    support_key,
)
from tutorhub.services.messaging.views import ConversationOut
from tutorhub.services.validation import clean_int, fail, normalize_email


def open_support_conversation(session: Session, *, actor: UserOut | None, email: Any = None,
                              user_id: Any = None, now: datetime | None = None) -> ConversationOut:
    """An admin opens (or reopens) the support thread with a student or tutor, by email or id."""
    admin = require_role(actor, Role.ADMIN)
    if user_id is not None and user_id != "":
        target = session.get(User, clean_int(user_id, "user_id", minimum=1))
        field = "user_id"
    else:
        target = session.exec(select(User).where(col(User.email) == normalize_email(email))).first()
        field = "email"
    if target is None or target.id is None:
        raise fail(field, "no user with this address" if field == "email" else "no such user")
    if target.role not in (Role.STUDENT, Role.TUTOR):
        raise fail(field, "support conversations are for students and tutors")
    now = now or utcnow()
    is_student = target.role == Role.STUDENT
    cid = ensure(session, kind=ConversationKind.SUPPORT, key=support_key(target.id),
                  student_id=target.id if is_student else None, tutor_user_id=None if is_student else target.id,
                  now=now)
    join(session, cid, target.id, "user", now)
    join(session, cid, admin.id, "admin", now)
    return get_conversation(session, actor=admin, conversation_id=cid)


def conversation_with_tutor(session: Session, *, actor: UserOut | None, tutor_id: Any) -> int | None:
    """The signed-in student's conversation with this tutor (by profile id), if they have one."""
    if actor is None or actor.role != Role.STUDENT:
        return None
    try:
        profile = session.get(TutorProfile, clean_int(tutor_id, "tutor_id", minimum=1))
    except InvalidInput:
        return None
    if profile is None:
        return None
    return session.exec(select(Conversation.id).where(
        col(Conversation.pair_key) == pair_key(actor.id, profile.user_id))).first()


def lesson_conversation(session: Session, *, actor: UserOut | None, booking_id: Any) -> ConversationOut | None:
    """The pair's conversation for a lesson page, for the lesson's student or tutor only (created
    on first use for lessons booked before chat existed); None for anyone else, admins included."""
    if actor is None:
        return None
    try:
        booking = session.get(Booking, clean_int(booking_id, "booking_id", minimum=1))
    except InvalidInput:
        return None
    profile = session.get(TutorProfile, booking.tutor_id) if booking is not None else None
    if booking is None or profile is None or actor.id not in (booking.student_id, profile.user_id):
        return None
    cid = ensure_pair_conversation(session, student_id=booking.student_id, tutor_user_id=profile.user_id)
    return get_conversation(session, actor=actor, conversation_id=cid)
