"""A tutor's figures for one course: enrolments, sales, refunds, and how far students get per chapter."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.courses import ChapterProgress, Course, CourseEnrolment, CourseEnrolmentStatus
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.checkout.course_payments import held
from tutorhub.services.courses.access import chapters_of, owned_course, tutor_profile_id
from tutorhub.services.courses.course_credits import held_minutes
from tutorhub.services.money.payouts import earnings_account


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


class CourseEarnings(BaseModel):
    currency: str
    in_refund_window_minor: int  # course sales still in escrow (before commission)
    earned_minor: int  # released to the tutor from course sales (after commission), all time
    sales: int  # enrolments that paid


def tutor_course_earnings(session: Session, *, actor: UserOut | None) -> list[CourseEarnings]:
    """The acting tutor's money from courses, per currency (for the earnings page)."""
    user = require_role(actor, Role.TUTOR)
    profile_id = tutor_profile_id(session, user)
    mine = select(Course.id).where(col(Course.tutor_id) == profile_id)
    rows = session.exec(select(CourseEnrolment).where(
        col(CourseEnrolment.course_id).in_(mine), col(CourseEnrolment.price_minor) > 0,
        col(CourseEnrolment.status).in_((CourseEnrolmentStatus.ACTIVE, CourseEnrolmentStatus.REFUNDED)))).all()
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        if row.status == CourseEnrolmentStatus.ACTIVE:
            out[row.currency][2] += 1
            if row.method == "credits":  # minutes held: the price the tutor will be paid for them
                out[row.currency][0] += row.price_minor if held_minutes(session, row) > 0 else 0
            else:
                out[row.currency][0] += held(session, row)
    released = session.exec(
        select(LedgerEntry.unit, func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .where(col(LedgerTransaction.kind) == "course_release", col(LedgerAccount.code) == earnings_account(user.id))
        .group_by(col(LedgerEntry.unit))).all()
    for unit, total in released:
        out[str(unit)][1] += -int(total)
    return [CourseEarnings(currency=c, in_refund_window_minor=v[0], earned_minor=v[1], sales=v[2])
            for c, v in sorted(out.items())]
