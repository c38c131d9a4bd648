"""Learning: study plans (ask, read, tick tasks, tutor edits, comments, history).

Asking for a plan answers 201 `{"id", "status": "ready"}` when the offline planner drafted it at
once (no `ANTHROPIC_API_KEY`), or 202 `{"id", "status": "generating"}` while Claude drafts it in a
background task; poll `GET /study-plans/{id}`. Strangers to a plan (not its student, a linked
guardian or one of the student's tutors) get 404.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Query, Response
from pydantic import BaseModel

from tutorhub.api.deps import CurrentUser, OptionalViewer
from tutorhub.api.schemas import (
    DATE_OR_BLANK,
    SUBJECT,
    ErrorOut,
    StrictIn,
    error_responses,
    grade,
    need,
    rule,
    text_rule,
)
from tutorhub.db import session_scope
from tutorhub.integrations.llm import get_llm_client
from tutorhub.services.errors import NotFound
from tutorhub.services.learning import plan_edits, plan_recovery, progress, study_plans
from tutorhub.services.learning.plan_edits import PlanEventOut
from tutorhub.services.learning.plan_views import PlanCreated, PlanSummary, PlanTaskOut, StudyPlanOut
from tutorhub.services.learning.progress import ProgressOut
from tutorhub.services.learning.syllabus import BOARDS

router = APIRouter(prefix="/api/v1", tags=["learning"])

_READ = error_responses(401, 404, e404="No such plan (or not yours)")
_EDIT = error_responses(401, 403, 404, 409, 422, e403="Not allowed for your role on this plan (students tick, tutors edit)",
                        e404="No such plan or task (or not yours)", e409="The plan is still being drafted, or the week is full")


class PlanRequestIn(StrictIn):
    subject: str = need(**SUBJECT)
    grade: str = need(**grade(boards=tuple(BOARDS)), description="A grade band (primary, middle, high, senior, "
                      "university, adult), a school year 1-12, or an exam board course (cbse-10, cbse-12, icse-10, isc-12)")
    goal: str = need(**text_rule(500, required=True))
    hours_per_week: int = need(minimum=1, maximum=40)
    exam_date: str | None = rule(**DATE_OR_BLANK, description="today or later, within 3 years; blank: none")
    weak_areas: list[str] | None = rule(maxItems=5, items={"type": "string", **text_rule(80)})
    student_id: int | None = rule(description="The child's id (guardians only: else 404; ignored for students)")


class TaskDoneIn(StrictIn):
    done: bool


class TaskAddIn(StrictIn):
    week: int = need(minimum=1, maximum=4)
    topic: str = need(**text_rule(120, required=True))
    title: str = need(**text_rule(160, required=True))
    description: str | None = rule(**text_rule(600, multiline=True))
    minutes: int = need(minimum=5, maximum=600)
    book_lesson: bool | None = None


class TaskMoveIn(StrictIn):
    week: int = need(minimum=1, maximum=4)
    topic: str | None = rule(**text_rule(120))


class CommentIn(StrictIn):
    body: str = need(**text_rule(2000, required=True, multiline=True))


class Deleted(BaseModel):
    deleted: bool


@router.post("/students/study-plan/generate", response_model=PlanCreated, status_code=201,
             responses={202: {"model": PlanCreated, "description": "Claude is drafting it; poll the plan"},
                        **error_responses(401, 403, 404, 422, 429, e403="Not a student or guardian",
                                          e404="No such child linked to you",
                                          e429="Too many plans today; retry after the Retry-After header's seconds")})
def generate_plan(user: CurrentUser, data: PlanRequestIn, background: BackgroundTasks,
                  response: Response) -> PlanCreated:
    """Ask for a 4-week plan (a student for themselves, a guardian with `student_id`)."""
    with session_scope() as session:
        created = study_plans.request_study_plan(
            session, actor=user, subject=data.subject, grade=data.grade, goal=data.goal,
            hours_per_week=data.hours_per_week, exam_date=data.exam_date, weak_areas=data.weak_areas,
            student_id=data.student_id)
    llm = get_llm_client()
    if llm is None:
        status = study_plans.generate_study_plan(plan_id=created.id, use_llm=False)
        return PlanCreated(id=created.id, status=status)
    background.add_task(study_plans.generate_study_plan, plan_id=created.id, llm=llm)
    response.status_code = 202
    return created


@router.get("/study-plans/{plan_id}", response_model=StudyPlanOut, responses=_READ)
def get_plan(user: CurrentUser, plan_id: str) -> StudyPlanOut:
    with session_scope(read_only=True) as session:
        return study_plans.get_study_plan(session, actor=user, plan_id=plan_id)


@router.post("/study-plans/{plan_id}/retry", response_model=PlanCreated,
             responses=error_responses(401, 403, 404, 409, e403="Not a student or guardian",
                                       e404="No such plan (or not yours to retry)",
                                       e409="The plan is ready, or still within its first minutes of drafting"))
def retry_plan(user: CurrentUser, plan_id: str) -> PlanCreated:
    """Finish a plan stuck in "generating" (its drafting process died) with the offline planner now."""
    with session_scope() as session:
        return plan_recovery.retry_study_plan(session, actor=user, plan_id=plan_id)


@router.get("/students/me/study-plans", response_model=list[PlanSummary],
            responses=error_responses(401, 403, e403="Not a student, guardian or tutor"))
def my_plans(user: CurrentUser) -> list[PlanSummary]:
    """The signed-in student's plans, newest first (a guardian: their children's; a tutor: their students')."""
    with session_scope(read_only=True) as session:
        return study_plans.list_study_plans(session, actor=user)


