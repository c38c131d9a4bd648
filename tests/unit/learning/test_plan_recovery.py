"""Plans stuck in "generating" (the drafting process died) are finished by the offline planner:
by the job after STUCK_AFTER, or at once by the student or a linked guardian pressing Retry —
never before STUCK_AFTER, never twice, never by strangers or tutors. The clock is passed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW
from tests.support.guardians import link_guardian
from tutorhub.models import Role
from tutorhub.models.learning import StudyPlan, StudyPlanEvent, StudyPlanTask
from tutorhub.services.errors import Conflict, NotAuthenticated, NotFound
from tutorhub.services.learning import plan_recovery, study_plans
from tutorhub.services.learning.plan_recovery import STUCK_AFTER

ASK = {"subject": "Maths", "grade": "CBSE class 10", "goal": "Pass the boards", "hours_per_week": 5,
       "weak_areas": ["trigonometry"]}


def _ask(db, actor, when=NOW):
    created = study_plans.request_study_plan(db, actor=actor, **ASK, now=when)
    db.commit()
    return created.id


def _plan(db, plan_id):
    db.expire_all()
    return db.get(StudyPlan, plan_id)


def test_job_finishes_only_plans_stuck_longer_than_the_limit(db, make_user):
    student = make_user(Role.STUDENT)
    old, fresh = _ask(db, student, NOW - STUCK_AFTER - timedelta(seconds=1)), _ask(db, student, NOW)
    ready = _ask(db, student, NOW - timedelta(hours=2))
    study_plans.generate_study_plan_offline(db, plan_id=ready, now=NOW - timedelta(hours=2))
    tasks_before = len(db.exec(select(StudyPlanTask).where(StudyPlanTask.plan_id == ready)).all())
    assert plan_recovery.recover_stuck_plans(db, now=NOW) == 1
    assert _plan(db, old).status == "ready" and _plan(db, old).source == "offline"
    assert "interrupted" in _plan(db, old).fallback_reason
    assert _plan(db, fresh).status == "generating"
    assert len(db.exec(select(StudyPlanTask).where(StudyPlanTask.plan_id == ready)).all()) == tasks_before
    assert plan_recovery.recover_stuck_plans(db, now=NOW) == 0  # idempotent
    assert len(db.exec(select(StudyPlanEvent).where(StudyPlanEvent.plan_id == old)).all()) == 1
    assert plan_recovery.recover_stuck_plans(db, now=NOW + STUCK_AFTER) == 1  # now the fresh one too
    assert study_plans.get_study_plan(db, actor=student, plan_id=fresh).weeks


def test_a_late_model_reply_after_recovery_changes_nothing(db, make_user):
    student = make_user(Role.STUDENT)
    plan_id = _ask(db, student, NOW - timedelta(hours=1))
    plan_recovery.recover_stuck_plans(db, now=NOW)
    db.commit()
    tasks = len(db.exec(select(StudyPlanTask).where(StudyPlanTask.plan_id == plan_id)).all())
    assert study_plans.generate_study_plan(plan_id=plan_id, use_llm=False, now=NOW) == "ready"
    db.expire_all()
    assert len(db.exec(select(StudyPlanTask).where(StudyPlanTask.plan_id == plan_id)).all()) == tasks


def test_retry_by_the_student_or_guardian_only_once_stuck(db, make_user):
    student = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="parent@example.com")
    link_guardian(db, student, parent, now=NOW)
    plan_id = _ask(db, student, NOW)
    with pytest.raises(Conflict, match="still being drafted"):
        plan_recovery.retry_study_plan(db, actor=student, plan_id=plan_id, now=NOW + timedelta(minutes=1))
    out = plan_recovery.retry_study_plan(db, actor=parent, plan_id=plan_id, now=NOW + STUCK_AFTER)
    assert out.status == "ready" and _plan(db, plan_id).source == "offline"
    with pytest.raises(Conflict, match="already ready"):
        plan_recovery.retry_study_plan(db, actor=student, plan_id=plan_id, now=NOW + STUCK_AFTER)


def test_strangers_and_bad_ids_cannot_retry(db, make_user, make_approved_tutor):
    student = make_user(Role.STUDENT)
    plan_id = _ask(db, student, NOW - timedelta(hours=1))
    tutor, _ = make_approved_tutor()
    for who in (make_user(Role.STUDENT), make_user(Role.GUARDIAN), tutor):
        with pytest.raises(NotFound):
            plan_recovery.retry_study_plan(db, actor=who, plan_id=plan_id, now=NOW)
    with pytest.raises(NotAuthenticated):
        plan_recovery.retry_study_plan(db, actor=None, plan_id=plan_id, now=NOW)
    for bad in ("abc", -1, 10**12, None, [plan_id]):
        with pytest.raises(NotFound):
            plan_recovery.retry_study_plan(db, actor=student, plan_id=bad, now=NOW)
    assert _plan(db, plan_id).status == "generating"
