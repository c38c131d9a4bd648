"""Homework: drafted from a lesson report, edited and sent by the tutor, answered by the student
(text per exercise and files, stored privately like chat attachments), reviewed by the tutor
(a score and feedback per exercise). The student, their guardians and the tutor see it; overdue
homework (past its due time, not submitted) is flagged for all of them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.llm import LlmClient, get_llm_client
from tutorhub.integrations.storage import get_storage
from tutorhub.models.accounts import Role, StudentProfile
from tutorhub.models.base import utcnow
from tutorhub.models.learning import (
    GuardianLink,
    GuardianLinkStatus,
    Homework,
    HomeworkFile,
    HomeworkStatus,
    LessonReport,
)
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, Forbidden, NotFound
from tutorhub.services.learning.access import GUARDIAN, STUDENT, TUTOR, is_guardian_of, linked_student_ids
from tutorhub.services.learning.homework_drafting import DraftedHomework, HomeworkRequest, draft_homework
from tutorhub.services.learning.homework_views import HomeworkOut, homework_out
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.uploads import check_upload, sniff_image_or_document_type
from tutorhub.services.validation import check_fields, clean_id, clean_int, clean_text, fail

NOT_FOUND = "Homework not found."
MAX_FILES = 5
ALLOWED = "a JPEG, PNG or WebP image or a PDF"
HIDDEN_FROM_STUDENTS = (HomeworkStatus.GENERATING, HomeworkStatus.DRAFT)


def _request_for(session: Session, work: Homework) -> HomeworkRequest:
    report = session.get(LessonReport, work.report_id)
    profile = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == work.student_id)).first()
    return HomeworkRequest(subject=(report.subject if report else "") or "general",
                           grade=(profile.grade_level if profile else "") or "high",
                           topics=tuple(report.topics if report else ()),
                           mistakes=tuple(report.mistakes if report else ()))


def _store(session: Session, work: Homework, drafted: DraftedHomework) -> None:
    work.title, work.source, work.status = drafted.draft.title, drafted.source, HomeworkStatus.DRAFT
    work.exercises = [{"prompt": e.prompt, "topic": e.topic, "answer": ""} for e in drafted.draft.exercises]
    work.feedback = ["" for _ in work.exercises]
    session.add(work)
    session.flush()


def generate_homework(*, homework_id: int, llm: LlmClient | None = None, use_llm: bool = True) -> str:
    """Draft the exercises of a "generating" homework (its own units of work around the model call)."""
    with session_scope(read_only=True) as session:
        work = session.get(Homework, homework_id)
        if work is None or work.status != HomeworkStatus.GENERATING:
            return work.status if work else "missing"
        request = _request_for(session, work)
    drafted = draft_homework(request, (llm or get_llm_client()) if use_llm else None)
    with session_scope() as session:
        work = session.exec(select(Homework).where(col(Homework.id) == homework_id).with_for_update()).first()
        if work is None or work.status != HomeworkStatus.GENERATING:
            return work.status if work else "missing"
        _store(session, work, drafted)
        return work.status


def generate_homework_offline(session: Session, *, homework_id: int) -> str:
    """The offline generator inside the caller's unit of work (no network: demo data, imports)."""
    work = session.get(Homework, homework_id)
    if work is None or work.status != HomeworkStatus.GENERATING:
        return work.status if work else "missing"
    _store(session, work, draft_homework(_request_for(session, work), None))
    return work.status


def _load(session: Session, actor: UserOut | None, homework_id: Any) -> tuple[Homework, UserOut, str]:
    user = require_role(actor)
    work = session.get(Homework, clean_id(homework_id, NOT_FOUND))
    if work is None:
        raise NotFound(NOT_FOUND)
    if user.role == Role.TUTOR and work.tutor_id == user.id:
        return work, user, TUTOR
    if work.status not in HIDDEN_FROM_STUDENTS:
        if user.role == Role.STUDENT and work.student_id == user.id:
            return work, user, STUDENT
        if user.role == Role.GUARDIAN and is_guardian_of(session, user.id, work.student_id):
            return work, user, GUARDIAN
    raise NotFound(NOT_FOUND)


def _only(role: str, wanted: str, message: str) -> None:
    if role != wanted:
        raise Forbidden(message)


def get_homework(session: Session, *, actor: UserOut | None, homework_id: Any,
                 now: datetime | None = None) -> HomeworkOut:
    work, user, role = _load(session, actor, homework_id)
    return homework_out(session, work, role, user.timezone, now or utcnow())


