"""Reading courses: the public search (published courses), a course's page, a tutor's own courses.

The course page lists chapters for everyone, but notes and the "playable" flag only for viewers who may
watch each chapter (enrolled students, the tutor, admins; preview chapters for anyone signed in), and
never a video URL: that comes from the video route, per request, short-lived.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.courses import (
    ChapterProgress,
    Course,
    CourseChapter,
    CourseEnrolment,
    CourseEnrolmentStatus,
    CourseReview,
    CourseStatus,
    VideoStatus,
)
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing.credits import credit_summary
from tutorhub.services.billing.wallet import wallet_balance
from tutorhub.services.catalog import normalize_grade, normalize_subject
from tutorhub.services.courses.access import (
    chapters_of,
    is_staff,
    may_watch,
    tutor_profile_id,
    visible_course,
)
from tutorhub.services.courses.course_credits import course_minutes
from tutorhub.services.courses.notes import render_notes
from tutorhub.services.courses.views import ChapterOut, CourseCard, CourseDetail, CoursePage, CourseReviewItem
from tutorhub.services.errors import InvalidInput
from tutorhub.services.paging import page_count, page_number
from tutorhub.services.validation import clean_int

PER_PAGE = 20


def _tutor_names(session: Session, tutor_ids: list[int]) -> dict[int, str]:
    if not tutor_ids:
        return {}
    rows = session.exec(select(TutorProfile.id, User.full_name).join(User, col(User.id) == col(TutorProfile.user_id))
                        .where(col(TutorProfile.id).in_(tutor_ids))).all()
    return {tid: name for tid, name in rows if tid is not None}


def _rating(course: Course) -> float | None:
    return round(course.rating_sum / course.rating_count, 2) if course.rating_count else None


def _cards(session: Session, rows: list[Course]) -> list[CourseCard]:
    names = _tutor_names(session, sorted({r.tutor_id for r in rows}))
    ids = [r.id for r in rows]
    counts = dict(session.exec(select(CourseChapter.course_id, func.count()).where(
        col(CourseChapter.course_id).in_(ids)).group_by(col(CourseChapter.course_id))).all()) if ids else {}
    return [CourseCard(id=int(r.id or 0), title=r.title, subject=r.subject, grade=r.grade, price_minor=r.price_minor,
                       currency=r.currency, tutor_name=names.get(r.tutor_id, ""), rating=_rating(r),
                       rating_count=r.rating_count, chapters=int(counts.get(r.id or 0, 0)), has_cover=bool(r.cover_key),
                       status=r.status) for r in rows]


def search_courses(session: Session, *, subject: Any = None, grade: Any = None, max_price_minor: Any = None,
                   min_rating: Any = None, page: Any = 1) -> CoursePage:
    """Published courses, best rated first, 20 a page. An unknown subject or grade matches nothing (no 422)."""
    try:
        subject = normalize_subject(subject) if subject not in (None, "") else None
        grade = normalize_grade(grade) if grade not in (None, "") else None
    except InvalidInput:
        return CoursePage(items=[], total=0, page=1, pages=1)
    query = select(Course).where(col(Course.status) == CourseStatus.PUBLISHED)
    if subject:
        query = query.where(col(Course.subject) == subject)
    if grade:
        query = query.where(col(Course.grade) == grade)
    if max_price_minor not in (None, ""):
        query = query.where(col(Course.price_minor) <= clean_int(max_price_minor, "max_price_minor"))
    if min_rating not in (None, ""):
        stars = clean_int(min_rating, "min_rating", minimum=1, maximum=5)
        query = query.where(col(Course.rating_count) > 0, col(Course.rating_sum) >= stars * col(Course.rating_count))
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    number = page_number(page, text_ok=True)
    # The average rating (0 for none); CASE rather than a two-argument max(), which PostgreSQL lacks.
    score = (col(Course.rating_sum) * 1.0) / case((col(Course.rating_count) > 0, col(Course.rating_count)), else_=1)
    rows = list(session.exec(query.order_by(score.desc(), col(Course.id).desc())
                             .offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all())
    return CoursePage(items=_cards(session, rows), total=total, page=number, pages=page_count(total, PER_PAGE))


def my_courses(session: Session, *, actor: UserOut | None) -> list[CourseCard]:
    """The acting tutor's courses (all statuses), or the acting student's enrolled ones."""
    user = require_role(actor, Role.TUTOR, Role.STUDENT)
    if user.role == Role.TUTOR:
        query = select(Course).where(col(Course.tutor_id) == tutor_profile_id(session, user))
    else:
        enrolled = select(CourseEnrolment.course_id).where(col(CourseEnrolment.student_id) == user.id,
                                                           col(CourseEnrolment.status) == CourseEnrolmentStatus.ACTIVE)
        query = select(Course).where(col(Course.id).in_(enrolled))
    return _cards(session, list(session.exec(query.order_by(col(Course.id).desc()).limit(100)).all()))


def get_course(session: Session, *, viewer: UserOut | None, course_id: Any, now: datetime | None = None) -> CourseDetail:
    course = visible_course(session, viewer, course_id)
    assert course.id is not None
    chapters = chapters_of(session, course.id)
    mine = None
    if viewer is not None and viewer.role == Role.STUDENT:
        mine = session.exec(select(CourseEnrolment.status).where(
            col(CourseEnrolment.course_id) == course.id, col(CourseEnrolment.student_id) == viewer.id,
            col(CourseEnrolment.status).in_(CourseEnrolmentStatus.LIVE))).first()
    progress: dict[int, ChapterProgress] = {}
    if mine == CourseEnrolmentStatus.ACTIVE and viewer is not None:
        progress = {p.chapter_id: p for p in session.exec(select(ChapterProgress).where(
            col(ChapterProgress.course_id) == course.id, col(ChapterProgress.student_id) == viewer.id)).all()}
    owner = viewer is not None and viewer.role == Role.TUTOR and is_staff(session, viewer, course)
    out = []
    for c in chapters:
        watch = may_watch(session, viewer, course, c)
        seen = progress.get(int(c.id or 0))
        out.append(ChapterOut(
            id=int(c.id or 0), position=c.position, title=c.title, preview=c.preview,
            has_video=c.video_status == VideoStatus.READY, notes_html=render_notes(c.notes_md) if watch else None,
            playable=watch and c.video_status == VideoStatus.READY,
            completed=bool(seen and seen.completed_at), position_s=seen.position_s if seen else 0,
            notes_md=c.notes_md if owner else None,
        ))
    done = sum(1 for c in out if c.completed)
    card = _cards(session, [course])[0]
    return CourseDetail(
        id=card.id, title=course.title, subject=course.subject, grade=course.grade, description=course.description,
        price_minor=course.price_minor, currency=course.currency, status=course.status, tutor_name=card.tutor_name,
        rating=card.rating, rating_count=course.rating_count, has_cover=card.has_cover, chapters=out,
        enrolment_status=mine, is_owner=is_staff(session, viewer, course) and (viewer is None or viewer.role != Role.ADMIN),
        progress_percent=round(100 * done / len(out)) if out and mine == CourseEnrolmentStatus.ACTIVE else 0,
        wallet_minor=wallet_balance(session, viewer.id, course.currency)
        if viewer and viewer.role in (Role.STUDENT, Role.GUARDIAN) else None,
        credit_price_minutes=course_minutes(session, course),
        credits_minutes=credit_summary(session, viewer.id, now or utcnow())[0] if viewer and viewer.role == Role.STUDENT
        else None,
        reviews=_reviews(session, course.id),
    )


def _reviews(session: Session, course_id: int) -> list[CourseReviewItem]:
    rows = session.exec(select(CourseReview.rating, CourseReview.body, User.full_name)
                        .join(User, col(User.id) == col(CourseReview.student_id))
                        .where(col(CourseReview.course_id) == course_id)
                        .order_by(col(CourseReview.id).desc()).limit(20)).all()
    return [CourseReviewItem(rating=r, body=b, author=(n or "").split(" ")[0] or "A student") for r, b, n in rows]
