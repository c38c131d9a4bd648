"""Class sessions as iCalendar events for the private feeds (services/calendars/feeds.py): the tutor
sees every session of their published classes, a student the sessions of the classes they hold a
paid seat in. Same rules as lessons (services/booking/ical.py): one VEVENT per session with a UID
that never changes (`class-session-{id}@{host}`), times in UTC, STATUS CANCELLED (and SEQUENCE 1,
so it outranks the copy a calendar holds) once the session or its class is called off. A seat that
ended (left, refunded) takes its sessions out of the student's feed."""

from __future__ import annotations

from datetime import datetime

import icalendar
from sqlmodel import Session, col, or_, select

from tutorhub.models.classes import ClassEnrolment, ClassSession, ClassStatus, GroupClass, SeatStatus, SessionStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.ical import feed_host
from tutorhub.services.catalog import subject_label
from tutorhub.settings import get_settings


def session_uid(session_id: int) -> str:
    return f"class-session-{session_id}@{feed_host()}"


def _event(row: ClassSession, cls: GroupClass, *, viewer_is_tutor: bool) -> icalendar.Event:
    called_off = row.status == SessionStatus.CANCELLED or cls.status == ClassStatus.CANCELLED
    link = f"{get_settings().public_url}/classes/{cls.id}"
    stamp = cls.cancelled_at if called_off and cls.cancelled_at else (cls.published_at or cls.created_at)
    event = icalendar.Event()
    event.add("uid", session_uid(row.id or 0))
    event.add("dtstamp", stamp)
    event.add("created", cls.created_at)
    event.add("sequence", 1 if called_off else 0)
    event.add("dtstart", row.start_at)
    event.add("dtend", row.end_at)
    what = "teaching" if viewer_is_tutor else subject_label(cls.subject)
    event.add("summary", f"{cls.title} — group class ({what}), session {row.seq} of {cls.session_count}")
    event.add("description", f"TutorHub group class, session {row.seq}.\n{link}")
    event.add("url", link)
    event.add("status", "CANCELLED" if called_off else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if called_off else "OPAQUE")
    return event


def class_session_feed_events(session: Session, *, user_id: int, since: datetime, limit: int) -> list[icalendar.Event]:
    """The user's class sessions (teaching, or with a paid seat) starting at `since` or later, soonest first."""
    tutor_id = session.exec(select(col(TutorProfile.id)).where(col(TutorProfile.user_id) == user_id)).first()
    seated = select(ClassEnrolment.class_id).where(col(ClassEnrolment.student_id) == user_id,
                                                   col(ClassEnrolment.status) == SeatStatus.ENROLLED)
    rows = session.exec(
        select(ClassSession, GroupClass).join(GroupClass, col(GroupClass.id) == col(ClassSession.class_id))
        .where(or_(col(GroupClass.tutor_id) == (tutor_id or -1), col(GroupClass.id).in_(seated)),
               col(GroupClass.status) != ClassStatus.DRAFT, col(ClassSession.start_at) >= since)
        .order_by(col(ClassSession.start_at), col(ClassSession.id)).limit(limit)
    ).all()
    return [_event(row, cls, viewer_is_tutor=cls.tutor_id == tutor_id) for row, cls in rows]