def list_homework(session: Session, *, actor: UserOut | None, student_id: Any = None, limit: int = 50,
                  now: datetime | None = None) -> list[HomeworkOut]:
    """Newest first: a tutor's own (all states); a student's (once sent); a guardian's children's."""
    user = require_role(actor, Role.STUDENT, Role.GUARDIAN, Role.TUTOR)
    query = select(Homework)
    if user.role == Role.TUTOR:
        query = query.where(col(Homework.tutor_id) == user.id)
        role = TUTOR
    else:
        children = [user.id] if user.role == Role.STUDENT else linked_student_ids(session, user.id)
        if student_id not in (None, ""):
            wanted = clean_id(student_id, "No such student linked to you.")
            if wanted not in children:
                raise NotFound("No such student linked to you.")
            children = [wanted]
        query = query.where(col(Homework.student_id).in_(children),
                            col(Homework.status).not_in(HIDDEN_FROM_STUDENTS))
        role = STUDENT if user.role == Role.STUDENT else GUARDIAN
    rows = session.exec(query.order_by(col(Homework.id).desc()).limit(limit)).all()
    return [homework_out(session, w, role, user.timezone, now or utcnow()) for w in rows]


def _notify(session: Session, work: Homework, *, to_tutor: bool, title: str, body: str, now: datetime) -> None:
    notify(session, user_id=work.tutor_id if to_tutor else work.student_id, kind="learning", title=title, body=body,
           link=f"/homework/{work.id}", now=now)
    if not to_tutor:  # guardians get a copy of what their child gets
        for link in linked_guardians(session, work.student_id):
            notify(session, user_id=link, kind="learning", title=title, body=body, link=f"/homework/{work.id}", now=now)


def linked_guardians(session: Session, student_id: int) -> list[int]:
    return [g for g in session.exec(select(GuardianLink.guardian_id).where(
        col(GuardianLink.student_id) == student_id, col(GuardianLink.status) == GuardianLinkStatus.ACTIVE)).all()
        if g is not None]


def send_homework(session: Session, *, actor: UserOut | None, homework_id: Any, title: Any = None,
                  exercises: Any = None, due_at: Any = None, now: datetime | None = None) -> HomeworkOut:
    """The tutor edits (title, exercise prompts, due time) and sends a draft to the student."""
    now = now or utcnow()
    work, user, role = _load(session, actor, homework_id)
    _only(role, TUTOR, "Only the tutor sends homework.")
    if work.status != HomeworkStatus.DRAFT:
        raise Conflict("Only a drafted homework can be edited and sent.")
    values = check_fields([
        ("title", lambda: clean_text(title, "title", max_len=160, required=True) if title is not None else work.title),
        ("exercises", lambda: _prompts(exercises) if exercises is not None else None),
        ("due_at", lambda: _due(due_at, now) if due_at not in (None, "") else work.due_at),
    ])
    if values["exercises"] is not None:
        work.exercises = [{"prompt": p, "topic": "", "answer": ""} for p in values["exercises"]]
        work.feedback = ["" for _ in work.exercises]
    work.title, work.due_at, work.status = values["title"], values["due_at"], HomeworkStatus.ASSIGNED
    session.add(work)
    session.flush()
    _notify(session, work, to_tutor=False, title="New homework", body=f"{work.title} — due {work.due_at:%Y-%m-%d}",
            now=now)
    return homework_out(session, work, role, user.timezone, now)


