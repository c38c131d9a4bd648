"""Demo group classes: three published classes by Berlin/EUR tutors (student2 enrolled in the first from
the wallet, and in the second with credit minutes at the group rate, granted for it) and one draft,
created through the class services so `make run` shows /classes at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.credits import LotSource
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import to_user_out
from tutorhub.services.billing import credits
from tutorhub.services.classes import classes, seat_credits, seats
from tutorhub.services.classes.access import load_class
from tutorhub.services.errors import DomainError

DEMO_CLASSES = [
    ("Algebra club", "mathematics", "high", "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8", 17, 6, 3, 9600, True),
    ("Essay writing workshop", "english", "senior", "FREQ=WEEKLY;BYDAY=SA;COUNT=6", 10, 8, 4, 7200, True),
    ("Physics problem solving", "physics", "high", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", 18, 4, 2, 12000, True),
    ("Chemistry revision (draft)", "chemistry", "senior", "FREQ=DAILY;COUNT=5", 16, 5, 2, 5000, False),
]


def _credit_seat(session: Session, student: User, class_id: int, now: datetime) -> None:
    """A seat paid with credit minutes: the demo grants exactly the seat's minutes first (so other demo
    balances are untouched), then enrols through the same use case as the class page."""
    assert student.id is not None
    minutes = seat_credits.seat_minutes(load_class(session, class_id))
    credits.grant_lot(session, user_id=student.id, minutes=minutes, source=LotSource.ADMIN,
                      source_ref=f"demo:class:{class_id}:{student.id}", expires_at=now + timedelta(days=60), now=now,
                      memo="Demo credit minutes for a class seat")
    seats.enrol(session, actor=to_user_out(student), class_id=class_id, method="credits", now=now)


def seed_classes_demo(session: Session, *, now: datetime) -> int:
    """Create the demo classes; returns how many were published."""
    tutors = session.exec(select(User).join(TutorProfile, col(TutorProfile.user_id) == col(User.id)).where(
        col(TutorProfile.status) == TutorStatus.APPROVED, col(TutorProfile.currency) == "EUR",
    ).order_by(col(User.id))).all()
    student = session.exec(select(User).where(col(User.email) == "student2@tutorhub.test")).first()
    if not tutors:
        return 0
    published = 0
    for i, (title, subject, grade, rule, hour, capacity, minimum, price, publish) in enumerate(DEMO_CLASSES):
        tutor = to_user_out(tutors[i % len(tutors)])
        zone = tutor.timezone if tutor.timezone else "Europe/Berlin"
        first = (now.astimezone(ZoneInfo(zone)) + timedelta(days=10 + i)).strftime(f"%Y-%m-%dT{hour:02d}:00")
        body = {"title": title, "subject": subject, "grade": grade, "capacity": capacity, "min_size": minimum,
                "price_minor": price, "currency": "EUR", "duration_min": 60, "timezone": zone, "rrule": rule,
                "first_start_local": first, "description": f"A small group {subject} class on a fixed schedule."}
        try:
            created = classes.create_class(session, actor=tutor, data=body, now=now)
            if publish:
                classes.publish_class(session, actor=tutor, class_id=created.id, now=now)
                published += 1
                if i == 0 and student is not None:
                    seats.enrol(session, actor=to_user_out(student), class_id=created.id, now=now)
                if i == 1 and student is not None:
                    _credit_seat(session, student, created.id, now)
        except DomainError:
            continue  # a demo tutor's time already taken: leave that class out
    return published
