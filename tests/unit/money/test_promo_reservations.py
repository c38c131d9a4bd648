"""A once-per-user promo code is reserved when a gateway checkout starts, confirmed when the
payment succeeds and released when it fails, is cancelled or lapses (issue 11, money gaps).

Before: the code was only quoted at checkout and redeemed when the webhook landed, so two
checkouts started before either was paid (or a checkout and a wallet payment) both got it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tests.support.credits import catalogue
from tests.support.money import fund_wallet
from tutorhub.models import Booking, Payment, PromoCode, PromoRedemption, Role
from tutorhub.services.billing import purchases
from tutorhub.services.booking import timeouts
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.errors import InvalidInput
from tutorhub.services.money import ledger, promos
from tutorhub.services.ops.ledger_verify import verify_ledger


@pytest.fixture
def once(env, make_user):
    promos.create_promo(env.db, actor=make_user(Role.ADMIN), data={"code": "ONCE", "kind": "percent", "percent": 20})
    return "ONCE"


def _rows(db):
    return [(r.ref, r.status) for r in db.exec(select(PromoRedemption)).all()]


def _checkout(env, booking_id):
    return lesson_payments.pay_booking(env.db, actor=env.student, booking_id=booking_id, method="gateway",
                                       promo_code="ONCE", now=NOW)


def test_a_second_checkout_with_a_once_per_user_code_is_refused_when_it_starts(env, once):
    first, second = env.book(at(3, 10)), env.book(at(3, 14))
    out = _checkout(env, first.id)
    assert _rows(env.db) == [(f"payment:{out.payment_reference}", "pending")]
    with pytest.raises(InvalidInput) as refused:
        _checkout(env, second.id)
    assert "reserved by a checkout" in refused.value.message
    # …and a wallet payment with it is refused as well
    fund_wallet(env.db, env.student.id, 3000, "EUR")
    with pytest.raises(InvalidInput):
        lesson_payments.pay_booking(env.db, actor=env.student, booking_id=second.id, method="wallet",
                                    promo_code="ONCE", now=NOW)
    assert env.db.get(Booking, second.id).status == "PENDING_PAYMENT"
    sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed", now=NOW)
    assert _rows(env.db) == [(f"payment:{out.payment_reference}", "redeemed")]
    assert env.db.exec(select(PromoCode)).one().redemption_count == 1
    assert ledger.balance(env.db, "platform:promotions", "EUR") == 600
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


@pytest.mark.parametrize("outcome", ["fail", "cancel"])
def test_a_failed_or_cancelled_checkout_gives_the_code_back(env, once, outcome):
    first, second = env.book(at(3, 10)), env.book(at(3, 14))
    out = _checkout(env, first.id)
    if outcome == "fail":
        sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="fail", now=NOW)
    else:
        sandbox_checkout.abandon_checkout(env.db, reference=out.payment_reference, now=NOW)
    assert _rows(env.db) == [] and env.db.exec(select(PromoCode)).one().redemption_count == 0
    again = _checkout(env, second.id)
    assert again.status == "PENDING_PAYMENT"
    sandbox_checkout.complete_checkout(env.db, reference=again.payment_reference, outcome="succeed", now=NOW)
    assert _rows(env.db) == [(f"payment:{again.payment_reference}", "redeemed")]


def test_a_payment_after_the_hold_expired_goes_to_the_wallet_undiscounted_and_gives_the_code_back(env, once):
    """A checkout (and so the reservation) lives at least 30 minutes — Stripe's minimum — and keeps the
    lesson held, but never past 45 minutes: a checkout restarted at minute 30 with the code runs to
    minute 60, so money at minute 46 finds no lesson, lands in the wallet at the discounted price
    with no discount booked, and the code is the student's again."""
    first, second = env.book(at(3, 10)), env.book(at(3, 14))
    lesson_payments.pay_booking(env.db, actor=env.student, booking_id=first.id, method="gateway",
                                now=NOW + timedelta(minutes=10))
    out = lesson_payments.pay_booking(env.db, actor=env.student, booking_id=first.id, method="gateway",
                                      promo_code="ONCE", now=NOW + timedelta(minutes=30))
    later = NOW + timedelta(minutes=46)
    timeouts.expire_holds(env.db, now=later)
    assert payment_events.release_lapsed_promo_reservations(env.db, now=later) == 0  # the checkout is still open
    sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed", now=later)
    assert ledger.balance(env.db, f"student:{env.student.id}:wallet", "EUR") == 2400
    assert ledger.balance(env.db, "platform:promotions", "EUR") == 0
    assert _rows(env.db) == []
    second_hold = env.book(at(3, 16), now=later)
    assert lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[second_hold.id], method="gateway",
                                           promo_code="ONCE", now=later).discount_minor == 600
    assert second.id  # (the other hold simply expired)
    assert verify_ledger(env.db, now=later + timedelta(hours=1)) == []


def test_an_unpaid_checkout_expires_with_its_reservation_and_cannot_be_paid_after(env, once):
    first = env.book(at(3, 10))
    out = _checkout(env, first.id)
    payment = env.db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    assert payment.expires_at == NOW + timedelta(minutes=30)
    assert payment_events.release_lapsed_promo_reservations(env.db, now=NOW + timedelta(minutes=29)) == 0
    assert payment_events.release_lapsed_promo_reservations(env.db, now=NOW + timedelta(minutes=30)) == 1
    env.db.refresh(payment)
    assert payment.status == "expired" and _rows(env.db) == []
    paid_late = sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed",
                                                   now=NOW + timedelta(minutes=31))
    assert paid_late.status == "expired"
    env.db.refresh(payment)
    assert payment.status == "expired" and ledger.balance(env.db, f"student:{env.student.id}:wallet", "EUR") == 0


def test_a_capped_code_reserved_by_one_student_is_not_given_to_another(env, make_user):
    promos.create_promo(env.db, actor=make_user(Role.ADMIN),
                        data={"code": "FIRST1", "kind": "percent", "percent": 10, "max_redemptions": 1})
    held = env.book(at(3, 10))
    other = env.another_student()
    theirs = env.book(at(3, 14), student=other)
    lesson_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway", promo_code="FIRST1",
                                now=NOW)
    with pytest.raises(InvalidInput) as refused:
        lesson_payments.pay_booking(env.db, actor=other, booking_id=theirs.id, method="gateway", promo_code="FIRST1",
                                    now=NOW)
    assert "used up" in refused.value.message


def test_minute_pack_checkouts_reserve_and_release_the_code_too(db, make_user):
    admin = catalogue(db, make_user)
    promos.create_promo(db, actor=admin, data={"code": "PACK10", "kind": "percent", "percent": 10})
    student = make_user(Role.STUDENT)
    out = purchases.buy_pack(db, actor=student, pack_code="hour5", promo_code="PACK10", now=NOW)
    with pytest.raises(InvalidInput):
        purchases.buy_pack(db, actor=student, pack_code="hour5", promo_code="PACK10", now=NOW)
    sandbox_checkout.abandon_checkout(db, reference=out.payment_reference, now=NOW)
    again = purchases.buy_pack(db, actor=student, pack_code="hour5", promo_code="PACK10", now=NOW)
    assert again.discount_minor == 600
    # the reservation of a checkout nobody finishes lapses after PACK_RESERVATION_TTL
    assert payment_events.release_lapsed_promo_reservations(db, now=NOW + timedelta(minutes=59)) == 0
    assert payment_events.release_lapsed_promo_reservations(db, now=NOW + promos.PACK_RESERVATION_TTL) == 1
    assert _rows(db) == []
