"""Lesson reports and homework.

`POST /bookings/{id}/report` (the lesson's tutor, once it has ended) records topics, mistakes and
notes; with `"homework": true` a homework is drafted from them (at once offline, 201; by Claude in
a background task when configured) for the tutor to edit and send (`PUT /homework/{id}`). The
student submits (`POST /homework/{id}/submission`, files through `/homework/{id}/files`), the tutor
reviews (`POST /homework/{id}/review`). `GET /homework` lists the caller's own: a tutor's, a
student's, a guardian's children's. Anyone else gets 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Response, UploadFile

from tutorhub.api.deps import CurrentUser, OptionalViewer
from tutorhub.api.routes.files import private_file
from tutorhub.api.schemas import ErrorOut, StrictIn, error_responses, need, rule, text_list, text_rule
from tutorhub.db import session_scope
from tutorhub.integrations.llm import get_llm_client
from tutorhub.services.errors import NotFound
from tutorhub.services.learning import homework, reports
from tutorhub.services.learning.homework_views import HomeworkOut
from tutorhub.services.learning.reports import ReportOut
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["learning"])

_HW = error_responses(401, 403, 404, 409, 422, e403="Not your part of this homework (students submit, tutors review)",
                      e404="No such homework (or not yours)", e409="Not allowed in the homework's current status")


class ReportIn(StrictIn):
    topics: list[str] | str = need(**text_list(10, 200, required=True), description="Topics covered: a list, or one "
                                   "text separated by commas (1-10, each at most 200 characters)")
    mistakes: list[str] | str | None = rule(**text_list(10, 200))
    notes: str | None = rule(**text_rule(4000, multiline=True))
    homework: bool = False


class HomeworkEditIn(StrictIn):
    title: str | None = rule(**text_rule(160, required=True))
    exercises: list[str] | None = rule(minItems=1, maxItems=8, items={"type": "string",
                                                                      **text_rule(600, required=True, multiline=True)})
    due_at: str | None = rule(format="date-time")


class SubmissionIn(StrictIn):
    answers: list[str] | None = rule(maxItems=8, items={"type": "string", **text_rule(4000, multiline=True)},
                                     description="one per exercise, at most as many as the homework has (else 409)")
    text: str | None = rule(**text_rule(8000, multiline=True))


class HomeworkReviewIn(StrictIn):
    score: int = need(minimum=0, maximum=100)
    feedback: list[str] | None = rule(maxItems=8, items={"type": "string", **text_rule(2000, multiline=True)},
                                      description="one per exercise, at most as many as the homework has (else 409)")
    overall: str | None = rule(**text_rule(4000, multiline=True))


@router.post("/bookings/{booking_id}/report", response_model=ReportOut, status_code=201,
             responses=error_responses(401, 403, 404, 409, 422, e403="Only the lesson's tutor writes the report",
                                       e404="No such lesson (or not yours)",
                                       e409="The lesson has not ended, or it already has a report"))
def write_report(user: CurrentUser, booking_id: str, data: ReportIn, background: BackgroundTasks) -> ReportOut:
    with session_scope() as session:
        out = reports.write_lesson_report(session, actor=user, booking_id=booking_id, topics=data.topics,
                                          mistakes=data.mistakes, notes=data.notes or "", homework=data.homework)
    if out.homework_id is not None:
        llm = get_llm_client()
        if llm is None:
            status = homework.generate_homework(homework_id=out.homework_id, use_llm=False)
            out = out.model_copy(update={"homework_status": status})
        else:
            background.add_task(homework.generate_homework, homework_id=out.homework_id, llm=llm)
    return out


@router.get("/homework", response_model=list[HomeworkOut],
            responses=error_responses(401, 403, e403="Not a student, guardian or tutor"))
def list_homework(user: CurrentUser) -> list[HomeworkOut]:
    with session_scope(read_only=True) as session:
        return homework.list_homework(session, actor=user)


@router.get("/homework/{homework_id}", response_model=HomeworkOut,
            responses=error_responses(401, 404, e404="No such homework (or not yours)"))
def get_homework(user: CurrentUser, homework_id: str) -> HomeworkOut:
    with session_scope(read_only=True) as session:
        return homework.get_homework(session, actor=user, homework_id=homework_id)


@router.put("/homework/{homework_id}", response_model=HomeworkOut, responses=_HW)
def send_homework(user: CurrentUser, homework_id: str, data: HomeworkEditIn) -> HomeworkOut:
    """The tutor edits a drafted homework (title, exercises, due time) and sends it to the student."""
    with session_scope() as session:
        return homework.send_homework(session, actor=user, homework_id=homework_id, title=data.title,
                                      exercises=data.exercises, due_at=data.due_at)


@router.post("/homework/{homework_id}/submission", response_model=HomeworkOut, responses=_HW)
def submit(user: CurrentUser, homework_id: str, data: SubmissionIn) -> HomeworkOut:
    """The student's answers (one per exercise, in order) and/or a text; resubmitting replaces them."""
    with session_scope() as session:
        return homework.submit_homework(session, actor=user, homework_id=homework_id, answers=data.answers,
                                        text=data.text or "")


@router.post("/homework/{homework_id}/files", response_model=HomeworkOut, status_code=201,
             responses={**_HW, 422: {"model": ErrorOut, "description": "Not a JPEG/PNG/WebP/PDF (by content), empty or too large"}})
def attach(user: CurrentUser, homework_id: str, file: Annotated[UploadFile, File()]) -> HomeworkOut:
    """Attach a file to the answer (JPEG, PNG, WebP or PDF, judged by content; stored privately)."""
    data = file.file.read(get_settings().max_upload_bytes + 1)
    with session_scope() as session:
        return homework.attach_homework_file(session, actor=user, homework_id=homework_id, filename=file.filename,
                                             data=data)


@router.get("/homework/{homework_id}/files/{file_id}", response_class=Response, responses={
    200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}, "image/webp": {}},
          "description": "The file's bytes"},
    404: {"model": ErrorOut, "description": "No such file, or not yours (also when not signed in)"}})
def download(homework_id: str, file_id: str, viewer: OptionalViewer) -> Response:
    """A submitted file, for the homework's student, their guardians and the tutor (Bearer or browser session)."""
    if viewer is None:
        raise NotFound("File not found.")
    with session_scope(read_only=True) as session:
        name, content_type, data = homework.read_homework_file(session, actor=viewer, homework_id=homework_id,
                                                               file_id=file_id)
    return private_file(data, content_type, name)


@router.post("/homework/{homework_id}/review", response_model=HomeworkOut, responses=_HW)
def review(user: CurrentUser, homework_id: str, data: HomeworkReviewIn) -> HomeworkOut:
    """The tutor scores a submitted homework (0–100) with feedback per exercise and overall."""
    with session_scope() as session:
        return homework.review_homework(session, actor=user, homework_id=homework_id, score=data.score,
                                        feedback=data.feedback, overall=data.overall or "")
