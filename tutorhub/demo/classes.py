"""Demo group classes: three published classes by Berlin/EUR tutors (one nearly full, with student2
enrolled) and one draft, created through the class services so `make run` shows /classes at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import to_user_out
from tutorhub.services.classes import classes, seats
from tutorhub.services.errors import DomainError

DEMO_CLASSES = [
    ("Algebra club", "mathematics", "high", "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8", 17, 6, 3, 9600, True),
    ("Essay writing workshop", "english", "senior", "FREQ=WEEKLY;BYDAY=SA;COUNT=6", 10, 8, 4, 7200, True),
    ("Physics problem solving", "physics", "high", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", 18, 4, 2, 12000, True),
    ("Chemistry revision (draft)", "chemistry", "senior", "FREQ=DAILY;COUNT=5", 16, 5, 2, 5000, False),
]


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
        except DomainError:
            continue  # a demo tutor's time already taken: leave that class out
    return published
