"""What a homework looks like to its student, their guardians and its tutor (plain data)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.learning import Homework, HomeworkFile, HomeworkStatus
from tutorhub.services.timefmt import format_local


class ExerciseOut(BaseModel):
    number: int
    prompt: str
    topic: str
    answer: str
    feedback: str


class HomeworkFileOut(BaseModel):
    id: int
    name: str
    size_bytes: int
    url: str  # authorized download (the API checks the caller like the homework itself)


class HomeworkOut(BaseModel):
    id: int
    booking_id: int
    student_id: int
    student_name: str
    tutor_name: str
    title: str
    source: str
    status: str  # generating | draft | assigned | submitted | reviewed
    due_at: str
    due_label: str  # in the viewer's timezone
    overdue: bool
    exercises: list[ExerciseOut]
    answer_text: str
    files: list[HomeworkFileOut]
    score: int | None
    overall_feedback: str
    submitted_at: str | None
    reviewed_at: str | None
    viewer: str  # student | guardian | tutor


def _name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.full_name if user else ""


def is_overdue(work: Homework, now: datetime) -> bool:
    return work.status == HomeworkStatus.ASSIGNED and work.due_at < now


def homework_out(session: Session, work: Homework, viewer: str, zone: str, now: datetime) -> HomeworkOut:
    assert work.id is not None
    files = session.exec(select(HomeworkFile).where(col(HomeworkFile.homework_id) == work.id)
                         .order_by(col(HomeworkFile.id))).all()
    feedback = list(work.feedback)
    return HomeworkOut(
        id=work.id, booking_id=work.booking_id, student_id=work.student_id,
        student_name=_name(session, work.student_id), tutor_name=_name(session, work.tutor_id), title=work.title,
        source=work.source, status=work.status, due_at=work.due_at.isoformat(),
        due_label=format_local(work.due_at.isoformat(), zone), overdue=is_overdue(work, now),
        exercises=[ExerciseOut(number=i + 1, prompt=str(e.get("prompt", "")), topic=str(e.get("topic", "")),
                               answer=str(e.get("answer", "")), feedback=feedback[i] if i < len(feedback) else "")
                   for i, e in enumerate(work.exercises)],
        answer_text=work.answer_text,
        files=[HomeworkFileOut(id=f.id or 0, name=f.filename, size_bytes=f.size_bytes,
                               url=f"/api/v1/homework/{work.id}/files/{f.id}") for f in files],
        score=work.score, overall_feedback=work.overall_feedback,
        submitted_at=work.submitted_at.isoformat() if work.submitted_at else None,
        reviewed_at=work.reviewed_at.isoformat() if work.reviewed_at else None, viewer=viewer,
    )
