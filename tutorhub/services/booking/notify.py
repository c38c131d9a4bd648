"""Messages about bookings, as notifications of kind "booking" (services/messaging/notifications.py): the
bell for both parties always, plus each party's chosen channels (email by default).

Sent inside the booking's transaction: the notification and its outbox rows commit (or roll
back) with the change they describe, so a student is never told about a cancellation that did
not happen; the bell hint on "user:{id}" is published only after that commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.integrations.messaging import Attachment
from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking
from tutorhub.models.learning import GuardianLink, GuardianLinkStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.ical import lesson_invitation
from tutorhub.services.booking.views import student_zone
from tutorhub.services.catalog import subject_label
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.timefmt import human_when, zone_name


def local_when(at: datetime, zone: str) -> str:
    """"Tue 16 Mar, 17:00 (Berlin time)" — in the recipient's own zone (also used by reminders)."""
    return f"{human_when(at, zone)} ({zone_name(zone)})"


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


def _lesson_line(booking: Booking, with_name: str, zone: str) -> str:
    """"Mathematics with Ava Adams, Tue 8 Dec, 18:00 (Berlin time)." then the reference on a line
    of its own (for support), never in the sentence."""
    what = subject_label(booking.subject) if booking.subject else "Lesson"
    return (f"{what} with {with_name}, {local_when(booking.start_at, zone)}.\n"
            f"Details: lesson reference {booking.id}")


def _name(session: Session, user_id: int | None, fallback: str) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.full_name if user and user.full_name else fallback


def guardian_ids(session: Session, student_id: int) -> list[int]:
    """The accounts with an ACTIVE guardian link to this student: they get copies of the student's
    lesson messages and reminders, each through their own notification preferences."""
    return [int(g) for g in session.exec(select(GuardianLink.guardian_id).where(
        col(GuardianLink.student_id) == student_id, col(GuardianLink.status) == GuardianLinkStatus.ACTIVE,
        col(GuardianLink.guardian_id).is_not(None)).order_by(col(GuardianLink.id))).all() if g is not None]


def _user_zone(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.timezone if user and user.timezone else "UTC"


def notify_student(session: Session, booking: Booking, subject: str, text: str, *, invite: str | None = None) -> None:
    """`invite`: "REQUEST" or "CANCEL" attaches the lesson's `.ics` invitation to the email. Linked
    guardians get a copy (their own zone and channels; a link to their children page, not the lesson)."""
    profile = session.get(TutorProfile, booking.tutor_id)
    tutor = _name(session, profile.user_id if profile else None, "your tutor")
    line = _lesson_line(booking, tutor, student_zone(session, booking.student_id))
    notify_user(session, booking.student_id, subject, f"{text}\n{line}", f"/lessons/{booking.id}",
                _invite(session, booking, booking.student_id, invite))
    guardians = guardian_ids(session, booking.student_id)
    if guardians:
        child = _name(session, booking.student_id, "your child")
        for guardian_id in guardians:
            copy = _lesson_line(booking, tutor, _user_zone(session, guardian_id))
            notify_user(session, guardian_id, f"{child}: {subject}", f"For {child}: {text}\n{copy}", "/guardian")


def notify_tutor(session: Session, booking: Booking, subject: str, text: str, *, invite: str | None = None) -> None:
    """`invite`: as for `notify_student`."""
    profile = session.get(TutorProfile, booking.tutor_id)
    if profile is None:
        return
    line = _lesson_line(booking, _name(session, booking.student_id, "your student"), profile.timezone)
    notify_user(session, profile.user_id, subject, f"{text}\n{line}", f"/lessons/{booking.id}",
                _invite(session, booking, profile.user_id, invite))
