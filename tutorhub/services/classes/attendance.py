"""The tutor marks each enrolled student present, late or absent for a session (once it has begun);
marking again changes the mark. Only the class's tutor may mark, and only students holding a seat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.classes import AttendanceStatus, ClassAttendance, ClassEnrolment, ClassSession, SeatStatus
from tutorhub.services.actor import UserOut
from tutorhub.services.classes.access import owned_class
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.validation import clean_id, fail


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
    if row.start_at > now:
        raise Conflict("Attendance can be marked once the session has begun.")
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


def session_attendance(session: Session, *, actor: UserOut | None, class_id: Any, session_id: Any
                       ) -> dict[int, str]:
    """Marks of one session by student id (the tutor's roster view)."""
    cls, _ = owned_class(session, actor, class_id)
    sid = clean_id(session_id, "No such session.")
    row = session.get(ClassSession, sid)
    if row is None or row.class_id != cls.id:
        raise NotFound("No such session.")
    marks = session.exec(select(ClassAttendance.student_id, ClassAttendance.status)
                         .where(col(ClassAttendance.session_id) == sid)).all()
    return dict(marks)
