"""Existing admin actions record themselves in the audit log, in the change's transaction: tutor
verification decisions and resolving a tutor's cancellation flag."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from tests.support.booking import NOW, at
from tutorhub.models import AuditEntry, Role, TutorFlag
from tutorhub.services.accounts.audit import list_audit_entries
from tutorhub.services.booking import changes
from tutorhub.services.errors import Conflict
from tutorhub.services.tutors import profiles, reliability, verification


def entries(db, prefix):
    return db.exec(select(AuditEntry).where(col(AuditEntry.action).startswith(prefix))
                   .order_by(col(AuditEntry.id))).all()


def _applicant(db, make_user):
    tutor = make_user(Role.TUTOR)
    profile = profiles.update_own_profile(db, actor=tutor, data={
        "headline": "Physics", "bio": "Bio", "subjects": [{"subject": "physics", "grades": ["high"]}],
        "languages": ["English"], "hourly_rate": 2500, "currency": "EUR", "city": "Paris", "modes": ["online"]})
    profiles.submit_for_review(db, actor=tutor)
    return profile.id


def test_verification_decisions_are_audited(db, make_user):
    admin = make_user(Role.ADMIN)
    approved, rejected = _applicant(db, make_user), _applicant(db, make_user)
    verification.approve_tutor(db, actor=admin, tutor_id=approved, notes="Degree checked")
    verification.reject_tutor(db, actor=admin, tutor_id=rejected, notes="Blurry scan")
    db.commit()
    [yes], [no] = entries(db, "tutor.approve"), entries(db, "tutor.reject")
    assert (yes.target_kind, yes.target_id, yes.actor_user_id, yes.reason) == ("tutor", str(approved), admin.id,
                                                                              "Degree checked")
    assert yes.before == {"status": "PENDING"} and yes.after["status"] == "APPROVED"
    assert (no.target_id, no.reason, no.after["status"]) == (str(rejected), "Blurry scan", "REJECTED")
    with pytest.raises(Conflict):  # a refused decision writes nothing
        verification.approve_tutor(db, actor=admin, tutor_id=approved)
    db.rollback()
    assert len(entries(db, "tutor.")) == 2
    page = list_audit_entries(db, actor=admin, target_kind="tutor", target_id=str(approved))
    assert [e.action for e in page.items] == ["tutor.approve"]


def test_resolving_a_tutor_flag_is_audited(env, make_user):
    admin = make_user(Role.ADMIN)
    for day in (2, 3, 4):
        lesson = env.book(at(day, 10), confirm=True)
        changes.cancel_booking(env.db, actor=env.tutor, booking_id=lesson.id, reason="busy", now=NOW)
    env.db.commit()
    flag = env.db.exec(select(TutorFlag)).one()
    reliability.resolve_flag(env.db, actor=admin, flag_id=flag.id, notes="Talked to them", now=NOW)
    env.db.commit()
    [entry] = entries(env.db, "tutor_flag.")
    assert (entry.action, entry.target_id, entry.reason, entry.after["tutor_id"]) == (
        "tutor_flag.resolve", str(flag.id), "Talked to them", env.tutor_id)
