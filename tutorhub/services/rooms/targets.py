"""Which room a caller asks for, and whether they belong in it.

A lesson's room is for its student and its tutor (an admin is not a party: they read attendance
instead); a class session's room for the class's tutor and the students holding an enrolled seat.
Everybody else gets 404, as for an id that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.integrations.janus import MAX_PUBLISHERS
from tutorhub.models.accounts import Role, User
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.classes import ClassEnrolment, ClassSession, GroupClass, SeatStatus, SessionStatus
from tutorhub.models.rooms import RoomKind
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role, to_user_out
from tutorhub.services.classes.classes import ONLINE_MAX
from tutorhub.services.errors import NotFound
from tutorhub.services.validation import clean_id

# A lesson's room opens for these statuses (COMPLETED: the tutor ended it; the grace still applies).
LIVE_BOOKING = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)


@dataclass(frozen=True)
class RoomTarget:
    kind: str
    ref_id: int
    room: str  # the Janus room id (string_ids): derived from the lesson's random room key
    room_key: str
    title: str
    start_at: datetime
    end_at: datetime
    live: bool  # the lesson/session can still take place (not cancelled ...)
    user_id: int
    display: str  # "u<id>:<first name>" (the presence sweep reads the id back from Janus)
    parties: dict[int, str]  # the lesson's student and tutor by user id (class: the caller only)
    publishers: int = MAX_PUBLISHERS  # cameras the room takes at once


def _tutor_user_id(session: Session, tutor_profile_id: int) -> int | None:
    return session.exec(select(col(TutorProfile.user_id)).where(col(TutorProfile.id) == tutor_profile_id)).first()


def _display(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    name = (user.full_name if user is not None else "").split(" ")[0][:30] or "Guest"
    return f"u{user_id}:{name}"


def booking_target(session: Session, actor: UserOut | None, booking_id: Any, *, admins: bool = False) -> RoomTarget:
    """The lesson's room for a party (`admins`: an admin too, for reading attendance)."""
    user = require_role(actor)
    booking = session.get(Booking, clean_id(booking_id, "Lesson not found."))
    tutor_user = _tutor_user_id(session, booking.tutor_id) if booking is not None else None
    allowed = user.id in (booking.student_id, tutor_user) if booking is not None else False
    if booking is None or not (allowed or (admins and user.role == Role.ADMIN)):
        raise NotFound("Lesson not found.")
    assert booking.id is not None
    parties = {booking.student_id: "student", **({tutor_user: "tutor"} if tutor_user is not None else {})}
    return RoomTarget(
        kind=RoomKind.BOOKING, ref_id=booking.id, room=f"lesson-{booking.room_key}", room_key=booking.room_key,
        title=f"{booking.subject or 'Lesson'} lesson", start_at=booking.start_at, end_at=booking.end_at,
        live=booking.status in LIVE_BOOKING, user_id=user.id, display=_display(session, user.id), parties=parties,
    )


def is_member(session: Session, cls: GroupClass, user_id: int) -> bool:
    if _tutor_user_id(session, cls.tutor_id) == user_id:
        return True
    seat = session.exec(select(ClassEnrolment.id).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.student_id) == user_id,
        col(ClassEnrolment.status) == SeatStatus.ENROLLED)).first()
    return seat is not None


def class_session_target(session: Session, actor: UserOut | None, class_id: Any, session_id: Any) -> RoomTarget:
    user = require_role(actor)
    cls = session.get(GroupClass, clean_id(class_id, "No such class."))
    row = session.get(ClassSession, clean_id(session_id, "No such session."))
    if cls is None or row is None or row.class_id != cls.id or not is_member(session, cls, user.id):
        raise NotFound("No such session.")
    assert row.id is not None
    role = "tutor" if _tutor_user_id(session, cls.tutor_id) == user.id else "student"
    return RoomTarget(
        kind=RoomKind.CLASS_SESSION, ref_id=row.id, room=f"class-{row.room_key}", room_key=row.room_key,
        title=f"{cls.title} · session {row.seq}", start_at=row.start_at, end_at=row.end_at,
        live=row.status != SessionStatus.CANCELLED, user_id=user.id, display=_display(session, user.id),
        parties={user.id: role},
        # Everyone of a full online class (8 seats) and its tutor can send video: 9 in that room only.
        publishers=min(max(MAX_PUBLISHERS, cls.capacity + 1), ONLINE_MAX + 1),
    )


def target_for_claim(session: Session, kind: str, ref_id: int, user_id: int) -> RoomTarget | None:
    """Re-resolve a token's room for its user (a seat may have been refunded since)."""
    user = session.get(User, user_id)
    if user is None:
        return None
    actor = to_user_out(user)
    try:
        if kind == RoomKind.BOOKING:
            return booking_target(session, actor, ref_id)
        row = session.get(ClassSession, ref_id)
        return class_session_target(session, actor, row.class_id, ref_id) if row is not None else None
    except NotFound:
        return None
