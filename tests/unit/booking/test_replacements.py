"""The rescheduling workflow after a tutor cancels: notification, up to three replacement tutors
(same subject, free at that time or nearest), taking one, or being credited back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at, open_all_week
from tutorhub.models import Booking, OutboxMessage, ReplacementOffer, User
from tutorhub.services.booking import bookings, replacements
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.errors import Conflict, Forbidden, NotFound

START = at(5, 12)


@pytest.fixture
def others(env):
    """Candidate tutors: two free at 12:00, one only from 14:00, and four that must never be offered."""
    made = {}

    def tutor(name, *, start="00:00", end="24:00", **fields):
        user, tid = env.make_approved_tutor(timezone="UTC", **fields)
        open_all_week(env.db, user, start=start, end=end)
        made[name] = (user, tid)

    tutor("same_time_a")
    tutor("same_time_b")
    tutor("later", start="14:00", end="20:00")
    tutor("physics", subjects=[{"subject": "physics", "grades": ["high"]}])
    tutor("dollars", currency="USD")
    tutor("suspended")
    user = env.db.get(User, made["suspended"][0].id)
    user.is_suspended = True
    env.db.add(user)
    tutor("early", start="00:00", end="11:30")  # free until 11:30 (a 60-minute lesson at 10:30)
    env.db.commit()
    return made


def cancel_by_tutor(env, now=NOW):
    booked = env.book(START, confirm=True)
    out = booking_changes.cancel_booking(env.db, actor=env.tutor, booking_id=booked.id, now=now)
    env.db.commit()
    return booked, out


def test_a_tutor_cancellation_offers_three_replacements_and_tells_the_student(env, others):
    booked, out = cancel_by_tutor(env)
    assert out.refund_status == "PENDING_REPLACEMENT" and out.actions == []  # the tutor's view
    student_view = booking_queries.get_booking(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    assert student_view.actions == ["replacements"] and student_view.open_offers == 3
    offers = replacements.list_replacement_offers(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    ids = {name: tid for name, (_, tid) in others.items()}
    assert len(offers) == 3
    assert {o.tutor_id for o in offers[:2]} == {ids["same_time_a"], ids["same_time_b"]}
    assert all(o.same_time for o in offers[:2])
    third = offers[2]
    # Nearest free time either side: "early" can start at 10:30 (1.5 h before), "later" at 14:00 (2 h after).
    assert (third.tutor_id, third.start, third.same_time) == (ids["early"], at(5, 10, 30), False)
    excluded = {ids["physics"], ids["dollars"], ids["suspended"], env.tutor_id}
    assert not excluded & {o.tutor_id for o in offers}
    assert offers[0].student_start == "2027-03-06T07:00:00-05:00" and offers[0].expires_at == NOW + timedelta(hours=24)
    message = env.db.exec(select(OutboxMessage).where(OutboxMessage.recipient == env.student.email)
                          .order_by(OutboxMessage.id.desc())).first()
    assert "cancelled" in message.subject and "3 other tutor" in message.body


def test_taking_an_offer_books_that_tutor_with_the_original_payment(env, others):
    booked, _ = cancel_by_tutor(env)
    offers = replacements.list_replacement_offers(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    new = replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id=offers[0].id,
                                              now=NOW + timedelta(hours=1))
    env.db.commit()
    assert (new.status, new.tutor_id, new.start, new.price_minor) == ("CONFIRMED", offers[0].tutor_id, START, 3000)
    assert new.replaces_booking_id == booked.id
    original = env.db.get(Booking, booked.id)
    assert (original.refund_status, original.refund_minor) == ("TRANSFERRED", 0)
    assert env.db.get(Booking, new.id).payment_ref == f"transfer:{booked.id}"
    statuses = [o.status for o in env.db.exec(select(ReplacementOffer).order_by(ReplacementOffer.rank)).all()]
    assert statuses == ["TAKEN", "DECLINED", "DECLINED"]
    with pytest.raises(Conflict):
        replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id=offers[1].id,
                                            now=NOW)
    with pytest.raises(SlotTaken):  # the replacement tutor's slot is really taken
        env.book(START, tutor_id=offers[0].tutor_id, student=env.another_student())


def test_an_offer_whose_time_was_taken_meanwhile_is_a_conflict(env, others):
    booked, _ = cancel_by_tutor(env)
    offers = replacements.list_replacement_offers(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    env.book(START, tutor_id=offers[0].tutor_id, student=env.another_student())
    with pytest.raises(SlotTaken):
        replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id=offers[0].id,
                                            now=NOW)
    env.db.rollback()
    assert env.db.get(Booking, booked.id).refund_status == "PENDING_REPLACEMENT"
    second = replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id,
                                                 offer_id=offers[1].id, now=NOW)
    assert second.tutor_id == offers[1].tutor_id


def test_no_offer_taken_in_24_hours_credits_the_student_back(env, others):
    booked, _ = cancel_by_tutor(env)
    assert replacements.expire_replacement_offers(env.db, now=NOW + timedelta(hours=23)) == 0
    assert replacements.expire_replacement_offers(env.db, now=NOW + timedelta(hours=24)) == 1
    original = env.db.get(Booking, booked.id)
    assert (original.refund_status, original.refund_minor) == ("DUE", 3000)
    assert {o.status for o in env.db.exec(select(ReplacementOffer)).all()} == {"EXPIRED"}
    assert replacements.expire_replacement_offers(env.db, now=NOW + timedelta(hours=25)) == 0
    with pytest.raises(Conflict):
        replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id=1, now=NOW)
    bodies = [m.body for m in env.db.exec(select(OutboxMessage)).all()]
    assert any("credited back" in b for b in bodies)


def test_the_student_can_decline_all_offers(env, others):
    booked, _ = cancel_by_tutor(env)
    replacements.decline_replacement_offers(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    assert env.db.get(Booking, booked.id).refund_status == "DUE"
    with pytest.raises(Conflict):
        replacements.decline_replacement_offers(env.db, actor=env.student, booking_id=booked.id, now=NOW)


def test_only_the_student_sees_and_takes_offers(env, others):
    booked, _ = cancel_by_tutor(env)
    offer_id = replacements.list_replacement_offers(env.db, actor=env.student, booking_id=booked.id)[0].id
    with pytest.raises(Forbidden):
        replacements.list_replacement_offers(env.db, actor=env.tutor, booking_id=booked.id)
    with pytest.raises(Forbidden):
        replacements.take_replacement_offer(env.db, actor=env.tutor, booking_id=booked.id, offer_id=offer_id)
    stranger = env.another_student()
    for call in (replacements.list_replacement_offers, replacements.decline_replacement_offers):
        with pytest.raises(NotFound):
            call(env.db, actor=stranger, booking_id=booked.id)
    with pytest.raises(NotFound):
        replacements.take_replacement_offer(env.db, actor=stranger, booking_id=booked.id, offer_id=offer_id)
    with pytest.raises(NotFound):
        replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id="nope")


def test_a_replacement_with_approval_goes_to_requested(env, others):
    user, tid = others["same_time_a"]
    open_all_week(env.db, user, instant_booking=False)
    for name in ("same_time_b", "later", "early"):
        open_all_week(env.db, others[name][0], start="00:00", end="00:30")
    booked, _ = cancel_by_tutor(env)
    offers = replacements.list_replacement_offers(env.db, actor=env.student, booking_id=booked.id)
    assert offers[0].tutor_id == tid
    new = replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id=offers[0].id,
                                              now=NOW)
    assert new.status == "REQUESTED"
    declined = bookings.decline_booking(env.db, actor=user, booking_id=new.id, now=NOW)
    assert (declined.refund_status, declined.refund_minor) == ("DUE", 3000)


def test_the_original_payment_moves_to_the_replacement_and_pays_its_tutor(env, others):
    """Money: the escrow follows the student to the replacement lesson, whose tutor is
    paid at settlement; the cancelling tutor gets nothing."""
    from tutorhub.models import TutorProfile
    from tutorhub.services.booking import timeouts as booking_jobs
    from tutorhub.services.checkout import escrow
    from tutorhub.services.learning import lessons
    from tutorhub.services.money import ledger
    from tutorhub.services.ops.ledger_verify import verify_ledger

    booked, _ = cancel_by_tutor(env)
    assert ledger.balance(env.db, f"escrow:booking:{booked.id}", "EUR") == 3000
    offers = replacements.list_replacement_offers(env.db, actor=env.student, booking_id=booked.id, now=NOW)
    new = replacements.take_replacement_offer(env.db, actor=env.student, booking_id=booked.id, offer_id=offers[0].id,
                                              now=NOW + timedelta(hours=1))
    escrow.run_money_jobs(env.db, now=NOW + timedelta(hours=1))
    assert ledger.balance(env.db, f"escrow:booking:{booked.id}", "EUR") == 0
    assert ledger.balance(env.db, f"escrow:booking:{new.id}", "EUR") == 3000
    replacement_tutor = env.db.get(TutorProfile, new.tutor_id).user_id
    other = next(u for u, tid in others.values() if tid == new.tutor_id)
    lessons.start_lesson(env.db, actor=other, booking_id=new.id, now=START)
    lessons.complete_lesson(env.db, actor=other, booking_id=new.id, now=START + timedelta(hours=1))
    booking_jobs.settle_lessons(env.db, now=START + timedelta(hours=50))
    escrow.run_money_jobs(env.db, now=START + timedelta(hours=50))
    assert ledger.balance(env.db, f"tutor:{replacement_tutor}:earnings", "EUR") == 2400
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 0
    assert verify_ledger(env.db, now=START + timedelta(days=5)) == []
