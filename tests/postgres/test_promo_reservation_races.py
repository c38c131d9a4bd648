"""Promo reservations under concurrency (CI runs these on PostgreSQL, the default run on SQLite):
checkouts started together with one once-per-user code reserve it once; a capped code is never
reserved beyond its cap (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from tests.support.credits import catalogue
from tests.support.races import race
from tutorhub.models import Payment, PromoCode, PromoRedemption, Role
from tutorhub.services.billing import purchases
from tutorhub.services.money import promos

THREADS = 8
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_concurrent_checkouts_with_one_once_per_user_code_reserve_it_once(db, make_user):
    admin = catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    promos.create_promo(db, actor=admin, data={"code": "RACE20", "kind": "percent", "percent": 20})
    db.commit()
    results = race(THREADS, lambda s, i: purchases.buy_pack(s, actor=student, pack_code="hour5", promo_code="RACE20",
                                                            now=NOW).payment_reference)
    assert sorted(r[0] for r in results) == ["InvalidInput"] * (THREADS - 1) + ["ok"], results
    db.rollback()
    [row] = db.exec(select(PromoRedemption)).all()
    winner = next(r[1] for r in results if r[0] == "ok")
    assert (row.status, row.ref) == ("pending", f"payment:{winner}")
    assert len(db.exec(select(Payment)).all()) == 1  # the refused checkouts left no payment behind
    assert db.exec(select(PromoCode)).one().redemption_count == 1


def test_concurrent_checkouts_never_reserve_a_capped_code_beyond_its_cap(db, make_user):
    admin = catalogue(db, make_user)
    students = [make_user(Role.STUDENT) for _ in range(THREADS)]
    promos.create_promo(db, actor=admin, data={"code": "FIRST3", "kind": "percent", "percent": 50, "max_redemptions": 3})
    db.commit()
    results = race(THREADS, lambda s, i: purchases.buy_pack(s, actor=students[i], pack_code="hour5", promo_code="FIRST3",
                                                            now=NOW).payment_reference)
    assert sorted(r[0] for r in results) == ["InvalidInput"] * (THREADS - 3) + ["ok"] * 3, results
    db.rollback()
    assert len(db.exec(select(PromoRedemption)).all()) == 3
    assert db.exec(select(PromoCode)).one().redemption_count == 3
