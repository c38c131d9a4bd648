"""The demo data opens a video room now-ish for Greta (student2) and tutor2."""

from datetime import timedelta

from sqlmodel import col, select

from tutorhub.demo.seed import seed_demo
from tutorhub.models import Booking, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.rooms import rooms


def test_the_demo_lesson_room_is_open_right_after_seeding(db):
    seed_demo(db, tutors=4)
    db.commit()
    greta = db.exec(select(User).where(col(User.email) == "student2@tutorhub.test")).one()
    now = utcnow()
    lesson = db.exec(select(Booking).where(col(Booking.student_id) == greta.id, col(Booking.start_at) > now)).one()
    assert lesson.start_at - now <= timedelta(minutes=10) and lesson.status == "CONFIRMED"
    room = rooms.booking_room(db, actor=to_user_out(greta), booking_id=lesson.id, now=now, sfu=None)
    assert room.provider == "external" and room.room == f"lesson-{lesson.room_key}"
