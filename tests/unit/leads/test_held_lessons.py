"""An enquiry closes when the lesson booked from an accepted proposal is confirmed (paid), not when
the proposal is accepted; a hold that expires or is cancelled unpaid makes it answerable again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.support.booking import NOW, at, open_all_week
from tests.support.leads import enquiry_data, give_lead_credits
from tests.support.money import fund_wallet
from tutorhub.jobs import tasks
from tutorhub.models import Booking, Enquiry, EnquiryProposal, Notification, Role
from tutorhub.services.booking import bookings, changes, timeouts
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Conflict
from tutorhub.services.leads import claims, enquiries, inbox, proposals, settlement

LATER = NOW + timedelta(minutes=16)  # past the 15-minute hold


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    """A student's enquiry claimed by one tutor; a second matching tutor who has not claimed it."""
    tutor, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor)
    other, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, other)
    student = make_user(Role.STUDENT, timezone="America/New_York")
    out = enquiries.post_enquiry(db, actor=student, data=enquiry_data(), now=NOW)
    db.commit()
    give_lead_credits(db, tutor.id, 1)
    claims.claim_lead(db, actor=tutor, enquiry_id=out.id, now=NOW)
    db.commit()
    return tutor, other, student, out.id


def _propose(db, tutor, eid, start, now=NOW):
    made = proposals.propose_lesson(db, actor=tutor, enquiry_id=eid, start=start, price_minor=2500, now=now)
    db.commit()
    return made.id


def _accept(db, student, eid, pid, now=NOW):
    out = proposals.accept_proposal(db, actor=student, enquiry_id=eid, proposal_id=pid, now=now)
    db.commit()
    return out


def _stored(db, eid) -> str:
    db.expire_all()
    row = db.get(Enquiry, eid)
    assert row is not None
    return row.status


def _titles(db, user_id, text):
    return [n.title for n in db.exec(select(Notification).where(col(Notification.user_id) == user_id)
                                     .order_by(col(Notification.id))).all() if text in n.title]


def test_accepting_holds_the_lesson_and_paying_closes_the_enquiry(db, world):
    tutor, other, student, eid = world
    first, second = _propose(db, tutor, eid, at(2, 17)), _propose(db, tutor, eid, at(2, 19))
    accepted = _accept(db, student, eid, first)
    assert accepted.status == "PENDING_PAYMENT"
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=eid)
    assert detail.status == "MATCHED"
    assert {p.id: p.status for p in detail.proposals} == {first: "ACCEPTED", second: "OFFERED"}
    assert eid in [i.id for i in inbox.lead_inbox(db, actor=other, now=NOW).items]  # still answerable
    with pytest.raises(Conflict):  # one accepted lesson waits for payment at a time
        proposals.accept_proposal(db, actor=student, enquiry_id=eid, proposal_id=second, now=NOW)
    db.rollback()

    fund_wallet(db, student.id, 2500, "EUR")
    assert lesson_payments.confirm_booking(db, actor=student, booking_id=accepted.booking_id, now=NOW).status == "CONFIRMED"
    db.commit()
    # Reads show the outcome at once (read-only sessions write nothing) ...
    assert enquiries.get_my_enquiry(db, actor=student, enquiry_id=eid).status == "CLOSED"
    assert [e.status for e in enquiries.list_my_enquiries(db, actor=student).items] == ["CLOSED"]
    assert inbox.lead_inbox(db, actor=other, now=NOW).items == []
    assert inbox.get_lead(db, actor=tutor, enquiry_id=eid).status == "CLOSED"
    assert _stored(db, eid) == "MATCHED"
    # ... a transition refuses it ...
    give_lead_credits(db, other.id, 1)
    with pytest.raises(Conflict):
        claims.claim_lead(db, actor=other, enquiry_id=eid, now=NOW)
    db.rollback()
    # ... and the minutely sweep writes it down once: the other proposal withdrawn, the claimer told.
    assert settlement.settle_held_lessons(db, now=NOW) == 1
    db.commit()
    assert _stored(db, eid) == "CLOSED"
    assert db.get(EnquiryProposal, second).status == "WITHDRAWN"
    assert _titles(db, tutor.id, "Enquiry booked") == ["Enquiry booked: Mathematics"]
    assert settlement.settle_held_lessons(db, now=NOW) == 0
    assert db.get(Booking, accepted.booking_id).status == "CONFIRMED"  # the lesson itself stays booked


