"""Lead accepts and re-matches released together (CI runs these on PostgreSQL, the default run on
SQLite): a student accepting two proposals of one enquiry at once holds one lesson; two re-match
runs at once add a newly eligible tutor once and tell them once."""

from __future__ import annotations

from sqlmodel import col, select

from tests.support.booking import NOW, at, open_all_week
from tests.support.leads import enquiry_data, give_lead_credits
from tests.support.races import race
from tutorhub.models import Booking, EnquiryMatch, EnquiryProposal, Notification, Role
from tutorhub.services.leads import claims, enquiries, proposals
from tutorhub.services.leads.rematching import rematch_enquiries
from tutorhub.services.tutors import profiles


def test_two_accepts_at_once_hold_one_lesson(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor)
    student = make_user(Role.STUDENT)
    eid = enquiries.post_enquiry(db, actor=student, data=enquiry_data(), now=NOW).id
    give_lead_credits(db, tutor.id, 1)
    claims.claim_lead(db, actor=tutor, enquiry_id=eid, now=NOW)
    pids = [proposals.propose_lesson(db, actor=tutor, enquiry_id=eid, start=at(2, h), now=NOW).id for h in (16, 18)]
    db.commit()
    results = race(4, lambda s, i: proposals.accept_proposal(s, actor=student, enquiry_id=eid,
                                                             proposal_id=pids[i % 2], now=NOW).booking_id)
    assert sorted(r[0] for r in results) == ["Conflict"] * 3 + ["ok"], results
    db.rollback()
    assert len(db.exec(select(Booking).where(col(Booking.student_id) == student.id)).all()) == 1
    statuses = sorted(p.status for p in db.exec(select(EnquiryProposal)).all())
    assert statuses == ["ACCEPTED", "OFFERED"]


def test_two_rematch_runs_at_once_tell_the_tutor_once(db, make_user, make_approved_tutor):
    late, _ = make_approved_tutor(timezone="UTC", hourly_rate=4500)
    open_all_week(db, late)
    eid = enquiries.post_enquiry(db, actor=make_user(Role.STUDENT), data=enquiry_data(), now=NOW).id
    profiles.update_own_profile(db, actor=late, data={"hourly_rate": 3500})
    db.commit()
    results = race(3, lambda s, i: rematch_enquiries(s, now=NOW))
    assert all(r[0] == "ok" for r in results), results
    assert sum(r[1] for r in results) == 1
    db.rollback()
    assert len(db.exec(select(EnquiryMatch).where(col(EnquiryMatch.enquiry_id) == eid)).all()) == 1
    told = db.exec(select(Notification).where(col(Notification.user_id) == late.id,
                                              col(Notification.title).startswith("New enquiry"))).all()
    assert len(told) == 1
