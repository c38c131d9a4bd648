"""Who is acting on a booking, and loading it under the right lock.

A booking is visible to its student, its tutor and admins; anyone else gets "not found" (the
same answer as for an id that does not exist, so ids cannot be probed). A party asking for an
action that belongs to the other party gets 403.

Every mutating use case loads through `load_for_change`: it finds the booking, checks the
caller is a party, takes the tutor lock (services/booking/guard.py) and then re-reads the row,
so a concurrent accept and cancel of one booking run one after the other and the second sees
the first's result (and is refused by the state machine if it no longer applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.bookings import ActorRole, Booking
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.guard import lock_tutors
from tutorhub.services.booking.states import Actor
from tutorhub.services.errors import Forbidden, NotFound
from tutorhub.services.validation import clean_id


@dataclass(frozen=True, slots=True)
class Party:
    """The caller as a party to one booking."""

    user: UserOut
    role: str  # ActorRole.STUDENT | TUTOR | ADMIN

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.role)


def booking_id_of(value: Any) -> int:
    return clean_id(value, "Lesson not found.")


def party_role(session: Session, booking: Booking, user: UserOut) -> str | None:
    if booking.student_id == user.id:
        return ActorRole.STUDENT
    owner = session.exec(select(col(TutorProfile.user_id)).where(col(TutorProfile.id) == booking.tutor_id)).first()
    if owner == user.id:
        return ActorRole.TUTOR
    if user.role == Role.ADMIN:
        return ActorRole.ADMIN
    return None


def load_for_view(session: Session, actor: UserOut | None, booking_id: Any) -> tuple[Booking, Party]:
    """The booking and the caller's relation to it; NotFound for strangers."""
    user = require_role(actor)
    booking = session.get(Booking, booking_id_of(booking_id))
    if booking is None:
        raise NotFound("Lesson not found.")
    role = party_role(session, booking, user)
    if role is None:
        raise NotFound("Lesson not found.")
    return booking, Party(user, role)


def load_for_change(
    session: Session, actor: UserOut | None, booking_id: Any, *roles: str, lock: bool = True
) -> tuple[Booking, Party]:
    """Like `load_for_view`, then 403 unless the caller acts in one of `roles`, then the tutor
    lock and a fresh read of the row."""
    booking, party = load_for_view(session, actor, booking_id)
    if roles and party.role not in roles:
        raise Forbidden(_who(roles))
    if lock:
        lock_tutors(session, [booking.tutor_id])
        session.refresh(booking)
    return booking, party


def _who(roles: tuple[str, ...]) -> str:
    if roles == (ActorRole.STUDENT,):
        return "Only the student of this lesson can do that."
    if roles == (ActorRole.TUTOR,):
        return "Only the tutor of this lesson can do that."
    if roles == (ActorRole.ADMIN,):
        return "Only an admin can do that."
    return "You cannot do that for this lesson."
