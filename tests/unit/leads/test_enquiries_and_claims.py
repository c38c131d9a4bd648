"""Enquiries reach only matching tutors; claims cost one credit, are capped, and repeat for free."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at, open_all_week
from tests.support.leads import enquiry_data, give_lead_credits
from tests.support.money import fund_wallet
from tutorhub.models import EnquiryClaim, Role
from tutorhub.services.billing import lead_credits
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.leads import claims, enquiries, inbox, lead_settings, proposals


@pytest.fixture
def tutor(db, make_approved_tutor):
    user, tid = make_approved_tutor(timezone="UTC")
    open_all_week(db, user)
    return user, tid


def _post(db, student, **overrides):
    out = enquiries.post_enquiry(db, actor=student, data=enquiry_data(**overrides), now=NOW)
    db.commit()
    return out


def _inbox_ids(db, user):
    return [i.id for i in inbox.lead_inbox(db, actor=user, now=NOW).items]


def test_a_matching_tutor_sees_the_enquiry_with_the_fit_and_no_contact(db, make_user, tutor):
    student = make_user(Role.STUDENT, name="Priya Sharma")
    out = _post(db, student)
    assert out.status == "OPEN" and out.match_count == 1
    page = inbox.lead_inbox(db, actor=tutor[0], now=NOW)
    assert [i.id for i in page.items] == [out.id]
    lead = page.items[0]
    assert lead.claimed is False and lead.free_starts and lead.free_starts > 0
    assert any("fall in their windows" in line for line in lead.fit)
    dumped = lead.model_dump_json()
    assert "Priya" not in dumped and student.email not in dumped


@pytest.mark.parametrize("overrides", [
    {"subject": "chemistry"},  # does not teach it
    {"grade": "university"},  # not at that grade
    {"budget_max_minor": 2999},  # rate 3000 is over budget
    {"currency": "USD"},  # charges in EUR
    {"mode": "home", "city": "Berlin"},  # no home tuition
    {"windows": [{"weekday": 6, "start": "03:00", "end": "03:30"}]},  # no 60-minute start fits
])
def test_a_non_matching_tutor_never_sees_it_not_even_by_id(db, make_user, tutor, overrides):
    student = make_user(Role.STUDENT)
    out = _post(db, student, **overrides)
    assert _inbox_ids(db, tutor[0]) == []
    with pytest.raises(NotFound):
        inbox.get_lead(db, actor=tutor[0], enquiry_id=out.id)
    give_lead_credits(db, tutor[0].id, 2)
    with pytest.raises(NotFound):
        claims.claim_lead(db, actor=tutor[0], enquiry_id=out.id, now=NOW)


def test_home_tuition_matches_by_distance_within_the_travel_radius(db, make_user, make_approved_tutor):
    near, _ = make_approved_tutor(timezone="Asia/Kolkata", modes=["home"], home_rate=50000, currency="INR",
                                  city="Bengaluru", locality="", travel_radius_km=10)
    far, _ = make_approved_tutor(timezone="Asia/Kolkata", modes=["home"], home_rate=50000, currency="INR",
                                 city="Mysore", travel_radius_km=50)  # ~128 km away
    for t in (near, far):
        open_all_week(db, t, zone="Asia/Kolkata")
    student = make_user(Role.STUDENT)
    out = _post(db, student, mode="home", city="Koramangala, Bengaluru", currency="INR", budget_max_minor=60000,
                windows=None)
    assert "Bengaluru" in out.place_name
    assert _inbox_ids(db, near) == [out.id] and _inbox_ids(db, far) == []
    lead = inbox.lead_inbox(db, actor=near, now=NOW).items[0]
    assert lead.distance_km is not None and lead.distance_km <= 10
    assert any("km away" in line for line in lead.fit)


def test_an_unknown_place_is_refused_with_suggestions(db, make_user, tutor):
    student = make_user(Role.STUDENT)
    with pytest.raises(InvalidInput) as err:
        enquiries.post_enquiry(db, actor=student, data=enquiry_data(mode="home", city="Bengalooruu"), now=NOW)
    assert "city" in err.value.fields
    assert "Bengaluru, India" in err.value.extra["suggestions"]
    with pytest.raises(InvalidInput) as err2:
        enquiries.post_enquiry(db, actor=student, data=enquiry_data(mode="home", city=""), now=NOW)
    assert "city" in err2.value.fields


def test_students_see_only_their_own_enquiries(db, make_user, tutor):
    alice, bob = make_user(Role.STUDENT), make_user(Role.STUDENT)
    mine = _post(db, alice)
    assert [e.id for e in enquiries.list_my_enquiries(db, actor=alice).items] == [mine.id]
    assert enquiries.list_my_enquiries(db, actor=bob).items == []
    with pytest.raises(NotFound):
        enquiries.get_my_enquiry(db, actor=bob, enquiry_id=mine.id)
    with pytest.raises(NotFound):
        enquiries.close_enquiry(db, actor=bob, enquiry_id=mine.id, now=NOW)


def test_claim_spends_one_credit_opens_the_chat_and_a_repeat_is_free(db, make_user, tutor):
    student = make_user(Role.STUDENT)
    out = _post(db, student)
    give_lead_credits(db, tutor[0].id, 2)
    first = claims.claim_lead(db, actor=tutor[0], enquiry_id=out.id, now=NOW)
    db.commit()
    again = claims.claim_lead(db, actor=tutor[0], enquiry_id=out.id, now=NOW)
    db.commit()
    assert first.charged and not again.charged
    assert first.lead_credits_left == 1 and again.lead_credits_left == 1
    assert first.conversation_id == again.conversation_id
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=out.id)
    assert detail.status == "MATCHED"
    assert [(c.tutor_id, c.conversation_id) for c in detail.claims] == [(tutor[1], first.conversation_id)]
    assert inbox.lead_inbox(db, actor=tutor[0], now=NOW).items[0].claimed is True


def test_no_credits_is_402_and_nothing_is_kept(db, make_user, tutor):
    student = make_user(Role.STUDENT)
    out = _post(db, student)
    with pytest.raises(InsufficientCredits):
        claims.claim_lead(db, actor=tutor[0], enquiry_id=out.id, now=NOW)
    db.rollback()
    assert db.exec(select(EnquiryClaim)).all() == []
    assert enquiries.get_my_enquiry(db, actor=student, enquiry_id=out.id).status == "OPEN"


def test_the_cap_refuses_the_fourth_tutor_without_charging(db, make_user, make_approved_tutor):
    tutors = []
    for _ in range(4):
        user, _tid = make_approved_tutor(timezone="UTC")
        open_all_week(db, user)
        give_lead_credits(db, user.id, 1)
        tutors.append(user)
    out = _post(db, make_user(Role.STUDENT))
    for t in tutors[:3]:
        claims.claim_lead(db, actor=t, enquiry_id=out.id, now=NOW)
        db.commit()
    with pytest.raises(Conflict):
        claims.claim_lead(db, actor=tutors[3], enquiry_id=out.id, now=NOW)
    db.rollback()
    assert lead_credits.lead_balance(db, tutors[3].id) == 1
    assert inbox.lead_inbox(db, actor=tutors[3], now=NOW).items[0].claims_left == 0


def test_the_admin_sets_the_cap(db, make_user, make_approved_tutor):
    admin = make_user(Role.ADMIN)
    lead_settings.update_lead_settings(db, actor=admin, claim_cap_value=1, now=NOW)
    db.commit()
    a, _ = make_approved_tutor(timezone="UTC")
    b, _ = make_approved_tutor(timezone="UTC")
    for t in (a, b):
        open_all_week(db, t)
        give_lead_credits(db, t.id, 1)
    out = _post(db, make_user(Role.STUDENT))
    claims.claim_lead(db, actor=a, enquiry_id=out.id, now=NOW)
    db.commit()
    with pytest.raises(Conflict):
        claims.claim_lead(db, actor=b, enquiry_id=out.id, now=NOW)
    with pytest.raises(InvalidInput):
        lead_settings.update_lead_settings(db, actor=admin, claim_cap_value=0, now=NOW)


def test_closed_and_expired_enquiries_refuse_claims_and_leave_the_inbox(db, make_user, tutor):
    give_lead_credits(db, tutor[0].id, 3)
    student = make_user(Role.STUDENT)
    closed = _post(db, student)
    enquiries.close_enquiry(db, actor=student, enquiry_id=closed.id, now=NOW)
    db.commit()
    with pytest.raises(Conflict):
        claims.claim_lead(db, actor=tutor[0], enquiry_id=closed.id, now=NOW)
    db.rollback()
    with pytest.raises(Conflict):
        enquiries.close_enquiry(db, actor=student, enquiry_id=closed.id, now=NOW)
    db.rollback()
    old = _post(db, student)
    claims.claim_lead(db, actor=tutor[0], enquiry_id=old.id, now=NOW)
    db.commit()
    later = NOW + timedelta(days=7, minutes=1)
    assert enquiries.expire_enquiries(db, now=later) == 1
    db.commit()
    assert enquiries.get_my_enquiry(db, actor=student, enquiry_id=old.id).status == "EXPIRED"
    assert inbox.lead_inbox(db, actor=tutor[0], now=later).items == []
    assert enquiries.expire_enquiries(db, now=later) == 0
    assert lead_credits.lead_balance(db, tutor[0].id) == 2


def test_proposal_to_a_paid_booking_closes_the_enquiry(db, make_user, tutor):
    student = make_user(Role.STUDENT, timezone="America/New_York")
    out = _post(db, student)
    give_lead_credits(db, tutor[0].id, 1)
    with pytest.raises(Conflict):  # not claimed yet
        proposals.propose_lesson(db, actor=tutor[0], enquiry_id=out.id, start=at(2, 17), now=NOW)
    db.rollback()
    claims.claim_lead(db, actor=tutor[0], enquiry_id=out.id, now=NOW)
    db.commit()
    times = proposals.proposal_times(db, actor=tutor[0], enquiry_id=out.id, now=NOW)
    assert times.proposals
    made = proposals.propose_lesson(db, actor=tutor[0], enquiry_id=out.id, start=at(2, 17), price_minor=2500, now=NOW)
    db.commit()
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=out.id)
    assert [(p.id, p.status, p.price_minor) for p in detail.proposals] == [(made.id, "OFFERED", 2500)]
    other = make_user(Role.STUDENT)
    with pytest.raises(NotFound):
        proposals.accept_proposal(db, actor=other, enquiry_id=out.id, proposal_id=made.id, now=NOW)
    accepted = proposals.accept_proposal(db, actor=student, enquiry_id=out.id, proposal_id=made.id, now=NOW)
    db.commit()
    assert accepted.status == "PENDING_PAYMENT" and accepted.booking_id
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=out.id)
    assert detail.status == "MATCHED" and detail.proposals[0].status == "ACCEPTED"  # held, not paid yet
    fund_wallet(db, student.id, 2500, "EUR")
    lesson_payments.confirm_booking(db, actor=student, booking_id=accepted.booking_id, now=NOW)
    db.commit()
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=out.id)
    assert detail.status == "CLOSED" and detail.proposals[0].status == "ACCEPTED"
    assert detail.proposals[0].booking_id == accepted.booking_id
    with pytest.raises(Conflict):
        proposals.accept_proposal(db, actor=student, enquiry_id=out.id, proposal_id=made.id, now=NOW)


def test_a_proposal_must_be_a_free_time_of_the_tutor(db, make_user, make_approved_tutor):
    user, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, user, start="09:00", end="21:00")
    give_lead_credits(db, user.id, 1)
    out = _post(db, make_user(Role.STUDENT))
    claims.claim_lead(db, actor=user, enquiry_id=out.id, now=NOW)
    db.commit()
    with pytest.raises((InvalidInput, Conflict)):
        proposals.propose_lesson(db, actor=user, enquiry_id=out.id, start=at(2, 23), now=NOW)


def test_only_students_post_and_only_tutors_have_an_inbox(db, make_user, tutor):
    from tutorhub.services.errors import Forbidden

    with pytest.raises(Forbidden):
        enquiries.post_enquiry(db, actor=tutor[0], data=enquiry_data(), now=NOW)
    with pytest.raises(Forbidden):
        inbox.lead_inbox(db, actor=make_user(Role.STUDENT), now=NOW)


def test_claiming_measures_the_tutors_response_time(db, make_user, tutor):
    from tutorhub.services.tutors.search import get_public_profile

    out = _post(db, make_user(Role.STUDENT))
    give_lead_credits(db, tutor[0].id, 1)
    claims.claim_lead(db, actor=tutor[0], enquiry_id=out.id, now=NOW + timedelta(minutes=90))
    db.commit()
    public = get_public_profile(db, tutor_id=tutor[1])
    assert public.response_minutes == 90 and public.response_text == "usually replies within 2 hours"


def test_the_inbox_pages_newest_first_and_skips_ended_enquiries(db, make_user, tutor):
    students = [make_user(Role.STUDENT) for _ in range(5)]
    posted = [_post(db, students[i % 5]).id for i in range(25)]
    for eid in posted[3:20:4]:  # end five of them, spread through the list
        enquiries.close_enquiry(db, actor=students[posted.index(eid) % 5], enquiry_id=eid, now=NOW)
    db.commit()
    live = [e for e in reversed(posted) if e not in posted[3:20:4]]
    seen, before = [], None
    while True:
        page = inbox.lead_inbox(db, actor=tutor[0], before=before, limit=7, now=NOW)
        seen += [i.id for i in page.items]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == live