def _prompts(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > 8:
        raise fail("exercises", "must be a list of 1 to 8 exercises")
    prompts = [clean_text(v, "exercises", max_len=600, required=True, multiline=True) for v in value]
    return prompts


def _due(value: Any, now: datetime) -> datetime:
    if isinstance(value, datetime):
        due = value
    elif isinstance(value, str):
        try:
            due = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise fail("due_at", "must be a date and time like 2027-03-08T18:00:00+00:00") from exc
    else:
        raise fail("due_at", "must be a date and time like 2027-03-08T18:00:00+00:00")
    if due.tzinfo is None:
        raise fail("due_at", "must include a UTC offset")
    if due < now or due > now + timedelta(days=90):
        raise fail("due_at", "must be in the next 90 days")
    return due


def submit_homework(session: Session, *, actor: UserOut | None, homework_id: Any, answers: Any = None,
                    text: Any = "", now: datetime | None = None) -> HomeworkOut:
    """The student answers (per exercise and/or overall); may resubmit until it is reviewed."""
    now = now or utcnow()
    work, user, role = _load(session, actor, homework_id)
    _only(role, STUDENT, "Only the student submits homework.")
    if work.status not in (HomeworkStatus.ASSIGNED, HomeworkStatus.SUBMITTED):
        raise Conflict("This homework has been reviewed already.")
    answer_list = answers if answers is not None else []
    if not isinstance(answer_list, list):
        raise fail("answers", "must be a list of answers")
    if len(answer_list) > len(work.exercises):  # a fact about this homework, not the request's shape: 409
        raise Conflict(f"This homework has {len(work.exercises)} exercises.",
                       fields={"answers": f"at most {len(work.exercises)} answers"})
    cleaned = [clean_text(a, "answers", max_len=4000, multiline=True) for a in answer_list]
    body = clean_text(text, "text", max_len=8000, multiline=True)
    has_files = session.exec(select(HomeworkFile.id).where(col(HomeworkFile.homework_id) == work.id)).first()
    if not any(cleaned) and not body and has_files is None:  # depends on the files attached so far: 409
        raise Conflict("Nothing to submit yet.", fields={"answers": "write an answer or attach a file first"})
    work.exercises = [{**e, "answer": cleaned[i] if i < len(cleaned) else e.get("answer", "")}
                      for i, e in enumerate(work.exercises)]
    work.answer_text, work.submitted_at, work.status = body, now, HomeworkStatus.SUBMITTED
    session.add(work)
    session.flush()
    _notify(session, work, to_tutor=True, title="Homework submitted", body=work.title, now=now)
    return homework_out(session, work, role, user.timezone, now)


def attach_homework_file(session: Session, *, actor: UserOut | None, homework_id: Any, filename: Any, data: Any,
                         now: datetime | None = None) -> HomeworkOut:
    """The student attaches a file (image or PDF, checked by content, stored privately)."""
    now = now or utcnow()
    work, user, role = _load(session, actor, homework_id)
    _only(role, STUDENT, "Only the student attaches files.")
    if work.status not in (HomeworkStatus.ASSIGNED, HomeworkStatus.SUBMITTED):
        raise Conflict("This homework has been reviewed already.")
    count = len(session.exec(select(HomeworkFile.id).where(col(HomeworkFile.homework_id) == work.id)).all())
    if count >= MAX_FILES:
        raise Conflict(f"At most {MAX_FILES} files per homework.")
    content_type, ext = check_upload(data, sniff=sniff_image_or_document_type, allowed=ALLOWED)
    name = (clean_text(filename or "file", "filename", max_len=500) or "file").replace("/", "_").replace("\\", "_")[-200:]
    key = f"homework/{work.id}/{uuid.uuid4().hex}-{ext}"
    storage = get_storage()
    storage.save(key, bytes(data))
    try:
        assert work.id is not None
        session.add(HomeworkFile(homework_id=work.id, owner_id=user.id, filename=name, content_type=content_type,
                                 size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
                                 created_at=now))
        session.flush()
    except BaseException:
        storage.delete(key)
        raise
    return homework_out(session, work, role, user.timezone, now)


def read_homework_file(session: Session, *, actor: UserOut | None, homework_id: Any,
                       file_id: Any) -> tuple[str, str, bytes]:
    """(name, content type, bytes) for whoever may see the homework; NotFound for anyone else."""
    work, _, _ = _load(session, actor, homework_id)
    row = session.exec(select(HomeworkFile).where(col(HomeworkFile.id) == clean_id(file_id, "File not found."),
                                                  col(HomeworkFile.homework_id) == work.id)).first()
    if row is None:
        raise NotFound("File not found.")
    try:
        return row.filename, row.content_type, get_storage().read(row.storage_key)
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound("File not found.") from exc


def review_homework(session: Session, *, actor: UserOut | None, homework_id: Any, score: Any, feedback: Any = None,
                    overall: Any = "", now: datetime | None = None) -> HomeworkOut:
    """The tutor scores (0–100) a submitted homework, with feedback per exercise and overall."""
    now = now or utcnow()
    work, user, role = _load(session, actor, homework_id)
    _only(role, TUTOR, "Only the tutor reviews homework.")
    if work.status != HomeworkStatus.SUBMITTED:
        raise Conflict("Only submitted homework can be reviewed.")
    if isinstance(score, bool):
        raise fail("score", "must be a whole number from 0 to 100")
    points = clean_int(score, "score", minimum=0, maximum=100)
    notes = feedback if feedback is not None else []
    if not isinstance(notes, list):
        raise fail("feedback", "must be a list of comments")
    if len(notes) > len(work.exercises):  # a fact about this homework, not the request's shape: 409
        raise Conflict(f"This homework has {len(work.exercises)} exercises.",
                       fields={"feedback": f"at most {len(work.exercises)} comments"})
    cleaned = [clean_text(f, "feedback", max_len=2000, multiline=True) for f in notes]
    work.feedback = cleaned + [""] * (len(work.exercises) - len(cleaned))
    work.overall_feedback = clean_text(overall, "overall", max_len=4000, multiline=True)
    work.score, work.reviewed_at, work.status = points, now, HomeworkStatus.REVIEWED
    session.add(work)
    session.flush()
    _notify(session, work, to_tutor=False, title="Homework reviewed", body=f"{work.title}: {points}/100", now=now)
    return homework_out(session, work, role, user.timezone, now)
