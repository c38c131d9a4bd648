"""Unpaid holds are bounded (services/booking/hold_limits.py): at most 3 unpaid single holds per
student, a weekly series only when the wallet or credits cover it, and at most 20 hold attempts per
student per hour. Before: a new student with an empty wallet held 15 lessons of one tutor and 52
weekly lessons of another in one request, every 15 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from tests.support.booking import NOW, at
from tests.support.money import fund_wallet
from tutorhub.models import Booking, LotSource
from tutorhub.services.billing import credits
from tutorhub.services.booking import bookings, hold_limits, screens
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking import series as booking_series
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.booking.hold_limits import HoldRateLimited, SeriesNotCovered, TooManyHolds
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import InvalidInput
from tutorhub.services.money import ledger

PRICE = 3000  # 60 minutes at €30/h (the env tutor)


def _hold(env, day: int, *, now=NOW, student=None, hour: int = 10):
    return bookings.create_booking(env.db, actor=student or env.student, tutor_id=env.tutor_id, start=at(day, hour),
                                   duration_min=60, now=now)


def _series(env, *, count=4, now=NOW, student=None, hour=10):
    return booking_series.create_series(env.db, actor=student or env.student, tutor_id=env.tutor_id,
                                        start=at(2, hour), duration_min=60, count=count, now=now)


def test_a_fourth_unpaid_hold_is_refused_until_one_is_paid_released_or_expired(env):
    held = [_hold(env, d) for d in (2, 3, 4)]
    with pytest.raises(TooManyHolds) as refused:
        _hold(env, 5)
    assert refused.value.status_code == 409
    assert "3 lessons held and awaiting payment" in refused.value.message
    assert "Pay for one or release it" in refused.value.message
    assert refused.value.extra == {"unpaid_holds": 3, "max_unpaid_holds": 3}
    assert env.db.exec(select(func.count()).select_from(Booking)).one() == 3  # nothing written
    # Paying one frees a place.
    fund_wallet(env.db, env.student.id, PRICE)
    lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=held[0].id, now=NOW)
    fourth = _hold(env, 5)
    with pytest.raises(TooManyHolds):
        _hold(env, 6)
    # Releasing (cancelling) one frees a place.
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held[1].id, reason="released", now=NOW)
    _hold(env, 6)
    with pytest.raises(TooManyHolds):
        _hold(env, 7)
    # A hold whose 15 minutes ran out no longer counts.
    later = NOW + timedelta(minutes=16)
    _hold(env, 7, now=later)
    assert fourth.status == "PENDING_PAYMENT"
    # The limit is per student: someone else may still hold.
    _hold(env, 8, student=env.another_student())


def test_trials_count_as_single_holds_but_series_lessons_do_not(env):
    fund_wallet(env.db, env.student.id, 10 * PRICE)
    _series(env, count=4, hour=16)  # four lessons held, covered by the wallet
    bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60,
                            kind="trial", now=NOW)
    _hold(env, 3)
    _hold(env, 4)
    with pytest.raises(TooManyHolds):
        _hold(env, 5)


def test_a_series_is_held_only_when_the_wallet_or_credits_cover_it(env):
    with pytest.raises(SeriesNotCovered) as empty:
        _series(env, count=4)
    assert empty.value.status_code == 402
    assert "top up €120 more" in empty.value.message and "240 minutes needed" in empty.value.message
    assert empty.value.extra["missing_minor"] == 4 * PRICE and empty.value.extra["currency"] == "EUR"
    fund_wallet(env.db, env.student.id, 4 * PRICE - 1)
    with pytest.raises(SeriesNotCovered) as short:
        _series(env, count=4)
    assert "top up €0.01 more" in short.value.message
    fund_wallet(env.db, env.student.id, 1)
    created = _series(env, count=4)
    assert len(created.occurrences) == 4
    # The same money cannot back a second series while the first waits for payment.
    with pytest.raises(SeriesNotCovered) as twice:
        _series(env, count=1, hour=16)
    assert "set aside" in twice.value.message
    # Paying the first one spends the wallet; a new series needs new money.
    lesson_payments.confirm_series(env.db, actor=env.student, series_id=created.series_id, now=NOW)
    with pytest.raises(SeriesNotCovered):
        _series(env, count=1, hour=16)


def test_credits_alone_may_cover_a_series(env):
    student = env.another_student()
    credits.grant_lot(env.db, user_id=student.id, minutes=180, source=LotSource.PACK, source_ref="t:180",
                      expires_at=NOW + timedelta(days=30), now=NOW)
    with pytest.raises(SeriesNotCovered):
        _series(env, count=4, student=student)  # 240 minutes needed
    created = _series(env, count=3, student=student)
    paid = lesson_payments.confirm_series(env.db, actor=student, series_id=created.series_id, method="credits",
                                          now=NOW)
    assert [b.status for b in paid] == ["CONFIRMED"] * 3


def test_the_issue_52_weekly_lessons_with_an_empty_wallet_are_refused(env):
    with pytest.raises(SeriesNotCovered):
        booking_series.create_series(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(2, 10),
                                     duration_min=60, count=52, now=NOW)
    assert env.db.exec(select(func.count()).select_from(Booking)).one() == 0


def test_the_21st_hold_attempt_within_an_hour_is_rate_limited(env):
    """Every attempt counts, refused ones too (taken, invalid, over a limit)."""
    other = env.another_student()
    taken = env.book(at(9, 10), student=other, confirm=True)
    outcomes = []
    for i in range(20):
        now = NOW + timedelta(minutes=i)
        try:
            if i % 4 == 0:
                _hold(env, 9, now=now)  # the slot is taken
            elif i % 4 == 1:
                bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start="soon",
                                        duration_min=60, now=now)
            elif i % 4 == 2:
                _series(env, count=2, now=now, hour=16)  # not covered
            else:
                held = _hold(env, 2 + i // 4, now=now)
                booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, now=now)
            outcomes.append("ok")
        except (SlotTaken, InvalidInput, SeriesNotCovered) as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes.count("ok") == 5 and len(outcomes) == 20
    later = NOW + timedelta(minutes=30)
    with pytest.raises(HoldRateLimited) as limited:
        _hold(env, 20, now=later)
    assert limited.value.status_code == 429
    assert limited.value.retry_after_seconds == 30 * 60  # when the first attempt (at NOW) leaves the hour
    assert "at most 20 an hour" in limited.value.message
    with pytest.raises(HoldRateLimited):  # series attempts share the same budget
        _series(env, count=1, now=later)
    # An hour after the first attempt, one attempt is available again.
    again = NOW + timedelta(hours=1, seconds=1)
    assert _hold(env, 20, now=again).status == "PENDING_PAYMENT"
    with pytest.raises(HoldRateLimited) as next_one:
        _hold(env, 21, now=again)
    assert next_one.value.retry_after_seconds == 59  # the attempt at NOW + 1 min leaves next
    # Other students are not affected.
    assert _hold(env, 22, now=again, student=other).id != taken.id


def test_the_limits_read_the_same_balances_as_money_and_billing(env):
    sid = env.student.id
    fund_wallet(env.db, sid, 12345, "EUR")
    fund_wallet(env.db, sid, 500, "USD")
    credits.grant_lot(env.db, user_id=sid, minutes=90, source=LotSource.PACK, source_ref="t:90",
                      expires_at=NOW + timedelta(days=1), now=NOW)
    credits.grant_lot(env.db, user_id=sid, minutes=30, source=LotSource.PACK, source_ref="t:30",
                      expires_at=NOW - timedelta(days=1), now=NOW - timedelta(days=2))
    for currency in ("EUR", "USD", "INR"):
        assert hold_limits.wallet_balance(env.db, sid, currency) == ledger.balance(
            env.db, f"student:{sid}:wallet", currency)
    assert hold_limits.credit_minutes(env.db, sid, NOW) == credits.credit_summary(env.db, sid, NOW)[0] == 90


def test_the_dialog_quote_says_how_many_lessons_are_held(env):
    for d in (2, 3, 4):
        _hold(env, d)
    quote = screens.booking_quote(env.db, actor=env.student, tutor_id=env.tutor_id, now=NOW)
    assert (quote.unpaid_holds, quote.max_unpaid_holds) == (3, 3)
    assert hold_limits.hold_status(env.db, actor=env.student, now=NOW).unpaid_holds == 3
