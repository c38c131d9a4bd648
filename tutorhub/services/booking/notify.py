"""Messages about bookings, as notifications of kind "booking" (services/messaging/notifications.py): the
bell for both parties always, plus each party's chosen channels (email by default).

Sent inside the booking's transaction: the notification and its outbox rows commit (or roll
back) with the change they describe, so a student is never told about a cancellation that did
not happen; the bell hint on "user:{id}" is published only after that commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tutorhub.integrations.messaging import Attachment
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.ical import lesson_invitation
from tutorhub.services.booking.views import student_zone
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.scheduling.engine.tzclock import clock_for, render, to_minute


def local_when(at: datetime, zone: str) -> str:
    """"2027-03-16 17:00 (Europe/Berlin)" — in the recipient's own zone (also used by reminders)."""
    local = render(to_minute(at), clock_for(zone))
    return f"{local[:10]} {local[11:16]} ({zone})"


def notify_user(session: Session, user_id: int, subject: str, body: str, link: str = "",
                attachments: tuple[Attachment, ...] = ()) -> None:
    notify(session, user_id=user_id, kind="booking", title=subject, body=body, link=link, now=utcnow(),
           attachments=attachments)


def _invite(session: Session, booking: Booking, user_id: int, method: str | None) -> tuple[Attachment, ...]:
    """The `.ics` invitation for the email copy: METHOD:REQUEST when a lesson is booked or moved,
    METHOD:CANCEL when it is called off (same UID, higher SEQUENCE: calendars update in place)."""
    if method is None:
        return ()
    content = lesson_invitation(session, booking, recipient_id=user_id, method=method)
    name = "cancel.ics" if method == "CANCEL" else "invite.ics"
    return (Attachment(name, f"text/calendar; charset=UTF-8; method={method}", content),)


def notify_student(session: Session, booking: Booking, subject: str, text: str, *, invite: str | None = None) -> None:
    """`invite`: "REQUEST" or "CANCEL" attaches the lesson's `.ics` invitation to the email."""
    when = local_when(booking.start_at, student_zone(session, booking.student_id))
    notify_user(session, booking.student_id, subject, f"{text} Lesson #{booking.id} on {when}.",
                f"/lessons/{booking.id}", _invite(session, booking, booking.student_id, invite))


def notify_tutor(session: Session, booking: Booking, subject: str, text: str, *, invite: str | None = None) -> None:
    """`invite`: as for `notify_student`."""
    profile = session.get(TutorProfile, booking.tutor_id)
    if profile is None:
        return
    when = local_when(booking.start_at, profile.timezone)
    notify_user(session, profile.user_id, subject, f"{text} Lesson #{booking.id} on {when}.",
                f"/lessons/{booking.id}", _invite(session, booking, profile.user_id, invite))
