"""`POST /study-plans/{id}/retry`: a plan stuck in "generating" is finished offline for its student
or a linked guardian; too early is 409; strangers, tutors, anonymous callers and bad ids change
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.guardians import link_guardian
from tutorhub.models import Role
from tutorhub.models.learning import StudyPlan
from tutorhub.services.learning import study_plans

ASK = {"subject": "Maths", "grade": "CBSE class 10", "goal": "Pass the boards", "hours_per_week": 5}


def _stuck(db, student, minutes_ago):
    created = study_plans.request_study_plan(db, actor=student, **ASK,
                                             now=datetime.now(UTC) - timedelta(minutes=minutes_ago))
    db.commit()
    return created.id


def _status(db, plan_id):
    db.rollback()
    return db.get(StudyPlan, plan_id).status


def test_retry_contract(client, db, bearer, make_user):
    student = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="parent@example.com")
    link_guardian(db, student, parent)
    old, fresh = _stuck(db, student, 30), _stuck(db, student, 0)
    s, g = bearer(student), bearer(parent)
    res = client.post(f"/api/v1/study-plans/{fresh}/retry", headers=s)
    assert res.status_code == 409 and _status(db, fresh) == "generating"
    res = client.post(f"/api/v1/study-plans/{old}/retry", headers=g)
    assert res.status_code == 200 and res.json() == {"id": old, "status": "ready"}
    got = client.get(f"/api/v1/study-plans/{old}", headers=s).json()
    assert got["source"] == "offline" and got["weeks"]
    assert client.post(f"/api/v1/study-plans/{old}/retry", headers=s).status_code == 409


def test_strangers_and_bad_ids(client, db, bearer, make_user, make_approved_tutor):
    student = make_user(Role.STUDENT)
    plan_id = _stuck(db, student, 30)
    tutor, _ = make_approved_tutor()
    for who in (make_user(Role.STUDENT), make_user(Role.GUARDIAN), tutor):
        assert client.post(f"/api/v1/study-plans/{plan_id}/retry", headers=bearer(who)).status_code == 404
    assert client.post(f"/api/v1/study-plans/{plan_id}/retry").status_code == 401
    s = bearer(student)
    for bad in ("abc", "-1", "9" * 30, "1.5", "%20"):
        assert client.post(f"/api/v1/study-plans/{bad}/retry", headers=s).status_code == 404
    assert _status(db, plan_id) == "generating"
