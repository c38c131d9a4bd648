"""A tutor who becomes eligible after an enquiry was posted gets it in their lead inbox and is told
once (the periodic re-match, services/leads/rematching.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from tests.support.booking import NOW, open_all_week
from tests.support.leads import enquiry_data, give_lead_credits
from tutorhub.jobs import tasks
from tutorhub.jobs.scheduler import JOBS
from tutorhub.models import Notification, Role
from tutorhub.services.leads import claims, enquiries, inbox, lead_settings
from tutorhub.services.leads.rematching import rematch_enquiries
from tutorhub.services.tutors import profiles, verification

SOON = NOW + timedelta(minutes=5)


def _lead_notes(db, user_id) -> int:
    return len(db.exec(select(Notification).where(col(Notification.user_id) == user_id,
                                                  col(Notification.title).startswith("New enquiry"))).all())


def _inbox(db, user, now=SOON) -> list[int]:
    return [i.id for i in inbox.lead_inbox(db, actor=user, now=now).items]


def _post(db, student, **overrides) -> int:
    out = enquiries.post_enquiry(db, actor=student, data=enquiry_data(**overrides), now=NOW)
    db.commit()
    return out.id


def test_a_tutor_who_lowers_their_rate_is_matched_and_told_once(db, make_user, make_approved_tutor):
    early, _ = make_approved_tutor(timezone="UTC")
    late, _ = make_approved_tutor(timezone="UTC", hourly_rate=4500)  # over the €40 budget
    for t in (early, late):
        open_all_week(db, t)
    eid = _post(db, make_user(Role.STUDENT))
    assert _inbox(db, late) == [] and _lead_notes(db, early.id) == 1
    assert rematch_enquiries(db, now=SOON) == 0  # nothing changed: nobody added, nobody told again
    profiles.update_own_profile(db, actor=late, data={"hourly_rate": 3500})
    db.commit()
    assert rematch_enquiries(db, now=SOON) == 1
    db.commit()
    assert _inbox(db, late) == [eid]
    lead = inbox.lead_inbox(db, actor=late, now=SOON).items[0]
    assert lead.free_starts and lead.free_starts > 0
    assert (_lead_notes(db, late.id), _lead_notes(db, early.id)) == (1, 1)
    assert rematch_enquiries(db, now=SOON + timedelta(minutes=5)) == 0
    db.commit()
    assert (_lead_notes(db, late.id), _lead_notes(db, early.id)) == (1, 1)
    # The claim measures the response time from when it reached this tutor's inbox.
    give_lead_credits(db, late.id, 1)
    assert claims.claim_lead(db, actor=late, enquiry_id=eid, now=SOON + timedelta(minutes=30)).charged


def test_a_tutor_who_opens_hours_in_the_students_windows_is_matched(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, start="06:00", end="09:00")  # outside the student's 16:00–20:00
    eid = _post(db, make_user(Role.STUDENT))
    assert _inbox(db, tutor) == []
    assert rematch_enquiries(db, now=SOON) == 0
    open_all_week(db, tutor)
    assert rematch_enquiries(db, now=SOON) == 1
    db.commit()
    assert _inbox(db, tutor) == [eid] and _lead_notes(db, tutor.id) == 1


def test_a_tutor_teaching_the_subject_later_sees_live_enquiries_only(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor(timezone="UTC", subjects=[{"subject": "history", "grades": ["high"]}])
    open_all_week(db, tutor)
    student = make_user(Role.STUDENT)
    live = _post(db, student)
    closed = _post(db, student)
    enquiries.close_enquiry(db, actor=student, enquiry_id=closed, now=NOW)
    db.commit()
    profiles.update_own_profile(db, actor=tutor, data={
        "subjects": [{"subject": "history", "grades": ["high"]}, {"subject": "mathematics", "grades": ["high"]}]})
    db.commit()
    assert rematch_enquiries(db, now=SOON) == 1
    db.commit()
    assert _inbox(db, tutor) == [live] and _lead_notes(db, tutor.id) == 1


def test_a_tutor_approved_after_the_enquiry_was_posted_is_matched(db, make_user):
    tutor = make_user(Role.TUTOR, timezone="UTC")
    profile = profiles.update_own_profile(db, actor=tutor, data={
        "headline": "Maths made simple", "bio": "Ten years of teaching.", "languages": ["English"],
        "subjects": [{"subject": "mathematics", "grades": ["high"]}], "hourly_rate": 3000, "currency": "EUR",
        "city": "Berlin", "modes": ["online"]})
    profiles.submit_for_review(db, actor=tutor)
    db.commit()
    open_all_week(db, tutor)
    eid = _post(db, make_user(Role.STUDENT))
    assert rematch_enquiries(db, now=SOON) == 0  # still waiting for review
    verification.approve_tutor(db, actor=make_user(Role.ADMIN), tutor_id=profile.id, notes="ok")
    db.commit()
    assert rematch_enquiries(db, now=SOON) == 1
    db.commit()
    assert _inbox(db, tutor) == [eid] and _lead_notes(db, tutor.id) == 1


def test_full_and_expired_enquiries_are_not_rematched(db, make_user, make_approved_tutor):
    admin = make_user(Role.ADMIN)
    lead_settings.update_lead_settings(db, actor=admin, claim_cap_value=1, now=NOW)
    first, _ = make_approved_tutor(timezone="UTC")
    late, _ = make_approved_tutor(timezone="UTC", hourly_rate=4500)
    for t in (first, late):
        open_all_week(db, t)
    eid = _post(db, make_user(Role.STUDENT))
    give_lead_credits(db, first.id, 1)
    claims.claim_lead(db, actor=first, enquiry_id=eid, now=NOW)
    profiles.update_own_profile(db, actor=late, data={"hourly_rate": 3500})
    db.commit()
    assert rematch_enquiries(db, now=SOON) == 0  # its one seat is taken: nobody new could claim it
    assert rematch_enquiries(db, now=NOW + timedelta(days=8)) == 0
    lead_settings.update_lead_settings(db, actor=admin, claim_cap_value=2, now=SOON)
    db.commit()
    assert rematch_enquiries(db, now=SOON) == 1


def test_the_rematch_runs_as_a_scheduled_job():
    assert "rematch_enquiries" in {job_id for job_id, _f, _c in JOBS}


def test_a_home_tutor_who_widens_their_travel_radius_is_matched_with_the_distance(db, make_user, make_approved_tutor):
    far, _ = make_approved_tutor(timezone="Asia/Kolkata", modes=["home"], home_rate=50000, currency="INR",
                                 city="Mysore", travel_radius_km=50)  # ~128 km from Bengaluru
    open_all_week(db, far, zone="Asia/Kolkata")
    eid = _post(db, make_user(Role.STUDENT), mode="home", city="Koramangala, Bengaluru", currency="INR",
                budget_max_minor=60000, windows=None)
    assert rematch_enquiries(db, now=SOON) == 0
    profiles.update_own_profile(db, actor=far, data={"travel_radius_km": 150})
    db.commit()
    assert rematch_enquiries(db, now=SOON) == 1
    db.commit()
    lead = inbox.lead_inbox(db, actor=far, now=SOON).items[0]
    assert lead.id == eid and lead.distance_km is not None and 100 < lead.distance_km <= 150


def test_the_job_adds_the_tutor_once(db, make_user, make_approved_tutor):
    late, _ = make_approved_tutor(timezone="UTC", hourly_rate=4500)
    open_all_week(db, late)
    eid = _post(db, make_user(Role.STUDENT))
    profiles.update_own_profile(db, actor=late, data={"hourly_rate": 3500})
    db.commit()
    assert tasks.rematch_enquiries(now=SOON) == 1
    assert tasks.rematch_enquiries(now=SOON) == 0
    db.expire_all()
    assert _inbox(db, late) == [eid] and _lead_notes(db, late.id) == 1
