"""Builders for the group-class tests: a class body, a published class, funded students."""

from __future__ import annotations

from typing import Any

from tests.support.money import fund_wallet
from tutorhub.models import Role
from tutorhub.services.actor import UserOut
from tutorhub.services.classes import classes


def class_body(**changes: Any) -> dict[str, Any]:
    """Tuesdays and Thursdays 17:00 Berlin, 8 sessions of 60 minutes from Tuesday 2027-03-09 (NOW + 8 days)."""
    body: dict[str, Any] = {
        "title": "Algebra club", "subject": "mathematics", "grade": "high", "capacity": 5, "min_size": 2,
        "price_minor": 8000, "currency": "EUR", "duration_min": 60, "timezone": "Europe/Berlin",
        "rrule": "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8", "first_start_local": "2027-03-09T17:00",
    }
    body.update(changes)
    return body


def published_class(db, tutor: UserOut, now, **changes: Any) -> int:
    created = classes.create_class(db, actor=tutor, data=class_body(**changes), now=now)
    classes.publish_class(db, actor=tutor, class_id=created.id, now=now)
    db.commit()
    return created.id


def funded_students(db, make_user, n: int, amount: int = 8000, currency: str = "EUR") -> list[UserOut]:
    students = []
    for _ in range(n):
        student = make_user(Role.STUDENT)
        fund_wallet(db, student.id, amount, currency)
        students.append(student)
    db.commit()
    return students
