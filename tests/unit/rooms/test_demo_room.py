"""The demo data opens a video room now-ish for Greta (student2) and tutor2, and has a dispute with the
room's evidence for the admins."""

from datetime import timedelta

from sqlmodel import col, select

from tutorhub.demo.rooms import seed_room_dispute_demo
from tutorhub.demo.seed import seed_demo
from tutorhub.models import Booking, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.checkout import disputes
from tutorhub.services.rooms import presence, rooms


def test_the_demo_lesson_room_is_open_right_after_seeding(db):
    seed_demo(db, tutors=4)
    db.commit()
    greta = db.exec(select(User).where(col(User.email) == "student2@tutorhub.test")).one()
    now = utcnow()
    lesson = db.exec(select(Booking).where(col(Booking.student_id) == greta.id, col(Booking.start_at) > now)).one()
    assert lesson.start_at - now <= timedelta(minutes=10) and lesson.status == "CONFIRMED"
    room = rooms.booking_room(db, actor=to_user_out(greta), booking_id=lesson.id, now=now, sfu=None)
    assert room.provider == "external" and room.room == f"lesson-{lesson.room_key}"


def test_the_demo_has_a_dispute_with_the_rooms_evidence(db):
    """Admin → Disputes shows Jamie's (student3) dispute of a lesson of the last days with tutor3 (yesterday,
    or the day before when tutor3 does not teach on yesterday's weekday), and beside it what the room
    recorded: the tutor came, the student never joined. Whatever the weekday the demo is seeded on."""
    seed_demo(db, tutors=4)
    db.commit()
    admin = to_user_out(db.exec(select(User).where(col(User.email) == "admin@tutorhub.test")).one())
    jamie = db.exec(select(User).where(col(User.email) == "student3@tutorhub.test")).one()
    cases = [c for c in disputes.list_dispute_cases(db, actor=admin) if c.lesson.student_id == jamie.id]
    assert len(cases) == 1
    lesson = db.get(Booking, cases[0].lesson.id)
    assert lesson.status == "DISPUTED" and timedelta(0) < utcnow() - lesson.start_at < timedelta(days=3)
    words = presence.room_evidence(db, actor=admin, booking_ids=[lesson.id], zone="UTC")[lesson.id]
    start = lesson.start_at
    assert words == (f"the tutor joined {(start + timedelta(minutes=2)):%H:%M}, left "
                     f"{(start + timedelta(minutes=41)):%H:%M} · the student never joined")


def test_the_disputed_demo_lesson_is_found_whatever_the_weekday_of_seeding(db):
    """tutor3 teaches four days a week: seeded on any of the seven weekdays, the demo still finds a lesson
    day among the last three (it once looked at yesterday only, and had no dispute three days a week)."""
    seed_demo(db, tutors=4)
    db.commit()
    base = utcnow().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=21)
    for k in range(7):
        now = base + timedelta(days=k)
        lesson_id = seed_room_dispute_demo(db, now=now)
        assert lesson_id is not None, f"no lesson found before {now:%A}"
        lesson = db.get(Booking, lesson_id)
        assert lesson.status == "DISPUTED" and timedelta(0) < now - lesson.start_at < timedelta(days=3)
