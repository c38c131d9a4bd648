"""The demo data shows learning working: Sam's lessons with reports and homework (one reviewed,
one waiting for review), a study plan with progress, and a guardian who sees it all."""

from sqlmodel import select

from tutorhub.demo.seed import DEMO_PASSWORD, seed_demo
from tutorhub.models import User
from tutorhub.services.accounts import passwords
from tutorhub.services.actor import to_user_out
from tutorhub.services.checkout import guardian_bookings
from tutorhub.services.learning import guardians, homework, progress, study_plans


def test_demo_learning(db):
    seed_demo(db)
    db.commit()
    guardian = passwords.authenticate_password(db, email="guardian1@tutorhub.test", password=DEMO_PASSWORD)
    sam = to_user_out(db.exec(select(User).where(User.email == "student1@tutorhub.test")).one())
    assert [c.student_id for c in guardians.list_linked_students(db, actor=guardian)] == [sam.id]
    work = homework.list_homework(db, actor=guardian)
    assert sorted(h.status for h in work) == ["reviewed", "submitted"]
    plans = study_plans.list_study_plans(db, actor=guardian)
    assert len(plans) == 1 and 0 < plans[0].progress < 100
    seen = progress.student_progress(db, actor=guardian, student_id=sam.id)
    assert seen.lessons == 2 and seen.average_score == 75 and len(seen.reports) == 2
    seen_lessons = guardians.child_lessons(db, actor=guardian, student_id=sam.id)
    assert len(seen_lessons) == 3 and seen_lessons[0].status == "CONFIRMED"  # the one guardian1 booked and paid
    booked = guardian_bookings.list_booked_for_children(db, actor=guardian)
    assert [b.booking.id for b in booked] == [seen_lessons[0].id] and booked[0].student_id == sam.id
