"""A guardian books a lesson for a linked child and pays it from their own wallet or card: the
lesson is the child's, the money is the guardian's (and a refund goes back to the guardian); the
no-double-booking guard and the child's limits still apply; strangers get NotFound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from tests.support.booking import NOW, at
from tests.support.credits import pay
from tests.support.guardians import link_guardian
from tests.support.money import fund_wallet
from tutorhub.models import Booking, BookingEvent, Role
from tutorhub.models.learning import GuardianBooking
from tutorhub.services.booking import bookings, changes, hold_limits, queries
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.booking.hold_limits import HoldRateLimited, TooManyHolds
from tutorhub.services.checkout import escrow, guardian_bookings
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.learning import guardians
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import InsufficientFunds

PRICE = 3000  # 60 minutes at €30/h
START = at(3, 10)


@pytest.fixture
def family(env):
    parent = env.make_user(Role.GUARDIAN, email="parent@example.com")
    link_guardian(env.db, env.student, parent, now=NOW)
    return parent


def _book(env, parent, **kw):
    args = {"student_id": env.student.id, "tutor_id": env.tutor_id, "start": START, "duration_min": 60, "now": NOW}
    args.update(kw)
    return guardian_bookings.book_for_child(env.db, actor=parent, **args)


def _wallet(env, user_id):
    return ledger.balance(env.db, f"student:{user_id}:wallet", "EUR")


def test_guardian_books_and_pays_from_own_wallet(env, family):
    fund_wallet(env.db, family.id, PRICE)
    held = _book(env, family)
    assert held.booking.status == "PENDING_PAYMENT" and held.student_id == env.student.id
    row = env.db.get(Booking, held.booking.id)
    assert row.student_id == env.student.id
    paid = guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="wallet", now=NOW)
    assert paid.status == "CONFIRMED"
    assert _wallet(env, family.id) == 0 and _wallet(env, env.student.id) == 0
    assert ledger.balance(env.db, f"escrow:booking:{row.id}", "EUR") == PRICE
    roles = [e.actor_role for e in env.db.exec(select(BookingEvent).where(BookingEvent.booking_id == row.id)).all()]
    assert "guardian" in roles
    env.db.commit()
    # Both see it: the child in their lessons, the guardian in the child's lessons and their bookings.
    mine = queries.list_bookings(env.db, actor=env.student, now=NOW)
    assert row.id in [b.id for b in mine.items]
    assert [b.id for b in guardians.child_lessons(env.db, actor=family, student_id=env.student.id, now=NOW)] == [row.id]
    assert [b.booking.id for b in guardian_bookings.list_booked_for_children(env.db, actor=family, now=NOW)] == [row.id]
    # The lesson page tells both parties the guardian booked and pays for it; other lessons say nothing.
    for party in (env.student, env.tutor):
        assert queries.get_booking(env.db, actor=party, booking_id=row.id, now=NOW).booked_by == family.full_name
    own = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(4, 10), duration_min=60,
                                  now=NOW)
    assert queries.get_booking(env.db, actor=env.student, booking_id=own.id, now=NOW).booked_by == ""


def test_refund_of_a_guardian_paid_lesson_goes_back_to_the_guardian(env, family):
    fund_wallet(env.db, family.id, PRICE)
    held = _book(env, family)
    guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="wallet", now=NOW)
    changes.cancel_booking(env.db, actor=env.student, booking_id=held.booking.id, now=NOW)  # > 24 h ahead: 100%
    escrow.settle_booking_money(env.db, booking_id=held.booking.id, now=NOW)
    assert _wallet(env, family.id) == PRICE and _wallet(env, env.student.id) == 0


def test_short_wallet_pays_nothing(env, family):
    fund_wallet(env.db, family.id, PRICE - 1)
    held = _book(env, family)
    with pytest.raises(InsufficientFunds):
        guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="wallet", now=NOW)
    assert env.db.get(Booking, held.booking.id).status == "PENDING_PAYMENT"
    assert _wallet(env, family.id) == PRICE - 1


def test_guardian_pays_by_card_through_the_gateway(env, family):
    held = _book(env, family)
    out = guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="gateway", now=NOW)
    assert out.checkout_url and out.status == "PENDING_PAYMENT"
    held_until = env.db.get(Booking, held.booking.id).hold_expires_at
    assert held_until == NOW + timedelta(minutes=30)  # kept while the (30-minute) checkout can be paid
    pay(env.db, out.payment_reference, NOW)
    row = env.db.get(Booking, held.booking.id)
    env.db.refresh(row)
    assert row.status == "CONFIRMED" and ledger.balance(env.db, f"escrow:booking:{row.id}", "EUR") == PRICE
    with pytest.raises(Conflict):  # already paid
        guardian_bookings.pay_for_child(env.db, actor=family, booking_id=row.id, method="wallet", now=NOW)


def test_no_double_booking_for_a_guardian(env, family):
    other = env.another_student()
    fund_wallet(env.db, other.id, PRICE)
    env.book(START, student=other)
    with pytest.raises(SlotTaken):
        _book(env, family)
    assert env.db.exec(select(GuardianBooking)).all() == []


def test_strangers_and_bad_input(env, family):
    fund_wallet(env.db, family.id, PRICE)
    stranger = env.make_user(Role.GUARDIAN, email="stranger@example.com")
    other_child = env.another_student()
    with pytest.raises(NotFound):  # a guardian without a link to this child
        _book(env, stranger)
    with pytest.raises(NotFound):  # a child not linked to this guardian
        _book(env, family, student_id=other_child.id)
    with pytest.raises(NotFound):
        _book(env, family, student_id="abc")
    with pytest.raises(Forbidden):  # the child is not a guardian
        _book(env, env.student)
    with pytest.raises(NotAuthenticated):
        _book(env, None)
    with pytest.raises(InvalidInput):
        _book(env, family, start="not a time", duration_min=-5)
    with pytest.raises(NotFound):
        _book(env, family, tutor_id=999_999)
    assert env.db.exec(select(GuardianBooking)).all() == []
    held = _book(env, family)
    with pytest.raises(NotFound):
        guardian_bookings.pay_for_child(env.db, actor=stranger, booking_id=held.booking.id, method="wallet", now=NOW)
    with pytest.raises(InvalidInput):
        guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="cash", now=NOW)
    with pytest.raises(Forbidden):
        guardian_bookings.pay_for_child(env.db, actor=env.student, booking_id=held.booking.id, method="wallet", now=NOW)
    assert env.db.get(Booking, held.booking.id).status == "PENDING_PAYMENT"


def test_a_revoked_link_can_no_longer_pay(env, family):
    fund_wallet(env.db, family.id, PRICE)
    held = _book(env, family)
    link = guardians.list_my_guardians(env.db, actor=env.student)[0]
    guardians.unlink_guardian(env.db, actor=env.student, link_id=link.id, now=NOW)
    with pytest.raises(NotFound):
        guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="wallet", now=NOW)
    assert guardian_bookings.list_booked_for_children(env.db, actor=family, now=NOW) == []
    assert _wallet(env, family.id) == PRICE


def test_guardian_tops_up_their_wallet_then_pays(env, family):
    from tutorhub.services.billing import wallet

    out = wallet.start_topup(env.db, actor=family, amount_minor=PRICE, currency="EUR", now=NOW)
    pay(env.db, out.payment_id, NOW)
    assert _wallet(env, family.id) == PRICE
    held = _book(env, family)
    assert guardian_bookings.pay_for_child(env.db, actor=family, booking_id=held.booking.id, method="wallet",
                                           now=NOW).status == "CONFIRMED"


def test_the_childs_unpaid_hold_limit_counts_the_guardians_holds_too(env, family):
    """At most 3 unpaid single holds per CHILD (issue #11), whoever holds them: the child's own holds
    and their guardian's share the three places; another child of the same guardian has their own."""
    bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60, now=NOW)
    bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(3, 10), duration_min=60, now=NOW)
    third = _book(env, family, start=at(4, 10))
    with pytest.raises(TooManyHolds) as refused:
        _book(env, family, start=at(5, 10))
    assert refused.value.status_code == 409 and refused.value.extra["unpaid_holds"] == 3
    with pytest.raises(TooManyHolds):  # …and the child cannot add a fourth either
        bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(5, 10), duration_min=60,
                                now=NOW)
    assert [g.booking_id for g in env.db.exec(select(GuardianBooking)).all()] == [third.booking.id]
    assert hold_limits.unpaid_holds(env.db, env.student.id, NOW) == 3
    # The limit is the child's, not the guardian's: a second linked child still has three places.
    sibling = env.another_student()
    link_guardian(env.db, sibling, family, now=NOW)
    for day in (5, 6, 7):
        _book(env, family, student_id=sibling.id, start=at(day, 10))
    with pytest.raises(TooManyHolds):
        _book(env, family, student_id=sibling.id, start=at(8, 10))
    # Paying one of the child's holds frees a place for the guardian.
    fund_wallet(env.db, family.id, PRICE)
    guardian_bookings.pay_for_child(env.db, actor=family, booking_id=third.booking.id, method="wallet", now=NOW)
    assert _book(env, family, start=at(9, 10)).booking.status == "PENDING_PAYMENT"


