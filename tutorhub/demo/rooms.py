"""Demo data for the video rooms: a confirmed lesson between Greta (student2) and tutor2 that starts
a few minutes after the demo data is seeded, so its room is open on the first `make run`: log in as
both (two browsers, or one normal and one private window), open the lesson and join the video."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.models import Booking, BookingStatus, TutorProfile, User


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
