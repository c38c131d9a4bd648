"""The plan page's Retry button: a plan stuck in "generating" is drafted offline for its student;
a stranger's call changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.state.conftest import toasts
from tutorhub.models import Role
from tutorhub.models.learning import StudyPlan
from tutorhub.services.learning import study_plans
from tutorhub.state.learning.study_plans import PlanState

ASK = {"subject": "Maths", "grade": "CBSE class 10", "goal": "Pass the boards", "hours_per_week": 5}


def _stuck(db, student) -> int:
    created = study_plans.request_study_plan(db, actor=student, **ASK,
                                             now=datetime.now(UTC) - timedelta(minutes=30))
    db.commit()
    return created.id


def test_student_retries_a_stuck_plan(browser, db, make_user):
    student = make_user(Role.STUDENT)
    plan_id = _stuck(db, student)
    page, _ = browser.open(PlanState, f"/plans/{plan_id}", student.email)
    assert page.plan_status == "generating" and not any(w.topics for w in page.weeks)
    events = browser.run(page.retry())
    assert toasts(events, "success") and page.plan_status == "ready" and all(w.topics for w in page.weeks)
    assert page.source_label and "interrupted" in page.fallback_reason


def test_a_stranger_cannot_retry(browser, db, make_user):
    student, stranger = make_user(Role.STUDENT), make_user(Role.STUDENT)
    plan_id = _stuck(db, student)
    page, _ = browser.open(PlanState, f"/plans/{plan_id}", stranger.email)
    assert page.status == "notfound"
    page.plan_id = plan_id  # as if the client forged it
    events = browser.run(page.retry())
    assert toasts(events, "error")
    db.rollback()
    assert db.get(StudyPlan, plan_id).status == "generating"