def test_the_childs_hourly_hold_attempts_count_the_guardians_attempts(env, family):
    """20 hold attempts an hour per CHILD: a guardian's attempts for the child (refused ones too)
    use the child's budget, so neither can go past it by taking turns; another child is unaffected."""
    other = env.another_student()
    env.book(at(9, 10), student=other, confirm=True)
    for i in range(10):  # the guardian: half of them refused (the slot is taken)
        now = NOW + timedelta(minutes=i)
        if i % 2:
            with pytest.raises(SlotTaken):
                _book(env, family, start=at(9, 10), now=now)
        else:
            held = _book(env, family, start=at(2 + i, 10), now=now)
            changes.cancel_booking(env.db, actor=env.student, booking_id=held.booking.id, now=now)
    for i in range(10, 20):  # the child themselves
        now = NOW + timedelta(minutes=i)
        held_own = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(2 + i, 12),
                                           duration_min=60, now=now)
        changes.cancel_booking(env.db, actor=env.student, booking_id=held_own.id, now=now)
    later = NOW + timedelta(minutes=30)
    before = env.db.exec(select(func.count()).select_from(GuardianBooking)).one()
    with pytest.raises(HoldRateLimited) as limited:
        _book(env, family, start=at(25, 10), now=later)
    assert limited.value.status_code == 429 and limited.value.retry_after_seconds == 30 * 60
    with pytest.raises(HoldRateLimited):
        bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(25, 10), duration_min=60,
                                now=later)
    assert env.db.exec(select(func.count()).select_from(GuardianBooking)).one() == before
    # The guardian's other child has a budget of their own.
    sibling = env.another_student()
    link_guardian(env.db, sibling, family, now=NOW)
    assert _book(env, family, student_id=sibling.id, start=at(25, 10), now=later).booking.status == "PENDING_PAYMENT"
    # An hour after the first attempt, the child may hold again (through the guardian too).
    assert _book(env, family, start=at(26, 10), now=NOW + timedelta(hours=1, seconds=1)).student_id == env.student.id
