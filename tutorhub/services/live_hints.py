"""The real-time hints services send when something other browsers show has changed.

Why here: the busy time of a tutor changes in many services (holds, confirmations, cancellations,
reschedules, expiry, availability edits), but all of them go through the free-slot index refresh
(services/scheduling/free_index.py) or a booking transition (services/booking/states.py); hooking those two
places means no new code path can forget to tell open pages. Hints are queued on the session and
published only after its commit (integrations/broker.py), and carry ids only: receivers re-read
through services, where authorization happens.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.bookings import Booking
from tutorhub.models.tutors import TutorProfile

SLOTS = {"type": "slots"}


def slots_channel(tutor_id: int | str) -> str:
    return f"tutor:{tutor_id}:slots"


def booking_channel(booking_id: int) -> str:
    return f"booking:{booking_id}"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def slots_changed(session: Session, tutor_id: int) -> None:
    """Open views of this tutor's free times re-read them after the commit."""
    publish_after_commit(session, slots_channel(tutor_id), SLOTS)


def _tutor_user_id(session: Session, tutor_id: int) -> int | None:
    cached = session.identity_map.get(session.identity_key(TutorProfile, tutor_id))  # no query when loaded
    if isinstance(cached, TutorProfile):
        return cached.user_id
    return session.exec(select(TutorProfile.user_id).where(col(TutorProfile.id) == tutor_id)).first()


def booking_changed(session: Session, booking: Booking) -> None:
    """A booking's status or time changed: its lesson page, both sides' lesson lists and the
    tutor's free times refresh."""
    if booking.id is None:
        return
    hint = {"type": "booking", "id": booking.id}
    publish_after_commit(session, booking_channel(booking.id), hint)
    publish_after_commit(session, user_channel(booking.student_id), hint)
    tutor_user = _tutor_user_id(session, booking.tutor_id)
    if tutor_user is not None:
        publish_after_commit(session, user_channel(tutor_user), hint)
    slots_changed(session, booking.tutor_id)
