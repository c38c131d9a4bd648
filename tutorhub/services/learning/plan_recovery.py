"""Study plans stuck in "generating": the process that was drafting them died (a restart, a crash
mid-request), so nothing will ever store them. A plan still generating STUCK_AFTER after it was
asked for is finished by the deterministic offline planner, with the reason kept on the plan and
in its history — by the `recover_study_plans` job for everyone, or at once by the student (or a
linked guardian) pressing "Retry" on the page.

The offline planner needs no network, so recovery never waits on Claude again and never leaves a
plan half-stored; a plan that finished meanwhile (the slow request did come back) is left as is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.learning import PlanSource, PlanStatus, StudyPlan
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.learning.access import GUARDIAN, STUDENT
from tutorhub.services.learning.offline_planner import PlanRequest
from tutorhub.services.learning.plan_drafting import draft_plan
from tutorhub.services.learning.plan_views import PlanCreated
from tutorhub.services.learning.study_plans import NOT_FOUND, load_plan, store_draft

STUCK_AFTER = timedelta(minutes=5)
BATCH = 100
REASON = "The first attempt was interrupted"


def is_stuck(plan: StudyPlan, now: datetime) -> bool:
    return plan.status == PlanStatus.GENERATING and plan.updated_at <= now - STUCK_AFTER


def _finish_offline(session: Session, plan: StudyPlan, now: datetime) -> None:
    request = PlanRequest(subject=plan.subject, grade=plan.grade, goal=plan.goal, hours_per_week=plan.hours_per_week,
                          weak_areas=tuple(plan.weak_areas), exam_date=plan.exam_date)
    store_draft(session, plan, draft_plan(request, None).draft, source=PlanSource.OFFLINE, reason=REASON, now=now)


def recover_stuck_plans(session: Session, *, now: datetime | None = None) -> int:
    """Finish every plan generating for longer than STUCK_AFTER with the offline planner; returns
    how many. Idempotent: a recovered plan is READY and is not picked again."""
    now = now or utcnow()
    ids = session.exec(select(StudyPlan.id).where(col(StudyPlan.status) == PlanStatus.GENERATING,
                                                  col(StudyPlan.updated_at) <= now - STUCK_AFTER)
                       .order_by(col(StudyPlan.id)).limit(BATCH)).all()
    done = 0
    for plan_id in ids:
        plan = session.exec(select(StudyPlan).where(col(StudyPlan.id) == plan_id).with_for_update()).first()
        if plan is None or not is_stuck(plan, now):
            continue
        _finish_offline(session, plan, now)
        done += 1
    return done


def retry_study_plan(session: Session, *, actor: UserOut | None, plan_id: Any,
                     now: datetime | None = None) -> PlanCreated:
    """The student (or a linked guardian) retries a stuck plan now: 409 while it is still within
    STUCK_AFTER (it may yet arrive) or already ready; NotFound for anyone else (tutors included:
    they cannot ask for plans)."""
    now = now or utcnow()
    plan, _, role = load_plan(session, actor, plan_id)
    if role not in (STUDENT, GUARDIAN):
        raise NotFound(NOT_FOUND)
    plan = session.exec(select(StudyPlan).where(col(StudyPlan.id) == plan.id).with_for_update()).one()
    if plan.status != PlanStatus.GENERATING:
        raise Conflict("This plan is already ready.")
    if not is_stuck(plan, now):
        raise Conflict("This plan is still being drafted; try again in a few minutes.")
    _finish_offline(session, plan, now)
    assert plan.id is not None
    return PlanCreated(id=plan.id, status=plan.status)
