"""Guardian links: invitation by email with a hashed code, confirmation by the invited address
only, expiry, attempts, rate limit, unlinking, and a guardian of child A never reaching child B."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW
from tutorhub.models import OutboxMessage, Role
from tutorhub.models.learning import GuardianLink
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from tutorhub.services.learning import guardians, study_plans


def _code(db, email):
    msg = db.exec(select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"code (\d{6})", msg.body).group(1)


def test_invite_confirm_unlink(db, make_user):
    child = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="mum@example.com")
    link = guardians.invite_guardian(db, actor=child, guardian_email="Mum@Example.com", now=NOW)
    stored = db.get(GuardianLink, link.id)
    code = _code(db, "mum@example.com")
    assert stored.code_hash and code not in stored.code_hash
    with pytest.raises(Forbidden):
        guardians.confirm_guardian_link(db, actor=child, link_id=link.id, code=code, now=NOW)
    with pytest.raises(NotFound):
        guardians.confirm_guardian_link(db, actor=make_user(Role.GUARDIAN), link_id=link.id, code=code, now=NOW)
    with pytest.raises(InvalidInput):
        guardians.confirm_guardian_link(db, actor=parent, link_id=link.id, code="12345x", now=NOW)
    done = guardians.confirm_guardian_link(db, actor=parent, link_id=link.id, code=code, now=NOW)
    assert done.status == "active" and done.guardian_name == parent.full_name
    assert [s.student_id for s in guardians.list_linked_students(db, actor=parent)] == [child.id]
    with pytest.raises(Conflict):
        guardians.invite_guardian(db, actor=child, guardian_email="mum@example.com", now=NOW)
    with pytest.raises(NotFound):
        guardians.unlink_guardian(db, actor=make_user(Role.STUDENT), link_id=link.id)
    assert guardians.unlink_guardian(db, actor=child, link_id=link.id).status == "revoked"
    assert guardians.list_linked_students(db, actor=parent) == []


def test_expiry_attempts_and_rate_limit(db, make_user):
    child = make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="dad@example.com")
    link = guardians.invite_guardian(db, actor=child, guardian_email="dad@example.com", now=NOW)
    code = _code(db, "dad@example.com")
    with pytest.raises(Conflict, match="expired"):
        guardians.confirm_guardian_link(db, actor=parent, link_id=link.id, code=code, now=NOW + timedelta(days=8))
    for _ in range(guardians.MAX_ATTEMPTS):
        with pytest.raises(InvalidInput):
            guardians.confirm_guardian_link(db, actor=parent, link_id=link.id, code="999999" if code != "999999"
                                            else "888888", now=NOW)
    with pytest.raises(Conflict):  # out of attempts, even with the right code
        guardians.confirm_guardian_link(db, actor=parent, link_id=link.id, code=code, now=NOW)
    for n in range(guardians.INVITES_PER_DAY - 1):
        guardians.invite_guardian(db, actor=child, guardian_email=f"g{n}@example.com", now=NOW)
    with pytest.raises(RateLimited):
        guardians.invite_guardian(db, actor=child, guardian_email="late@example.com", now=NOW)


def test_guardian_of_a_never_reaches_b(db, make_user):
    a, b = make_user(Role.STUDENT), make_user(Role.STUDENT)
    parent = make_user(Role.GUARDIAN, email="pa@example.com")
    link = guardians.invite_guardian(db, actor=a, guardian_email="pa@example.com", now=NOW)
    guardians.confirm_guardian_link(db, actor=parent, link_id=link.id, code=_code(db, "pa@example.com"), now=NOW)
    db.commit()
    plan_b = study_plans.request_study_plan(db, actor=b, subject="maths", grade="high", goal="x", hours_per_week=3,
                                            now=NOW)
    db.commit()
    with pytest.raises(NotFound):
        study_plans.get_study_plan(db, actor=parent, plan_id=plan_b.id)
    with pytest.raises(NotFound):
        guardians.child_lessons(db, actor=parent, student_id=b.id)
    with pytest.raises(NotFound):
        study_plans.list_study_plans(db, actor=parent, student_id=b.id)
    assert guardians.child_lessons(db, actor=parent, student_id=a.id) == []