@router.patch("/study-plans/{plan_id}/tasks/{task_id}", response_model=PlanTaskOut, responses=_EDIT)
def tick_task(user: CurrentUser, plan_id: str, task_id: str, data: TaskDoneIn) -> PlanTaskOut:
    """The student ticks a task off (`{"done": true}`) or back on."""
    with session_scope() as session:
        return plan_edits.set_task_done(session, actor=user, plan_id=plan_id, task_id=task_id, done=data.done)


@router.post("/study-plans/{plan_id}/tasks", response_model=PlanTaskOut, status_code=201, responses=_EDIT)
def add_task(user: CurrentUser, plan_id: str, data: TaskAddIn) -> PlanTaskOut:
    """A tutor adds a task to a week's topic."""
    with session_scope() as session:
        return plan_edits.add_plan_task(session, actor=user, plan_id=plan_id, week=data.week, topic=data.topic,
                                        title=data.title, description=data.description or "", minutes=data.minutes,
                                        book_lesson=bool(data.book_lesson))


@router.post("/study-plans/{plan_id}/tasks/{task_id}/move", response_model=PlanTaskOut, responses=_EDIT)
def move_task(user: CurrentUser, plan_id: str, task_id: str, data: TaskMoveIn) -> PlanTaskOut:
    with session_scope() as session:
        return plan_edits.move_plan_task(session, actor=user, plan_id=plan_id, task_id=task_id, week=data.week,
                                         topic=data.topic)


@router.delete("/study-plans/{plan_id}/tasks/{task_id}", response_model=Deleted, responses=_EDIT)
def remove_task(user: CurrentUser, plan_id: str, task_id: str) -> Deleted:
    with session_scope() as session:
        plan_edits.remove_plan_task(session, actor=user, plan_id=plan_id, task_id=task_id)
    return Deleted(deleted=True)


@router.post("/study-plans/{plan_id}/comments", response_model=PlanEventOut, status_code=201,
             responses=error_responses(401, 404, 422, e404="No such plan (or not yours)"))
def comment(user: CurrentUser, plan_id: str, data: CommentIn) -> PlanEventOut:
    with session_scope() as session:
        return plan_edits.comment_on_plan(session, actor=user, plan_id=plan_id, body=data.body)


@router.get("/study-plans/{plan_id}/history", response_model=list[PlanEventOut], responses=_READ)
def history(user: CurrentUser, plan_id: str) -> list[PlanEventOut]:
    with session_scope(read_only=True) as session:
        return plan_edits.plan_history(session, actor=user, plan_id=plan_id)


@router.get("/students/{student_id}/progress", response_model=ProgressOut,
            responses=error_responses(401, 404, e404="No such student (or not yours to see)"))
def get_progress(user: CurrentUser, student_id: str) -> ProgressOut:
    """Hours per subject per month, plan completion, homework scores and the latest reports — for
    the student, a linked guardian or one of the student's tutors (who sees only their own part)."""
    with session_scope(read_only=True) as session:
        return progress.student_progress(session, actor=user, student_id=student_id)


@router.get("/students/{student_id}/progress/report", response_class=Response, responses={
    200: {"content": {"text/plain": {}}, "description": "The month's progress report as plain text"},
    404: {"model": ErrorOut, "description": "No such student (or not yours to see; also when not signed in)"},
    422: {"model": ErrorOut, "description": "`month` is not YYYY-MM"}})
def download_report(student_id: str, viewer: OptionalViewer,
                    month: str = Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")) -> Response:
    """One month's report (Bearer token or browser session), to print or keep."""
    if viewer is None:
        raise NotFound("No such student.")
    with session_scope(read_only=True) as session:
        name, text = progress.monthly_report(session, actor=viewer, student_id=student_id, month=month)
    return Response(content=text, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})
