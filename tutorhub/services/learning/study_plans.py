"""Study plans: a student (or their guardian) asks for a 4-week plan; it is drafted by Claude or
the offline planner (plan_drafting.py), validated, and stored as task rows; the student, their
guardians and their tutors read it.

Asking and drafting are two steps so the network call never holds a database transaction:
`request_study_plan` stores the request (status "generating") and `generate_study_plan` drafts
and stores the plan (status "ready"). The web page runs the second in a background event and the
API in a background task (202), or at once without Claude (201).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.llm import LlmClient, get_llm_client
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.learning import PlanStatus, StudyPlan, StudyPlanEvent, StudyPlanTask
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import normalize_subject
from tutorhub.services.errors import NotFound, RateLimited
from tutorhub.services.learning.access import acting_for, linked_student_ids, taught_student_ids, viewer_role
from tutorhub.services.learning.offline_planner import PlanRequest
from tutorhub.services.learning.plan_drafting import draft_plan
from tutorhub.services.learning.plan_schema import PlanDraft
from tutorhub.services.learning.plan_views import PlanCreated, PlanSummary, StudyPlanOut, plan_out, plan_summary
from tutorhub.services.learning.syllabus import clean_grade
from tutorhub.services.validation import check_fields, clean_id, clean_int, clean_text, fail

MAX_GOAL = 500
MAX_WEAK_AREAS = 5
MAX_WEAK_AREA = 80
PLANS_PER_DAY = 10
NOT_FOUND = "Study plan not found."


def _exam_date(value: Any, today: date) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str | date) or isinstance(value, datetime):
        raise fail("exam_date", "must be a date like 2027-05-20")
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise fail("exam_date", "must be a date like 2027-05-20") from exc
    if day < today or day > today + timedelta(days=3 * 366):
        raise fail("exam_date", "must be today or later (within 3 years)")
    return day


def _weak_areas(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list | tuple):
        raise fail("weak_areas", "must be a list of short texts")
    if len(value) > MAX_WEAK_AREAS:
        raise fail("weak_areas", f"at most {MAX_WEAK_AREAS}")
    areas = [clean_text(v, "weak_areas", max_len=MAX_WEAK_AREA) for v in value]
    seen: list[str] = []
    for area in areas:
        if area and area.lower() not in {s.lower() for s in seen}:
            seen.append(area)
    return tuple(seen)


def request_study_plan(
    session: Session, *, actor: UserOut | None, subject: Any, grade: Any, goal: Any, hours_per_week: Any,
    exam_date: Any = None, weak_areas: Any = None, student_id: Any = None, now: datetime | None = None,
) -> PlanCreated:
    """Store a plan request for the student (or a guardian's linked child); status "generating"."""
    now = now or utcnow()
    user, child = acting_for(session, actor, student_id)
    goal_text = clean_text(goal, "goal", max_len=MAX_GOAL, required=True)
    values = check_fields([
        ("subject", lambda: normalize_subject(subject)),
        ("grade", lambda: clean_grade(grade, goal_text)),
        ("hours_per_week", lambda: clean_int(hours_per_week, "hours_per_week", minimum=1, maximum=40)),
        ("exam_date", lambda: _exam_date(exam_date, now.date())),
        ("weak_areas", lambda: _weak_areas(weak_areas)),
    ])
    recent = session.exec(select(func.count()).select_from(StudyPlan).where(
        col(StudyPlan.student_id) == child, col(StudyPlan.created_at) > now - timedelta(days=1))).one()
    if int(recent) >= PLANS_PER_DAY:
        raise RateLimited(f"At most {PLANS_PER_DAY} study plans a day; try again tomorrow.", retry_after_seconds=3600)
    plan = StudyPlan(student_id=child, requested_by=user.id, subject=values["subject"], grade=values["grade"],
                     goal=goal_text, exam_date=values["exam_date"], hours_per_week=values["hours_per_week"],
                     weak_areas=list(values["weak_areas"]), status=PlanStatus.GENERATING, created_at=now, updated_at=now)
    session.add(plan)
    session.flush()
    assert plan.id is not None
    return PlanCreated(id=plan.id, status=plan.status)


def store_draft(session: Session, plan: StudyPlan, draft: PlanDraft, *, source: str, reason: str,
                now: datetime) -> None:
    """Replace the plan's tasks with the draft's and mark it ready (one "generated" event)."""
    assert plan.id is not None
    for week in draft.weeks:
        for t_pos, topic in enumerate(week.topics):
            for pos, task in enumerate(topic.tasks):
                session.add(StudyPlanTask(plan_id=plan.id, week=week.week, topic_position=t_pos, topic=topic.title,
                                          position=pos, title=task.title, description=task.description,
                                          minutes=task.minutes, book_lesson=task.book_lesson))
    plan.status, plan.source, plan.fallback_reason, plan.updated_at = PlanStatus.READY, source, reason, now
    session.add(plan)
    session.add(StudyPlanEvent(plan_id=plan.id, actor_id=None, action="generated", created_at=now,
                               body=f"Drafted by {'Claude' if source == 'claude' else 'the offline planner'}."
                               + (f" {reason}." if reason else "")))
    session.flush()


def generate_study_plan(*, plan_id: int, llm: LlmClient | None = None, use_llm: bool = True,
                        now: datetime | None = None) -> str:
    """Draft and store the plan of a "generating" request (its own units of work around the model
    call); returns the plan's status. Called right after `request_study_plan` by the same caller."""
    with session_scope(read_only=True) as session:
        plan = session.get(StudyPlan, plan_id)
        if plan is None or plan.status != PlanStatus.GENERATING:
            return plan.status if plan else "missing"
        request = PlanRequest(subject=plan.subject, grade=plan.grade, goal=plan.goal,
                              hours_per_week=plan.hours_per_week, weak_areas=tuple(plan.weak_areas),
                              exam_date=plan.exam_date)
    client = (llm or get_llm_client()) if use_llm else None
    drafted = draft_plan(request, client)
    with session_scope() as session:
        plan = session.exec(select(StudyPlan).where(col(StudyPlan.id) == plan_id).with_for_update()).first()
        if plan is None or plan.status != PlanStatus.GENERATING:  # someone else stored it meanwhile
            return plan.status if plan else "missing"
        store_draft(session, plan, drafted.draft, source=drafted.source, reason=drafted.fallback_reason,
                    now=now or utcnow())
        return plan.status


def generate_study_plan_offline(session: Session, *, plan_id: int, now: datetime | None = None) -> str:
    """The offline planner inside the caller's unit of work (no network: demo data, imports)."""
    plan = session.get(StudyPlan, plan_id)
    if plan is None or plan.status != PlanStatus.GENERATING:
        return plan.status if plan else "missing"
    request = PlanRequest(subject=plan.subject, grade=plan.grade, goal=plan.goal, hours_per_week=plan.hours_per_week,
                          weak_areas=tuple(plan.weak_areas), exam_date=plan.exam_date)
    store_draft(session, plan, draft_plan(request, None).draft, source="offline", reason="", now=now or utcnow())
    return plan.status


def load_plan(session: Session, actor: UserOut | None, plan_id: Any) -> tuple[StudyPlan, UserOut, str]:
    pid = clean_id(plan_id, NOT_FOUND)
    plan = session.get(StudyPlan, pid)
    if plan is None:
        raise NotFound(NOT_FOUND)
    user, role = viewer_role(session, actor, plan.student_id, NOT_FOUND)
    return plan, user, role


def get_study_plan(session: Session, *, actor: UserOut | None, plan_id: Any) -> StudyPlanOut:
    """The plan for its student, their guardians and tutors; NotFound for anyone else."""
    plan, _, role = load_plan(session, actor, plan_id)
    return plan_out(session, plan, role)


def list_study_plans(session: Session, *, actor: UserOut | None, student_id: Any = None,
                     limit: int = 30) -> list[PlanSummary]:
    """Plans newest first: a student's own; a guardian's linked children's; a tutor's students'
    (or one student's, by `student_id`, when the viewer may see them)."""
    user = require_role(actor, Role.STUDENT, Role.GUARDIAN, Role.TUTOR)
    if student_id not in (None, ""):
        child = clean_id(student_id, "No such student.")
        viewer_role(session, user, child, "No such student.")
        children = [child]
    elif user.role == Role.STUDENT:
        children = [user.id]
    elif user.role == Role.GUARDIAN:
        children = linked_student_ids(session, user.id)
    else:
        children = taught_student_ids(session, user.id)
    if not children:
        return []
    plans = session.exec(select(StudyPlan).where(col(StudyPlan.student_id).in_(children))
                         .order_by(col(StudyPlan.id).desc()).limit(limit)).all()
    return [plan_summary(session, p) for p in plans]
