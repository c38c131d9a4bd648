"""Messages about bookings, sent through the configured MessageSender (the outbox by default).

Sent inside the booking's transaction: the outbox row commits (or rolls back) with the change
it describes, so a student is never told about a cancellation that did not happen.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tutorhub.integrations.messaging import get_sender
from tutorhub.models.accounts import User
from tutorhub.models.bookings import Booking
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking_views import student_zone
from tutorhub.services.tzclock import clock_for, render, to_minute


def _when(at: datetime, zone: str) -> str:
    """"2027-03-16 17:00 (Europe/Berlin)" — in the recipient's own zone."""
    local = render(to_minute(at), clock_for(zone))
    return f"{local[:10]} {local[11:16]} ({zone})"


def notify_user(session: Session, user_id: int, subject: str, body: str) -> None:
    user = session.get(User, user_id)
    if user is None:
        return
    if user.email:
        get_sender().send(session, channel="email", recipient=user.email, subject=subject, body=body)
    elif user.phone:
        get_sender().send(session, channel="sms", recipient=user.phone, subject=subject, body=body)


def notify_student(session: Session, booking: Booking, subject: str, text: str) -> None:
    when = _when(booking.start_at, student_zone(session, booking.student_id))
    notify_user(session, booking.student_id, subject, f"{text} Lesson #{booking.id} on {when}.")


def notify_tutor(session: Session, booking: Booking, subject: str, text: str) -> None:
    profile = session.get(TutorProfile, booking.tutor_id)
    if profile is None:
        return
    when = _when(booking.start_at, profile.timezone)
    notify_user(session, profile.user_id, subject, f"{text} Lesson #{booking.id} on {when}.")
