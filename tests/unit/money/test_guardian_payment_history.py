"""A child's payment history lists the lessons their guardian paid for ("paid by <guardian>"), and a
refund of such a lesson shows as gone back to the guardian; the guardian's own history lists that
refund too. Nobody else sees any of it."""

from __future__ import annotations

from tests.support.booking import NOW, at
from tests.support.credits import pay
from tests.support.guardians import link_guardian
from tests.support.money import fund_wallet
from tutorhub.models import Role
from tutorhub.services.booking import bookings, changes
from tutorhub.services.checkout import escrow, guardian_bookings, lesson_payments
from tutorhub.services.money import ledger, payment_history

PRICE = 3000  # 60 minutes at €30/h (the env tutor)


def _family(env):
    parent = env.make_user(Role.GUARDIAN, email="mum@example.com", name="Maria Parent")
    link_guardian(env.db, env.student, parent, now=NOW)
    return parent


def _guardian_pays(env, parent, day, method="wallet"):
    held = guardian_bookings.book_for_child(env.db, actor=parent, student_id=env.student.id, tutor_id=env.tutor_id,
                                            start=at(day, 10), duration_min=60, now=NOW)
    out = guardian_bookings.pay_for_child(env.db, actor=parent, booking_id=held.booking.id, method=method, now=NOW)
    if out.payment_reference:
        pay(env.db, out.payment_reference, NOW)
    return held.booking.id


def _history(env, who):
    return payment_history.list_my_payments(env.db, actor=who)


def test_the_child_sees_lessons_paid_by_the_guardian_and_refunds_going_back_to_them(env):
    parent = _family(env)
    fund_wallet(env.db, parent.id, PRICE)
    by_wallet = _guardian_pays(env, parent, 3)
    by_card = _guardian_pays(env, parent, 4, method="gateway")
    mine = _history(env, env.student)
    assert mine.payments == []  # the child paid nothing
    assert [(r.booking_id, r.payer_name, r.amount_minor, r.currency, r.status) for r in mine.paid_for_you] == [
        (by_card, "Maria Parent", PRICE, "EUR", "paid"), (by_wallet, "Maria Parent", PRICE, "EUR", "paid")]
    # The child cancels both (more than 24 h ahead: 100% back) — to the guardian, who paid.
    for booking_id in (by_wallet, by_card):
        changes.cancel_booking(env.db, actor=env.student, booking_id=booking_id, now=NOW)
        escrow.settle_booking_money(env.db, booking_id=booking_id, now=NOW)
    assert ledger.balance(env.db, f"student:{parent.id}:wallet", "EUR") >= PRICE
    assert ledger.balance(env.db, f"student:{env.student.id}:wallet", "EUR") == 0
    mine = _history(env, env.student)
    assert {(r.booking_id, r.status, r.refunded_minor) for r in mine.paid_for_you} == {
        (by_wallet, "refunded", PRICE), (by_card, "refunded", PRICE)}
    assert {(r.booking_id, r.refunded_to, r.amount_minor) for r in mine.refunds} == {
        (by_wallet, "Maria Parent", PRICE), (by_card, "Maria Parent", PRICE)}
    assert all(r.payment_reference is None for r in mine.refunds)  # the guardian's receipt is not the child's
    # The guardian's own history has the card payment and both refunds (to them: no other name).
    theirs = _history(env, parent)
    assert [p.booking_id for p in theirs.payments] == [by_card] and theirs.paid_for_you == []
    assert {(r.booking_id, r.refunded_to) for r in theirs.refunds} == {(by_wallet, ""), (by_card, "")}


def test_only_guardian_paid_lessons_of_this_child_are_listed(env):
    parent = _family(env)
    fund_wallet(env.db, parent.id, 10 * PRICE)
    fund_wallet(env.db, env.student.id, PRICE)
    paid = _guardian_pays(env, parent, 3)
    guardian_bookings.book_for_child(env.db, actor=parent, student_id=env.student.id, tutor_id=env.tutor_id,
                                     start=at(5, 10), duration_min=60, now=NOW)  # held, never paid
    own = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(6, 10), duration_min=60,
                                  now=NOW)
    lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=own.id, now=NOW)  # the child's own money
    assert [r.booking_id for r in _history(env, env.student).paid_for_you] == [paid]
    # Another student, another guardian, and a sibling linked to the same guardian see none of it.
    stranger = env.another_student()
    assert _history(env, stranger).paid_for_you == [] and _history(env, stranger).refunds == []
    other_parent = env.make_user(Role.GUARDIAN, email="other@example.com")
    assert _history(env, other_parent).refunds == [] and _history(env, other_parent).paid_for_you == []
    sibling = env.another_student()
    link_guardian(env.db, sibling, parent, now=NOW)
    assert _history(env, sibling).paid_for_you == []
    changes.cancel_booking(env.db, actor=env.student, booking_id=paid, now=NOW)
    escrow.settle_booking_money(env.db, booking_id=paid, now=NOW)
    assert _history(env, sibling).refunds == [] and _history(env, other_parent).refunds == []
