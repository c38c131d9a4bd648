"""Races the database must settle: many connections released together on a barrier.

These run against whatever database the suite uses; CI runs them on PostgreSQL
(TUTORHUB_TEST_DATABASE_URL) and the default run on SQLite."""

from __future__ import annotations

from sqlmodel import select

from tests.conftest import PASSWORD
from tests.support.races import race
from tutorhub.db import session_scope
from tutorhub.models import OutboxMessage, User
from tutorhub.services.accounts import one_time_codes, passwords

THREADS = 8


def test_concurrent_signups_with_one_email_create_exactly_one_account(db):
    for round_no in range(5):
        email = f"race{round_no}@example.com"
        results = race(THREADS, lambda s, i, e=email: passwords.register(s, email=e, password=PASSWORD, full_name=f"R{i}",
                                                             role="student"))
        outcomes = sorted(r[0] for r in results)
        assert outcomes == ["Conflict"] * (THREADS - 1) + ["ok"], results
        db.rollback()  # end the test session's snapshot so it sees the threads' commits
        assert len(db.exec(select(User).where(User.email == email)).all()) == 1


def test_a_one_time_code_logs_in_exactly_once_under_concurrency(db):
    with session_scope() as s:
        one_time_codes.request_otp(s, email="otp-race@example.com")
    code = db.exec(select(OutboxMessage)).one().body.split("code is ")[1][:6]
    results = race(THREADS, lambda s, i: one_time_codes.verify_otp(s, email="otp-race@example.com", code=code).id)
    winners = [r for r in results if r[0] == "ok"]
    db.rollback()
    assert len(winners) == 1, results
    assert len(db.exec(select(User).where(User.email == "otp-race@example.com")).all()) == 1


def test_concurrent_admin_decisions_on_one_tutor_leave_exactly_one_decision(db):
    from tutorhub.models import Role, TutorProfile, VerificationDecision
    from tutorhub.services.tutors import profiles as tutor_profiles
    from tutorhub.services.tutors import verification

    admins = []
    with session_scope() as s:
        for i in range(THREADS):
            admins.append(passwords.create_admin(s, email=f"race-admin{i}@example.com", password=PASSWORD))
        tutor = passwords.register(s, email="race-tutor@example.com", password=PASSWORD, full_name="T", role=Role.TUTOR)
        profile = tutor_profiles.update_own_profile(
            s, actor=tutor, data={"headline": "H", "subjects": ["maths"], "hourly_rate": 100}
        )
        tutor_profiles.submit_for_review(s, actor=tutor)

    def decide(s, i):
        if i % 2:
            return verification.reject_tutor(s, actor=admins[i], tutor_id=profile.id, notes=f"no {i}").status
        return verification.approve_tutor(s, actor=admins[i], tutor_id=profile.id).status

    results = race(THREADS, decide)
    winners = [r for r in results if r[0] == "ok"]
    assert len(winners) == 1 and sorted(r[0] for r in results if r[0] != "ok") == ["Conflict"] * (THREADS - 1), results
    db.rollback()
    decisions = db.exec(
        select(VerificationDecision).where(VerificationDecision.action.in_(["APPROVED", "REJECTED"]))
    ).all()
    assert [d.action for d in decisions] == [winners[0][1]]
    assert db.get(TutorProfile, profile.id).status == winners[0][1]
