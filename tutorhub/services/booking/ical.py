"""Lessons as iCalendar (RFC 5545) events: for the private feeds (services/calendars/feeds.py)
and for the `.ics` invitations mailed with booking notifications (RFC 5546 iTIP).

One lesson is one VEVENT whose identity never changes, so calendar apps update it in place:
- UID `lesson-{booking id}@{public host}` — the same in the feed and in every invitation;
- SEQUENCE = the number of reschedules, plus one once the lesson is called off, so a moved or
  cancelled lesson always outranks the copy a calendar already holds;
- STATUS: TENTATIVE while unpaid or waiting for the tutor, CONFIRMED once booked (and for what
  happened after), CANCELLED when cancelled, declined or expired;
- times in UTC (`...Z`): unambiguous across daylight-saving changes, and every calendar app shows
  them in the viewer's own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from sqlmodel import Session, col, or_, select

from tutorhub.models.accounts import User
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.catalog import subject_label
from tutorhub.settings import get_settings

PRODID = "-//TutorHub//Lessons//EN"
TENTATIVE = (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED)
REQUEST, CANCEL = "REQUEST", "CANCEL"


def feed_host() -> str:
    """The host part of every event UID (the public URL's), shared with class sessions' events."""
    return urlsplit(get_settings().public_url).hostname or "tutorhub.local"


def lesson_uid(booking_id: int) -> str:
    return f"lesson-{booking_id}@{feed_host()}"


def lesson_sequence(booking: Booking) -> int:
    return booking.reschedule_count + (1 if booking.status in BookingStatus.RELEASED else 0)


def lesson_status(booking: Booking) -> str:
    if booking.status in BookingStatus.RELEASED:
        return "CANCELLED"
    return "TENTATIVE" if booking.status in TENTATIVE else "CONFIRMED"


def lesson_event(booking: Booking, *, tutor_name: str, student_name: str, viewer_is_tutor: bool) -> icalendar.Event:
    """The lesson as the viewer should see it in their calendar (the other party in the title)."""
    subject = subject_label(booking.subject) if booking.subject else "Lesson"
    other = student_name if viewer_is_tutor else tutor_name
    link = f"{get_settings().public_url}/lessons/{booking.id}"
    changed = max(booking.updated_at, booking.created_at)
    event = icalendar.Event()
    event.add("uid", lesson_uid(booking.id or 0))
    event.add("dtstamp", changed)
    event.add("created", booking.created_at)
    event.add("last-modified", changed)
    event.add("sequence", lesson_sequence(booking))
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    event.add("summary", f"{subject} lesson with {other}" if other else f"{subject} lesson")
    event.add("description", f"TutorHub lesson #{booking.id} ({booking.duration_min} min, {booking.mode}).\n{link}")
    event.add("url", link)
    event.add("status", lesson_status(booking))
    event.add("transp", "TRANSPARENT" if booking.status in BookingStatus.RELEASED else "OPAQUE")
    return event


def calendar_document(events: Sequence[icalendar.Event], *, name: str = "", method: str = "") -> bytes:
    """A VCALENDAR around `events` (with METHOD for an iTIP invitation)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", timedelta(hours=1))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def _names(session: Session, bookings: Sequence[Booking]) -> tuple[dict[int, str], dict[int, str]]:
    """(tutor name by tutor profile id, student name by user id): two queries."""
    tutor_users = dict(session.exec(
        select(col(TutorProfile.id), col(TutorProfile.user_id))
        .where(col(TutorProfile.id).in_({b.tutor_id for b in bookings}))
    ).all())
    ids = set(tutor_users.values()) | {b.student_id for b in bookings}
    names = dict(session.exec(select(col(User.id), col(User.full_name)).where(col(User.id).in_(ids))).all())
    return ({tid: names.get(uid, "") or "" for tid, uid in tutor_users.items() if tid is not None},
            {uid: names.get(uid, "") or "" for uid in ids if uid is not None})


def lesson_feed_events(session: Session, *, user_id: int, since: datetime, limit: int) -> list[icalendar.Event]:
    """Every lesson of the user (as student or as tutor) starting at `since` or later, soonest first."""
    tutor_id = session.exec(select(col(TutorProfile.id)).where(col(TutorProfile.user_id) == user_id)).first()
    rows = session.exec(
        select(Booking)
        .where(or_(col(Booking.student_id) == user_id, col(Booking.tutor_id) == (tutor_id or -1)),
               col(Booking.start_at) >= since)
        .order_by(col(Booking.start_at), col(Booking.id))
        .limit(limit)
    ).all()
    if not rows:
        return []
    tutors, students = _names(session, rows)
    return [
        lesson_event(b, tutor_name=tutors.get(b.tutor_id, ""), student_name=students.get(b.student_id, ""),
                     viewer_is_tutor=b.tutor_id == tutor_id)
        for b in rows
    ]


def lesson_invitation(session: Session, booking: Booking, *, recipient_id: int, method: str) -> str:
    """An iTIP invitation (METHOD:REQUEST, or CANCEL when the lesson is off) for one party, as text."""
    tutors, students = _names(session, [booking])
    tutor_user = session.exec(select(col(TutorProfile.user_id)).where(col(TutorProfile.id) == booking.tutor_id)).first()
    event = lesson_event(booking, tutor_name=tutors.get(booking.tutor_id, ""),
                         student_name=students.get(booking.student_id, ""),
                         viewer_is_tutor=recipient_id == tutor_user)
    if method == CANCEL:
        event["status"] = icalendar.vText("CANCELLED")
    organizer_name, organizer_email = parseaddr(get_settings().smtp_from)
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email or 'no-reply@' + feed_host()}")
    organizer.params["cn"] = icalendar.vText(organizer_name or "TutorHub")
    event.add("organizer", organizer)
    recipient = session.get(User, recipient_id)
    if recipient is not None and recipient.email:
        attendee = icalendar.vCalAddress(f"mailto:{recipient.email}")
        attendee.params["cn"] = icalendar.vText(recipient.full_name or recipient.email)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("ACCEPTED")
        event.add("attendee", attendee)
    return calendar_document([event], method=method).decode()
