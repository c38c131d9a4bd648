"""Demo data for the video rooms: a confirmed lesson between Greta (student2) and tutor2 that starts
a few minutes after the demo data is seeded, so its room is open on the first `make run`: log in as
both (two browsers, or one normal and one private window), open the lesson and join the video.

And the room's evidence in a dispute (admin → Disputes): a lesson of yesterday (or the day before, when
tutor3 does not teach on yesterday's weekday) between Jamie (student3) and tutor3, which Jamie disputes ("the tutor never came"), while the room recorded the tutor joining
two minutes after the start and Jamie never joining — recorded through the same join-token reports
the room page sends.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.demo.money import _teach_one
from tutorhub.models import Booking, BookingStatus, TutorProfile, User
from tutorhub.services.actor import to_user_out
from tutorhub.services.learning import lessons
from tutorhub.services.rooms import presence, rooms


def seed_rooms_demo(session: Session, *, now: datetime) -> int | None:
    """The demo lesson's id (None when the demo people are missing)."""
    student = session.exec(select(User).where(col(User.email) == "student2@tutorhub.test")).first()
    tutor = session.exec(select(TutorProfile).join(User, col(User.id) == col(TutorProfile.user_id))
                         .where(col(User.email) == "tutor2@tutorhub.test")).first()
    if student is None or tutor is None or student.id is None or tutor.id is None:
        return None
    start = (now + timedelta(minutes=5)).replace(second=0, microsecond=0)
    start += timedelta(minutes=(-start.minute) % 5)
    end = start + timedelta(minutes=60)
    booking = Booking(
        student_id=student.id, tutor_id=tutor.id, subject="physics", mode="online", start_at=start, end_at=end,
        duration_min=60, block_start=start, block_end=end, status=BookingStatus.CONFIRMED,
        list_price_minor=tutor.hourly_rate, price_minor=tutor.hourly_rate, currency=tutor.currency,
        paid_at=now, confirmed_at=now, room_key="tutorhub-" + secrets.token_urlsafe(16), created_at=now, updated_at=now,
    )
    session.add(booking)
    session.flush()
    return booking.id


def seed_room_dispute_demo(session: Session, *, now: datetime) -> int | None:
    """The disputed lesson's id (None when the demo people are missing or no hour was free)."""
    student = session.exec(select(User).where(col(User.email) == "student3@tutorhub.test")).first()
    tutor = session.exec(select(User).where(col(User.email) == "tutor3@tutorhub.test")).first()
    profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == (tutor.id if tutor else -1))).first()
    if student is None or tutor is None or profile is None:
        return None
    pupil, teacher = to_user_out(student), to_user_out(tutor)
    # tutor3 teaches on four weekdays, never two days in a row off: yesterday or the day before is one.
    if not any(_teach_one(session, student=pupil, tutor=teacher, profile=profile, day=now - timedelta(days=back))
               for back in (1, 2, 3)):
        return None
    lesson = session.exec(select(Booking).where(col(Booking.student_id) == pupil.id, col(Booking.tutor_id) == profile.id)
                          .order_by(col(Booking.start_at).desc())).first()
    assert lesson is not None and lesson.id is not None
    room = rooms.booking_room(session, actor=teacher, booking_id=lesson.id, now=lesson.start_at, sfu=None)
    presence.report_presence(session, token=room.token, event="joined", now=lesson.start_at + timedelta(minutes=2))
    presence.report_presence(session, token=room.token, event="left", now=lesson.start_at + timedelta(minutes=41))
    lessons.dispute_lesson(session, actor=pupil, booking_id=lesson.id, reason="The tutor never came to the lesson.",
                           now=lesson.start_at + timedelta(hours=2))
    return lesson.id
