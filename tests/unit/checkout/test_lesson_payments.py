"""Paying held lessons is one use case (`lesson_payments.pay_for_lessons`): one lesson or a whole
series, with the wallet, credits or a card, and a promo code that discounts the earliest lesson.
The confirm endpoints' services (`confirm_booking`, `confirm_series`) go through it, so a series
paid with credits or a promo ends exactly as when the booking dialog pays it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tests.support.money import fund_wallet
from tutorhub.models import Booking, PromoCode, Role
from tutorhub.services.billing import credits
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.booking import series as booking_series
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Conflict, InvalidInput
from tutorhub.services.money import ledger, promos
from tutorhub.services.money.ledger import InsufficientFunds, Line

START = at(3, 10)
PRICE = 3000  # 60 minutes at €30/h


def _hold_series(env, student, *, count, start=START):
    """Hold a series as a student whose wallet covered it (holding needs that, hold_limits.py) and
    who spent the money elsewhere before paying: these tests are about paying, not holding."""
    fund_wallet(env.db, student.id, count * PRICE)
    created = booking_series.create_series(env.db, actor=student, tutor_id=env.tutor_id, start=start,
                                           duration_min=60, count=count, now=NOW)
    ledger.post(env.db, kind="test_spent_elsewhere", idempotency_key=f"test-spent:{created.series_id}",
                lines=[Line(f"student:{student.id}:wallet", count * PRICE, "EUR"),
                       Line("gateway:sandbox:clearing", -count * PRICE, "EUR")], user_id=student.id, now=NOW)
    return created


def _series(env, count=3):
    created = _hold_series(env, env.student, count=count)
    env.db.commit()
    return created


def _statuses(env, ids):
    rows = {b.id: b for b in env.db.exec(select(Booking).where(Booking.id.in_(ids))).all()}  # type: ignore[union-attr]
    for row in rows.values():
        env.db.refresh(row)
    return [rows[i].status for i in ids]


def _wallet(env):
    return ledger.balance(env.db, f"student:{env.student.id}:wallet", "EUR")


def _minutes(env):
    return ledger.balance(env.db, credits.credits_account(env.student.id), "MIN")


def _grant(env, minutes):
    credits.grant_lot(env.db, user_id=env.student.id, minutes=minutes, source="admin", source_ref=f"test:{minutes}",
                      expires_at=NOW + timedelta(days=60), now=NOW)


def _half_promo(env, make_user):
    promos.create_promo(env.db, actor=make_user(Role.ADMIN), data={"code": "HALF", "kind": "percent", "percent": 50})


def test_a_series_can_be_confirmed_with_credits(env):
    """Before: `confirm_series` (POST /bookings/series/{id}/confirm) paid from the wallet only."""
    created = _series(env)
    _grant(env, 180)
    fund_wallet(env.db, env.student.id, 10 * PRICE)
    out = lesson_payments.confirm_series(env.db, actor=env.student, series_id=created.series_id, method="credits",
                                         now=NOW)
    assert [b.status for b in out] == ["CONFIRMED"] * 3
    assert _minutes(env) == 0 and _wallet(env) == 10 * PRICE  # the wallet is untouched
    for b in out:
        assert ledger.balance(env.db, f"escrow:booking:{b.id}", "MIN") == 60


def test_a_promo_on_a_series_discounts_the_earliest_lesson_once(env, make_user):
    """Before: `confirm_series` took no promo code; the dialog applied it to the first lesson."""
    _half_promo(env, make_user)
    created = _series(env)
    fund_wallet(env.db, env.student.id, 3 * PRICE - PRICE // 2)
    out = lesson_payments.confirm_series(env.db, actor=env.student, series_id=created.series_id, promo_code="half",
                                         now=NOW)
    assert [b.status for b in out] == ["CONFIRMED"] * 3
    assert _wallet(env) == 0
    assert ledger.balance(env.db, "platform:promotions", "EUR") == PRICE // 2
    assert [ledger.balance(env.db, f"escrow:booking:{b.id}", "EUR") for b in out] == [PRICE] * 3  # tutors lose nothing
    assert env.db.exec(select(PromoCode)).one().redemption_count == 1


def test_the_dialog_and_the_endpoint_pay_a_series_the_same_way(env, make_user):
    """The same lessons paid through `pay_for_lessons` (the booking dialog's call) and through
    `confirm_series` (the endpoint's) leave the same ledger behind."""
    _half_promo(env, make_user)
    other = env.another_student()
    results = []
    for student, pay in ((env.student, "dialog"), (other, "endpoint")):
        created = _hold_series(env, student, start=START + timedelta(hours=0 if pay == "dialog" else 3), count=2)
        fund_wallet(env.db, student.id, 2 * PRICE)
        ids = [o.id for o in created.occurrences]
        if pay == "dialog":
            paid = lesson_payments.pay_for_lessons(env.db, actor=student, booking_ids=ids, method="wallet",
                                                   promo_code="HALF", now=NOW)
            assert paid.booking_ids == ids and paid.discount_minor == PRICE // 2
        else:
            lesson_payments.confirm_series(env.db, actor=student, series_id=created.series_id, promo_code="HALF",
                                           now=NOW)
        results.append((_statuses(env, ids), ledger.balance(env.db, f"student:{student.id}:wallet", "EUR"),
                        [ledger.balance(env.db, f"escrow:booking:{i}", "EUR") for i in ids]))
    assert results[0] == results[1] == (["CONFIRMED", "CONFIRMED"], PRICE // 2, [PRICE, PRICE])


def test_several_lessons_are_all_or_nothing(env):
    created = _series(env)
    ids = [o.id for o in created.occurrences]
    _grant(env, 120)  # two of three lessons
    with pytest.raises(InsufficientCredits):
        lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=ids, method="credits", now=NOW)
    # Even without the caller's rollback, nothing was taken or marked paid.
    assert _statuses(env, ids) == ["PENDING_PAYMENT"] * 3 and _minutes(env) == 120
    fund_wallet(env.db, env.student.id, 2 * PRICE)
    with pytest.raises(InsufficientFunds):
        lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=ids, method="wallet", now=NOW)
    assert _statuses(env, ids) == ["PENDING_PAYMENT"] * 3 and _wallet(env) == 2 * PRICE


def test_the_rules_for_several_lessons(env, make_user):
    _half_promo(env, make_user)
    created = _series(env, count=2)
    ids = [o.id for o in created.occurrences]
    _grant(env, 120)
    with pytest.raises(InvalidInput) as card:
        lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=ids, method="gateway", now=NOW)
    assert "method" in card.value.fields
    with pytest.raises(InvalidInput) as promo:
        lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=ids, method="credits",
                                        promo_code="HALF", now=NOW)
    assert "promo_code" in promo.value.fields
    for bad in ([], "1,2", None, list(range(1, 60))):
        with pytest.raises(InvalidInput):
            lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=bad, method="wallet", now=NOW)
    with pytest.raises(InvalidInput):
        lesson_payments.confirm_series(env.db, actor=env.student, series_id=created.series_id, method="gateway",
                                       now=NOW)
    # The same lesson twice is paid once; paying again is refused.
    paid = lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[ids[1], ids[0], ids[1]],
                                           method="credits", now=NOW)
    assert paid.booking_ids == ids and _minutes(env) == 0
    with pytest.raises(Conflict):
        lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=ids, method="credits", now=NOW)


