"""A tutor's figures for one course: enrolments, sales, refunds, and how far students get per chapter."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.courses import ChapterProgress, CourseEnrolment, CourseEnrolmentStatus
from tutorhub.services.actor import UserOut
from tutorhub.services.courses.access import chapters_of, owned_course


class ChapterCompletion(BaseModel):
    label: str  # "1. Title" (short, for a chart axis)
    completed: int  # students who completed it
    percent: int  # of active enrolments


class CourseStats(BaseModel):
    enrolments: int  # active now
    refunded: int
    sales_minor: int  # what active paid enrolments paid
    released_minor: int  # of which already past the refund window (paid to the tutor, before commission)
    currency: str
    chapters: list[ChapterCompletion]


def course_stats(session: Session, *, actor: UserOut | None, course_id: Any) -> CourseStats:
    course = owned_course(session, actor, course_id)
    assert course.id is not None
    rows = session.exec(select(CourseEnrolment.status, func.count(), func.coalesce(func.sum(CourseEnrolment.price_minor), 0))
                        .where(col(CourseEnrolment.course_id) == course.id)
                        .group_by(col(CourseEnrolment.status))).all()
    by_status = {status: (int(n), int(total)) for status, n, total in rows}
    active, sales = by_status.get(CourseEnrolmentStatus.ACTIVE, (0, 0))
    released = session.exec(select(func.coalesce(func.sum(CourseEnrolment.price_minor), 0)).where(
        col(CourseEnrolment.course_id) == course.id, col(CourseEnrolment.status) == CourseEnrolmentStatus.ACTIVE,
        col(CourseEnrolment.released_at).is_not(None))).one()
    done = dict(session.exec(select(ChapterProgress.chapter_id, func.count()).where(
        col(ChapterProgress.course_id) == course.id, col(ChapterProgress.completed_at).is_not(None))
        .group_by(col(ChapterProgress.chapter_id))).all())
    chapters = [ChapterCompletion(label=f"{c.position}. {c.title[:18]}", completed=int(done.get(c.id or 0, 0)),
                                  percent=round(100 * int(done.get(c.id or 0, 0)) / active) if active else 0)
                for c in chapters_of(session, course.id)]
    return CourseStats(enrolments=active, refunded=by_status.get(CourseEnrolmentStatus.REFUNDED, (0, 0))[0],
                       sales_minor=sales, released_minor=int(released), currency=course.currency, chapters=chapters)
