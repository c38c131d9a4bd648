"""Credits and promo races: many connections released together (CI runs these on PostgreSQL, the
default run on SQLite). Parallel spends of the same minutes never both succeed; a promo code is
redeemed once per user and never beyond its cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, Env, at, open_all_week
from tests.support.races import race
from tutorhub.db import session_scope
from tutorhub.models import CreditSpend, LotSource, PromoRedemption, Role
from tutorhub.services.billing import credit_spending, credits
from tutorhub.services.money import ledger, promos

THREADS = 8


@pytest.fixture
def env(db, make_user, make_approved_tutor) -> Env:
    """A tutor open all week and a student (as tests/unit's `env`)."""
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor)
    return Env(db, tutor, tutor_id, make_user(Role.STUDENT), make_user, make_approved_tutor)


def _grant(user_id, minutes, ref):
    with session_scope() as s:
        credits.grant_lot(s, user_id=user_id, minutes=minutes, source=LotSource.PACK, source_ref=ref,
                          expires_at=NOW + timedelta(days=30), now=NOW)


def test_parallel_spends_of_the_same_minutes_only_one_wins(db, env):
    sid = env.student.id
    # Held 20 minutes apart, so each earlier hold has run out (at most 3 unpaid holds: hold_limits.py).
    bookings = [env.book(at(2 + i, 10), now=NOW + timedelta(minutes=20 * i)).id for i in range(THREADS)]
    _grant(sid, 90, "race-lot")  # enough for one 60-minute lesson, not two
    results = race(THREADS, lambda s, i: credit_spending.spend_for_booking(s, student_id=sid, booking_id=bookings[i], minutes=60,
                                                                   now=NOW).minutes)
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["InsufficientCredits"] * (THREADS - 1) + ["ok"], results
    db.rollback()
    assert ledger.balance(db, credits.credits_account(sid), "MIN") == 30
    assert sum(s.minutes for s in db.exec(select(CreditSpend)).all()) == 60
    assert credits.credit_lots_consistent(db) == []


def test_parallel_spends_for_one_booking_take_once(db, env):
    sid = env.student.id
    booking = env.book(at(2, 10)).id
    _grant(sid, 600, "race-big")
    results = race(THREADS, lambda s, i: credit_spending.spend_for_booking(s, student_id=sid, booking_id=booking, minutes=60,
                                                                   now=NOW).minutes)
    assert all(r == ("ok", 60) for r in results), results
    db.rollback()
    assert ledger.balance(db, credits.credits_account(sid), "MIN") == 540
    assert credits.credit_lots_consistent(db) == []


def test_promo_once_per_user_under_concurrency(db, make_user):
    admin = make_user(Role.ADMIN)
    student = make_user(Role.STUDENT)
    promos.create_promo(db, actor=admin, data={"code": "RACE10", "kind": "percent", "percent": 10})
    db.commit()
    results = race(THREADS, lambda s, i: promos.redeem_promo(s, code="race10", user_id=student.id, ref=f"booking:{i}",
                                                             amount_minor=1000, currency="USD", now=NOW))
    assert sorted(r[0] for r in results) == ["InvalidInput"] * (THREADS - 1) + ["ok"], results
    db.rollback()
    assert len(db.exec(select(PromoRedemption)).all()) == 1


def test_promo_cap_under_concurrency(db, make_user):
    admin = make_user(Role.ADMIN)
    students = [make_user(Role.STUDENT) for _ in range(THREADS)]
    promos.create_promo(db, actor=admin, data={"code": "FIRST3", "kind": "percent", "percent": 50, "max_redemptions": 3})
    db.commit()
    results = race(THREADS, lambda s, i: promos.redeem_promo(s, code="FIRST3", user_id=students[i].id, ref=f"booking:{i}",
                                                             amount_minor=1000, currency="USD", now=NOW))
    assert sorted(r[0] for r in results) == ["InvalidInput"] * (THREADS - 3) + ["ok"] * 3, results
    db.rollback()
    assert len(db.exec(select(PromoRedemption)).all()) == 3