def test_the_pay_box_options_and_promo_quote_follow_the_same_rule(env, make_user):
    _half_promo(env, make_user)
    created = _series(env, count=2)
    ids = [o.id for o in created.occurrences]
    _grant(env, 90)
    fund_wallet(env.db, env.student.id, 4000)
    options = lesson_payments.pay_options(env.db, actor=env.student, booking_ids=ids, now=NOW)
    assert (options.lessons, options.price_minor, options.minutes_needed) == (2, 2 * PRICE, 120)
    assert (options.wallet_available_minor, options.credit_minutes, options.currency) == (4000, 90, "EUR")
    quote = lesson_payments.quote_lessons_promo(env.db, actor=env.student, booking_ids=ids, code="HALF", now=NOW)
    assert (quote.discount_minor, quote.final_minor) == (PRICE // 2, PRICE // 2)  # the earliest lesson only


def test_a_card_checkout_keeps_the_lesson_held_while_it_can_be_paid_but_not_for_ever(env):
    """The hold is 15 minutes, a card checkout at least 30 (the providers' minimum): paying at minute
    25 must give the lesson, not a wallet credit; restarting the checkout never holds past 45 minutes."""
    from tests.support.credits import pay
    from tutorhub.models import Payment
    from tutorhub.services.booking import timeouts

    booking = env.book(START)
    assert booking.hold_expires_at == NOW + timedelta(minutes=15)
    out = lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[booking.id], method="gateway",
                                          now=NOW + timedelta(minutes=10))
    row = env.db.get(Booking, booking.id)
    assert row.hold_expires_at == NOW + timedelta(minutes=40)  # the checkout's end
    assert timeouts.expire_holds(env.db, now=NOW + timedelta(minutes=20)) == 0
    again = lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[booking.id], method="gateway",
                                            now=NOW + timedelta(minutes=30))
    env.db.refresh(row)
    assert row.hold_expires_at == NOW + timedelta(minutes=45)  # bounded, however often it restarts
    pay(env.db, out.payment_reference, NOW + timedelta(minutes=35))
    env.db.refresh(row)
    assert row.status == "CONFIRMED"
    assert env.db.exec(select(Payment).where(Payment.reference == again.payment_reference)).one().succeeded_at is None
    assert _wallet(env) == 0
