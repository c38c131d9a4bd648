"""Messages about bookings, as notifications of kind "booking" (services/messaging/notifications.py): the
bell for both parties always, plus each party's chosen channels (email by default).

Sent inside the booking's transaction: the notification and its outbox rows commit (or roll
back) with the change they describe, so a student is never told about a cancellation that did
not happen; the bell hint on "user:{id}" is published only after that commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.views import student_zone
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.scheduling.engine.tzclock import clock_for, render, to_minute


def local_when(at: datetime, zone: str) -> str:
    """"2027-03-16 17:00 (Europe/Berlin)" — in the recipient's own zone (also used by reminders)."""
    local = render(to_minute(at), clock_for(zone))
    return f"{local[:10]} {local[11:16]} ({zone})"


def notify_user(session: Session, user_id: int, subject: str, body: str, link: str = "") -> None:
    notify(session, user_id=user_id, kind="booking", title=subject, body=body, link=link, now=utcnow())


def notify_student(session: Session, booking: Booking, subject: str, text: str) -> None:
    when = local_when(booking.start_at, student_zone(session, booking.student_id))
    notify_user(session, booking.student_id, subject, f"{text} Lesson #{booking.id} on {when}.",
                f"/lessons/{booking.id}")


def notify_tutor(session: Session, booking: Booking, subject: str, text: str) -> None:
    profile = session.get(TutorProfile, booking.tutor_id)
    if profile is None:
        return
    when = local_when(booking.start_at, profile.timezone)
    notify_user(session, profile.user_id, subject, f"{text} Lesson #{booking.id} on {when}.",
                f"/lessons/{booking.id}")
