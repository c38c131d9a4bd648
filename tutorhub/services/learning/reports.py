"""Lesson reports: when a lesson has ended, its tutor records the topics covered, the mistakes seen
and notes for the student and guardian, and may ask for homework (one report per lesson).

The homework is created "generating" in the same unit of work and drafted afterwards by
`homework.generate_homework` (Claude or the offline generator), outside the transaction, exactly
like study plans; the tutor then edits and sends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, BookingStatus
from tutorhub.models.learning import Homework, HomeworkStatus, LessonReport
from tutorhub.services.actor import UserOut
from tutorhub.services.booking.access import load_for_change, load_for_view
from tutorhub.services.booking.notify import notify_student
from tutorhub.services.errors import Conflict
from tutorhub.services.learning.syllabus import find_course
from tutorhub.services.validation import clean_text, fail

ENDED = (BookingStatus.COMPLETED, BookingStatus.SETTLED, BookingStatus.DISPUTED)
MAX_ITEMS = 10
HOMEWORK_DAYS = 7


class ReportOut(BaseModel):
    id: int
    booking_id: int
    subject: str
    topics: list[str]
    mistakes: list[str]
    notes: str
    created_at: str
    homework_id: int | None
    homework_status: str | None


def _items(value: Any, field: str) -> list[str]:
    """A list of short texts, or one text split on commas / new lines."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [p for p in value.replace("\n", ",").split(",")]
    if not isinstance(value, list | tuple):
        raise fail(field, "must be a list of short texts")
    items = [clean_text(v, field, max_len=200) for v in value]
    items = [i for i in items if i]
    if len(items) > MAX_ITEMS:
        raise fail(field, f"at most {MAX_ITEMS}")
    return items


def report_out(report: LessonReport, homework: Homework | None) -> ReportOut:
    assert report.id is not None
    return ReportOut(id=report.id, booking_id=report.booking_id, subject=report.subject, topics=list(report.topics),
                     mistakes=list(report.mistakes), notes=report.notes, created_at=report.created_at.isoformat(),
                     homework_id=homework.id if homework else None, homework_status=homework.status if homework else None)


def write_lesson_report(session: Session, *, actor: UserOut | None, booking_id: Any, topics: Any, mistakes: Any = None,
                        notes: Any = "", homework: Any = False, now: datetime | None = None) -> ReportOut:
    """The lesson's tutor reports on a lesson that has ended (409 before, or a second time)."""
    now = now or utcnow()
    booking, party = load_for_change(session, actor, booking_id, ActorRole.TUTOR, lock=False)
    if booking.status not in ENDED:
        raise Conflict("You can write the report once the lesson has ended.")
    topic_list = _items(topics, "topics")
    if not topic_list:
        raise fail("topics", "name at least one topic covered")
    mistake_list = _items(mistakes, "mistakes")
    text = clean_text(notes, "notes", max_len=4000, multiline=True)
    if not isinstance(homework, bool):
        raise fail("homework", "must be true or false")
    if session.exec(select(LessonReport.id).where(col(LessonReport.booking_id) == booking.id)).first() is not None:
        raise Conflict("This lesson already has a report.")
    assert booking.id is not None
    report = LessonReport(booking_id=booking.id, tutor_id=party.user.id, student_id=booking.student_id,
                          subject=booking.subject, topics=topic_list, mistakes=mistake_list, notes=text, created_at=now)
    session.add(report)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent report of the same lesson won
        raise Conflict("This lesson already has a report.") from exc
    work = None
    if homework:
        assert report.id is not None
        work = Homework(report_id=report.id, booking_id=booking.id, tutor_id=party.user.id,
                        student_id=booking.student_id, title="Homework", status=HomeworkStatus.GENERATING,
                        due_at=now + timedelta(days=HOMEWORK_DAYS), created_at=now)
        session.add(work)
        session.flush()
    notify_student(session, booking, "Lesson report", "Your tutor wrote a report on your lesson.")
    return report_out(report, work)


class ReportView(BaseModel):
    """The lesson page's report section: the report, or whether the viewer may write it now."""

    report: ReportOut | None
    can_write: bool
    suggested_mistakes: list[str]  # the subject's common mistakes, offered as picks


def get_lesson_report(session: Session, *, actor: UserOut | None, booking_id: Any) -> ReportView:
    """The lesson's report for its student, tutor (or admin); NotFound for anyone else."""
    booking, party = load_for_view(session, actor, booking_id)
    report = session.exec(select(LessonReport).where(col(LessonReport.booking_id) == booking.id)).first()
    if report is not None:
        work = session.exec(select(Homework).where(col(Homework.report_id) == report.id)).first()
        return ReportView(report=report_out(report, work), can_write=False, suggested_mistakes=[])
    can_write = party.role == ActorRole.TUTOR and booking.status in ENDED
    course = find_course(booking.subject or "general", "high") if can_write else None
    picks = [m for t in course.topics for m in t.mistakes][:12] if course else []
    return ReportView(report=None, can_write=can_write, suggested_mistakes=picks)
