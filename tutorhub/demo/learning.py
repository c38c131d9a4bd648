"""Demo data for learning, seeded through the services: Sam (student1) has two past maths lessons
with tutor1, each with a lesson report and homework (the first reviewed, the second submitted and
waiting for the tutor's review), a CBSE class 10 study plan with progress, and a guardian
(guardian1@tutorhub.test) linked to them who sees it all and has booked (and paid from their own
wallet) Sam's next maths lesson."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.demo.money import _topup
from tutorhub.models.accounts import User
from tutorhub.models.learning import GuardianLink, GuardianLinkStatus, StudyPlanTask
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.passwords import register
from tutorhub.services.actor import to_user_out
from tutorhub.services.booking import bookings
from tutorhub.services.checkout import guardian_bookings, lesson_payments
from tutorhub.services.learning import homework, lessons, reports, study_plans
from tutorhub.services.scheduling.slots import get_slots

GUARDIAN_EMAIL = "guardian1@tutorhub.test"
LESSONS = (
    (21, ["Quadratic equations"], ["forgot the negative root", "sign errors when moving terms"], 75),
    (7, ["Introduction to trigonometry"], ["mixing up sin and cos"], None),
)


def _user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(col(User.email) == email)).first()


def _past_lesson(session: Session, student: User, tutor: User, profile_id: int, days_ago: int, now: datetime):
    """Book, pay, teach and end a lesson `days_ago` days back (the services take `now`)."""
    then = now - timedelta(days=days_ago + 2)
    slots = get_slots(session, tutor_id=profile_id, start=(then + timedelta(days=1)).isoformat(),
                      end=(then + timedelta(days=8)).isoformat(), duration=60, now=then)
    if not slots.slots:
        return None
    start = datetime.fromisoformat(slots.slots[0].start)
    s, t = to_user_out(student), to_user_out(tutor)
    held = bookings.create_booking(session, actor=s, tutor_id=profile_id, start=start, duration_min=60,
                                   subject="mathematics", now=then)
    lesson_payments.confirm_booking(session, actor=s, booking_id=held.id, now=then)
    lessons.start_lesson(session, actor=t, booking_id=held.id, now=start)
    lessons.complete_lesson(session, actor=t, booking_id=held.id, now=start + timedelta(minutes=60))
    return held.id, start + timedelta(minutes=60)


def _guardian_books_next_lesson(session: Session, guardian: User, student: User, profile_id: int, now: datetime) -> bool:
    """guardian1 books Sam's next maths lesson with tutor1 and pays it from their own wallet."""
    slots = get_slots(session, tutor_id=profile_id, start=(now + timedelta(days=2)).isoformat(),
                      end=(now + timedelta(days=9)).isoformat(), duration=60, now=now)
    if not slots.slots or guardian.id is None or student.id is None:
        return False
    g = to_user_out(guardian)
    held = guardian_bookings.book_for_child(session, actor=g, student_id=student.id, tutor_id=profile_id,
                                            start=slots.slots[0].start, duration_min=60, subject="mathematics", now=now)
    _topup(session, guardian.id, held.booking.price_minor * 2, held.booking.currency, now, held.booking.id)
    guardian_bookings.pay_for_child(session, actor=g, booking_id=held.booking.id, method="wallet", now=now)
    return True


def seed_learning_demo(session: Session, *, now: datetime) -> int:
    """Returns how many lessons were seeded with reports and homework."""
    student, tutor = _user(session, "student1@tutorhub.test"), _user(session, "tutor1@tutorhub.test")
    if student is None or tutor is None or student.id is None:
        return 0
    profile_id = session.exec(select(TutorProfile.id).where(col(TutorProfile.user_id) == tutor.id)).first()
    if profile_id is None:
        return 0
    s, t = to_user_out(student), to_user_out(tutor)
    seeded = 0
    for days_ago, topics, mistakes, score in LESSONS:
        done = _past_lesson(session, student, tutor, profile_id, days_ago, now)
        if done is None:
            continue
        booking_id, ended = done
        out = reports.write_lesson_report(session, actor=t, booking_id=booking_id, topics=topics, mistakes=mistakes,
                                          notes="Good progress; keep practising the exercises.", homework=True,
                                          now=ended + timedelta(minutes=10))
        assert out.homework_id is not None
        homework.generate_homework_offline(session, homework_id=out.homework_id)
        sent_at = ended + timedelta(minutes=20)
        homework.send_homework(session, actor=t, homework_id=out.homework_id,
                               due_at=(sent_at + timedelta(days=5)).isoformat(), now=sent_at)
        homework.submit_homework(session, actor=s, homework_id=out.homework_id, now=sent_at + timedelta(days=2),
                                 answers=["x = 3 or x = -3", "b² − 4ac tells how many real roots there are"])
        if score is not None:
            homework.review_homework(session, actor=t, homework_id=out.homework_id, score=score,
                                     feedback=["Both roots — well done.", "Right; add an example."],
                                     overall="Solid work.", now=sent_at + timedelta(days=3))
        seeded += 1
    plan = study_plans.request_study_plan(
        session, actor=s, subject="mathematics", grade="cbse-10", goal="Score 90% in the CBSE class 10 board exam",
        hours_per_week=6, exam_date=(now + timedelta(days=60)).date(), weak_areas=["trigonometry", "quadratic equations"],
        now=now - timedelta(days=10))
    study_plans.generate_study_plan_offline(session, plan_id=plan.id, now=now - timedelta(days=10))
    first_week = session.exec(select(StudyPlanTask).where(col(StudyPlanTask.plan_id) == plan.id,
                                                          col(StudyPlanTask.week) == 1)).all()
    for task in first_week:
        task.done, task.done_at = True, now - timedelta(days=5)
        session.add(task)
    guardian = register(session, email=GUARDIAN_EMAIL, password="demo-pass-123", full_name="Gita Guardian",  # noqa: S106
                        role="guardian", timezone="Asia/Kolkata")
    session.add(GuardianLink(student_id=student.id, guardian_email=GUARDIAN_EMAIL, guardian_id=guardian.id,
                             status=GuardianLinkStatus.ACTIVE, expires_at=now, created_at=now, confirmed_at=now))
    session.flush()
    guardian_row = session.get(User, guardian.id)
    if guardian_row is not None:
        _guardian_books_next_lesson(session, guardian_row, student, profile_id, now)
    return seeded
