"""Reviews: after a completed lesson its student rates it 1–5 with a comment (one review per
lesson, enforced by a unique constraint too); the tutor may reply once. Each review updates the
tutor's Bayesian rating and trust score (services/tutors/stats.py) in the same transaction.

Reviews are public on the tutor's profile (`list_tutor_reviews`), with the student's first name
only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, BookingStatus, Review
from tutorhub.services.actor import UserOut
from tutorhub.services.booking.access import load_for_change
from tutorhub.services.booking.notify import notify_tutor
from tutorhub.services.booking.views import ReviewOut, review_out
from tutorhub.services.errors import Conflict
from tutorhub.services.paging import page_count
from tutorhub.services.tutors.search import get_public_profile
from tutorhub.services.tutors.stats import refresh_tutor_stats
from tutorhub.services.validation import clean_int, clean_text, fail

REVIEWABLE = (BookingStatus.COMPLETED, BookingStatus.SETTLED, BookingStatus.DISPUTED)
MAX_COMMENT = 2000


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    total: int
    page: int
    per_page: int
    pages: int


def _first_name(full_name: str) -> str:
    return full_name.split()[0] if full_name.strip() else "Student"


def _rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise fail("rating", "must be a whole number from 1 to 5")
    return clean_int(value, "rating", minimum=1, maximum=5)


def add_review(
    session: Session, *, actor: UserOut | None, booking_id: Any, rating: Any, comment: Any = "", now: datetime | None = None
) -> ReviewOut:
    """The student reviews a completed lesson (409 if it is not completed or already reviewed)."""
    now = now or utcnow()
    stars = _rating(rating)
    text = clean_text(comment, "comment", max_len=MAX_COMMENT, multiline=True)
    # The tutor lock serializes reviews of one tutor so the stored count and average stay exact.
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT)
    if booking.status not in REVIEWABLE:
        raise Conflict("You can review a lesson once it is completed.")
    if session.exec(select(col(Review.id)).where(col(Review.booking_id) == booking.id)).first() is not None:
        raise Conflict("You have already reviewed this lesson.")
    review = Review(
        booking_id=booking.id or 0,
        tutor_id=booking.tutor_id,
        student_id=booking.student_id,
        rating=stars,
        comment=text,
        created_at=now,
    )
    session.add(review)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent review of the same lesson won
        raise Conflict("You have already reviewed this lesson.") from exc
    refresh_tutor_stats(session, booking.tutor_id, now=now)
    notify_tutor(session, booking, "New review", f"Your student rated the lesson {stars}/5.")
    return review_out(review, _first_name(party.user.full_name))


def reply_to_review(
    session: Session, *, actor: UserOut | None, booking_id: Any, reply: Any, now: datetime | None = None
) -> ReviewOut:
    """The tutor answers the review of one of their lessons — once."""
    now = now or utcnow()
    text = clean_text(reply, "reply", max_len=MAX_COMMENT, multiline=True, required=True)
    booking, _ = load_for_change(session, actor, booking_id, ActorRole.TUTOR)
    review = session.exec(select(Review).where(col(Review.booking_id) == booking.id).with_for_update()).first()
    if review is None:
        raise Conflict("This lesson has no review to reply to.")
    if review.replied_at is not None:
        raise Conflict("You have already replied to this review.")
    review.reply = text
    review.replied_at = now
    session.add(review)
    session.flush()
    student = session.get(User, review.student_id)
    return review_out(review, _first_name(student.full_name if student else ""))


def list_tutor_reviews(session: Session, *, tutor_id: Any, page: Any = 1, per_page: Any = 10) -> ReviewPage:
    """A tutor's reviews, newest first, for their public profile (404 unless the tutor is public)."""
    profile = get_public_profile(session, tutor_id=tutor_id)
    page_no = clean_int(1 if page in (None, "") else page, "page", minimum=1, maximum=100_000)
    size = clean_int(10 if per_page in (None, "") else per_page, "per_page", minimum=1, maximum=50)
    total = int(session.exec(select(func.count()).select_from(Review).where(col(Review.tutor_id) == profile.id)).one())
    rows = session.exec(
        select(Review, User)
        .join(User, col(User.id) == col(Review.student_id))
        .where(col(Review.tutor_id) == profile.id)
        .order_by(col(Review.created_at).desc(), col(Review.id).desc())
        .offset((page_no - 1) * size)
        .limit(size)
    ).all()
    return ReviewPage(
        items=[review_out(r, _first_name(u.full_name)) for r, u in rows],
        total=total,
        page=page_no,
        per_page=size,
        pages=page_count(total, size),
    )
