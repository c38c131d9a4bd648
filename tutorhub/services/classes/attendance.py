"""The tutor marks each enrolled student present, late or absent for a session — from `OPENS_BEFORE`
before its start (the tutor opens the room a little early) — and marking again changes the mark. Only the
class's tutor may mark or see the roster, and only students holding a paid seat can be marked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.classes import AttendanceStatus, ClassAttendance, ClassEnrolment, ClassSession, SeatStatus
from tutorhub.services.actor import UserOut
from tutorhub.services.classes.access import owned_class
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.validation import clean_id, fail

OPENS_BEFORE = timedelta(minutes=15)


class RosterRow(BaseModel):
    student_id: int
    name: str
    mark: str  # present | late | absent | "" (not marked yet)


def mark_attendance(session: Session, *, actor: UserOut | None, class_id: Any, session_id: Any, student_id: Any,
                    status: Any, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    cls, _ = owned_class(session, actor, class_id)
    sid = clean_id(session_id, "No such session.")
    row = session.get(ClassSession, sid)
    if row is None or row.class_id != cls.id:
        raise NotFound("No such session.")
    if status not in AttendanceStatus.ALL:
        raise fail("status", "must be present, late or absent")
    student = clean_id(student_id, "No such student in this class.")
    enrolled = session.exec(select(ClassEnrolment.id).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.student_id) == student,
        col(ClassEnrolment.status) == SeatStatus.ENROLLED)).first()
    if enrolled is None:
        raise fail("student_id", "is not enrolled in this class")
    if row.start_at - OPENS_BEFORE > now:
        raise Conflict("Attendance can be marked from 15 minutes before the session starts.")
    if row.status == "CANCELLED":
        raise Conflict("This session was cancelled.")
    assert actor is not None
    mark = session.exec(select(ClassAttendance).where(col(ClassAttendance.session_id) == sid,
                                                      col(ClassAttendance.student_id) == student)).first()
    if mark is None:
        mark = ClassAttendance(session_id=sid, student_id=student, status=str(status), marked_by=actor.id,
                               marked_at=now)
    else:
        mark.status, mark.marked_by, mark.marked_at = str(status), actor.id, now
    session.add(mark)
    session.flush()
    return {"session_id": sid, "student_id": student, "status": mark.status}


def session_roster(session: Session, *, actor: UserOut | None, class_id: Any, session_id: Any) -> list[RosterRow]:
    """The enrolled students of a session with their marks, by name (the tutor's roster)."""
    cls, _ = owned_class(session, actor, class_id)
    sid = clean_id(session_id, "No such session.")
    row = session.get(ClassSession, sid)
    if row is None or row.class_id != cls.id:
        raise NotFound("No such session.")
    marks = dict(session.exec(select(ClassAttendance.student_id, ClassAttendance.status)
                              .where(col(ClassAttendance.session_id) == sid)).all())
    students = session.exec(select(User.id, User.full_name).join(
        ClassEnrolment, col(ClassEnrolment.student_id) == col(User.id)).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.ENROLLED,
    ).order_by(col(User.full_name), col(User.id))).all()
    return [RosterRow(student_id=uid, name=name, mark=marks.get(uid, "")) for uid, name in students if uid is not None]
