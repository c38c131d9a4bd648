"""Reviews of a class by the students who attended it.

Who may review: a student marked present or late at one session at least (attendance.py) — paying for
a seat is not enough, so a class cannot be rated by someone who never came. One review per student per
class (a unique key: a double submit is 409, never two rows). Reviews are shown on the class page with
their average. They are not folded into the tutor's rating: the product's rating and trust score are
defined over completed one-to-one lessons (PRODUCT.md §9), so class reviews stay their own figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.classes import AttendanceStatus, ClassAttendance, ClassReview, ClassSession, ClassStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.guard import flush_or_conflict
from tutorhub.services.classes.access import is_class_owner, load_class
from tutorhub.services.errors import Conflict, Forbidden, NotFound
from tutorhub.services.validation import clean_int, clean_text

MAX_LISTED = 50


class ClassReviewOut(BaseModel):
    id: int
    student_name: str
    rating: int
    comment: str
    created_at: datetime


class ClassReviewsOut(BaseModel):
    average: float | None  # None until the first review
    count: int
    items: list[ClassReviewOut]  # newest first, at most MAX_LISTED
    can_review: bool = False  # the viewer attended and has not reviewed yet


def _attended(session: Session, class_id: int, student_id: int) -> bool:
    return session.exec(select(ClassAttendance.id).join(
        ClassSession, col(ClassSession.id) == ClassAttendance.session_id).where(
        col(ClassSession.class_id) == class_id, col(ClassAttendance.student_id) == student_id,
        col(ClassAttendance.status).in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE])).limit(1)).first() is not None


def _reviewed(session: Session, class_id: int, student_id: int) -> bool:
    return session.exec(select(ClassReview.id).where(col(ClassReview.class_id) == class_id,
                                                     col(ClassReview.student_id) == student_id)).first() is not None


def review_class(session: Session, *, actor: UserOut | None, class_id: Any, rating: Any, comment: Any = "",
                 now: datetime | None = None) -> ClassReviewOut:
    """A student who attended rates the class 1–5 with an optional comment (once)."""
    now = now or utcnow()
    user = require_role(actor, Role.STUDENT)
    cls = load_class(session, class_id)
    assert cls.id is not None
    if cls.status == ClassStatus.DRAFT:
        raise NotFound("No such class.")
    stars = clean_int(rating, "rating", minimum=1, maximum=5)
    text = clean_text(comment if comment is not None else "", "comment", max_len=2000, multiline=True)
    if not _attended(session, cls.id, user.id):
        raise Forbidden("Only students who attended a session of this class can review it.")
    if _reviewed(session, cls.id, user.id):
        raise Conflict("You have already reviewed this class.")
    row = ClassReview(class_id=cls.id, tutor_id=cls.tutor_id, student_id=user.id, rating=stars, comment=text,
                      created_at=now)
    session.add(row)
    flush_or_conflict(session, conflict=lambda _m: Conflict("You have already reviewed this class."))
    assert row.id is not None
    return ClassReviewOut(id=row.id, student_name=user.full_name or "A student", rating=stars, comment=text,
                          created_at=now)


def class_reviews(session: Session, *, viewer: UserOut | None, class_id: Any) -> ClassReviewsOut:
    """The class's reviews (public, like the class page; a draft is visible to its tutor only, with none)."""
    cls = load_class(session, class_id)
    assert cls.id is not None
    if cls.status == ClassStatus.DRAFT and not is_class_owner(session, cls, viewer):
        raise NotFound("No such class.")
    avg, count = session.exec(select(func.avg(ClassReview.rating), func.count()).where(
        col(ClassReview.class_id) == cls.id)).one()
    rows = session.exec(select(ClassReview, User.full_name).join(User, col(User.id) == ClassReview.student_id).where(
        col(ClassReview.class_id) == cls.id).order_by(col(ClassReview.created_at).desc(), col(ClassReview.id).desc())
        .limit(MAX_LISTED)).all()
    can = (viewer is not None and viewer.role == Role.STUDENT and _attended(session, cls.id, viewer.id)
           and not _reviewed(session, cls.id, viewer.id))
    return ClassReviewsOut(
        average=round(float(avg), 2) if avg is not None else None, count=int(count), can_review=can,
        items=[ClassReviewOut(id=r.id or 0, student_name=name or "A student", rating=r.rating, comment=r.comment,
                              created_at=r.created_at) for r, name in rows],
    )