def test_an_expired_hold_reopens_the_enquiry_and_the_tutor_is_told_once(db, world):
    tutor, other, student, eid = world
    first, second = _propose(db, tutor, eid, at(2, 17)), _propose(db, tutor, eid, at(2, 19))
    _accept(db, student, eid, first)
    assert timeouts.expire_holds(db, now=LATER) == 1
    db.commit()
    # Before the sweep: the student's page already shows the proposal lapsed, the enquiry answerable.
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=eid)
    assert detail.status == "MATCHED" and {p.id: p.status for p in detail.proposals}[first] == "LAPSED"
    assert settlement.settle_held_lessons(db, now=LATER) == 1
    db.commit()
    assert settlement.settle_held_lessons(db, now=LATER) == 0
    assert _stored(db, eid) == "MATCHED" and db.get(EnquiryProposal, first).status == "LAPSED"
    assert len(_titles(db, tutor.id, "was not paid")) == 1
    # Still answerable: another tutor claims, the tutor proposes again, the student accepts another one.
    give_lead_credits(db, other.id, 1)
    assert claims.claim_lead(db, actor=other, enquiry_id=eid, now=LATER).charged
    db.commit()
    third = _propose(db, tutor, eid, at(3, 17), now=LATER)
    assert _accept(db, student, eid, second, now=LATER).status == "PENDING_PAYMENT"
    detail = enquiries.get_my_enquiry(db, actor=student, enquiry_id=eid)
    assert detail.status == "MATCHED"
    assert {p.id: p.status for p in detail.proposals} == {first: "LAPSED", second: "ACCEPTED", third: "OFFERED"}
    assert len(_titles(db, tutor.id, "was not paid")) == 1


def test_a_hold_cancelled_unpaid_lets_the_student_accept_another_time_at_once(db, world):
    tutor, _other, student, eid = world
    first, second = _propose(db, tutor, eid, at(2, 17)), _propose(db, tutor, eid, at(2, 19))
    held = _accept(db, student, eid, first)
    changes.cancel_booking(db, actor=student, booking_id=held.booking_id, now=NOW)
    db.commit()
    # No sweep has run: accepting settles the enquiry itself first.
    assert _accept(db, student, eid, second).status == "PENDING_PAYMENT"
    assert db.get(EnquiryProposal, first).status == "LAPSED"
    assert _stored(db, eid) == "MATCHED"
    assert len(_titles(db, tutor.id, "was not paid")) == 1


def test_a_paid_request_the_tutor_declines_reopens_it_and_one_accepted_closes_it(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, instant_booking=False)
    student = make_user(Role.STUDENT)
    eid = enquiries.post_enquiry(db, actor=student, data=enquiry_data(), now=NOW).id
    give_lead_credits(db, tutor.id, 1)
    claims.claim_lead(db, actor=tutor, enquiry_id=eid, now=NOW)
    db.commit()
    first, second = _propose(db, tutor, eid, at(2, 17)), _propose(db, tutor, eid, at(2, 19))
    fund_wallet(db, student.id, 5000, "EUR")
    held = _accept(db, student, eid, first)
    assert lesson_payments.confirm_booking(db, actor=student, booking_id=held.booking_id, now=NOW).status == "REQUESTED"
    db.commit()
    assert enquiries.get_my_enquiry(db, actor=student, enquiry_id=eid).status == "MATCHED"  # paid, not confirmed
    bookings.decline_booking(db, actor=tutor, booking_id=held.booking_id, now=NOW)
    db.commit()
    again = _accept(db, student, eid, second)
    assert db.get(EnquiryProposal, first).status == "LAPSED"
    lesson_payments.confirm_booking(db, actor=student, booking_id=again.booking_id, now=NOW)
    bookings.accept_booking(db, actor=tutor, booking_id=again.booking_id, now=NOW)
    db.commit()
    assert enquiries.get_my_enquiry(db, actor=student, enquiry_id=eid).status == "CLOSED"
    assert settlement.settle_held_lessons(db, now=NOW) == 1
    db.commit()
    assert _stored(db, eid) == "CLOSED"


def test_the_seven_day_expiry_waits_for_a_lesson_held_for_payment(db, world):
    tutor, _other, student, eid = world
    pid = _propose(db, tutor, eid, at(9, 17))
    last_minute = NOW + timedelta(days=7) - timedelta(minutes=5)
    held = _accept(db, student, eid, pid, now=last_minute)
    after = NOW + timedelta(days=7, minutes=1)
    assert enquiries.expire_enquiries(db, now=after) == 0  # the student may still pay
    fund_wallet(db, student.id, 2500, "EUR")
    lesson_payments.confirm_booking(db, actor=student, booking_id=held.booking_id, now=after)
    db.commit()
    assert settlement.settle_held_lessons(db, now=after) == 1
    assert enquiries.expire_enquiries(db, now=after) == 0
    db.commit()
    assert _stored(db, eid) == "CLOSED"


def test_the_minutely_job_expires_the_hold_and_reopens_the_enquiry(db, world):
    tutor, _other, student, eid = world
    pid = _propose(db, tutor, eid, at(2, 17))
    _accept(db, student, eid, pid)
    counts = tasks.booking_minutely(now=LATER)
    assert counts["expired_holds"] == 1 and counts["enquiries_settled"] == 1
    assert _stored(db, eid) == "MATCHED" and db.get(EnquiryProposal, pid).status == "LAPSED"
    assert tasks.booking_minutely(now=LATER + timedelta(minutes=1))["enquiries_settled"] == 0
    db.expire_all()
    assert len(_titles(db, tutor.id, "was not paid")) == 1
