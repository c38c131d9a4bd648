"""Property test: any sequence of grants, spends, partial/full refunds and expiry sweeps keeps the lots
equal to the ledger, never spends a later-expiring lot while an earlier one has minutes, and never
hands back more than was spent."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.support.booking import NOW
from tutorhub.models import Booking, CreditLot, LotSource, Role
from tutorhub.services.billing import credit_spending, credits
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.money import ledger

ops = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(15, 300), st.integers(1, 90)),
        st.tuples(st.just("spend"), st.integers(15, 240), st.integers(0, 0)),
        st.tuples(st.just("refund"), st.integers(0, 100), st.integers(0, 9)),
        st.tuples(st.just("wait"), st.integers(1, 40), st.integers(0, 0)),
        st.tuples(st.just("sweep"), st.integers(0, 0), st.integers(0, 0)),
    ),
    min_size=1,
    max_size=14,
)


def _booking(db, student_id: int, tutor_id: int, n: int) -> int:
    start = NOW + timedelta(days=400 + n)
    row = Booking(student_id=student_id, tutor_id=tutor_id, start_at=start, end_at=start + timedelta(hours=1), duration_min=60,
                  block_start=start, block_end=start + timedelta(hours=1), status="PENDING_PAYMENT",
                  room_key=uuid.uuid4().hex)
    db.add(row)
    db.flush()
    return row.id or 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_lots_always_match_the_ledger(db, make_user, make_approved_tutor, steps):
    _tutor, tutor_id = make_approved_tutor(timezone="UTC")
    student = make_user(Role.STUDENT)
    now = NOW
    bookings: list[int] = []
    for i, (op, a, b) in enumerate(steps):
        if op == "grant":
            credits.grant_lot(db, user_id=student.id, minutes=a, source=LotSource.PACK, source_ref=f"p:{student.id}:{i}",
                              expires_at=now + timedelta(days=b), now=now)
        elif op == "spend":
            usable = sorted((lot.expires_at, lot.id, lot.remaining) for lot in db.exec(select(CreditLot).where(
                CreditLot.user_id == student.id)).all() if lot.remaining > 0 and lot.expires_at > now)
            booking_id = _booking(db, student.id, tutor_id, i)
            try:
                out = credit_spending.spend_for_booking(db, student_id=student.id, booking_id=booking_id, minutes=a, now=now)
            except InsufficientCredits:
                assert sum(r for _e, _i, r in usable) < a
                continue
            bookings.append(booking_id)
            # FIFO: the lots used are exactly a prefix of the usable lots by expiry, all but the last emptied.
            used = [s.lot_id for s in out.lots]
            assert used == [lot_id for _e, lot_id, _r in usable[: len(used)]]
            assert [s.minutes for s in out.lots[:-1]] == [r for _e, _i, r in usable[: len(used) - 1]]
        elif op == "refund" and bookings:
            booking_id = bookings[b % len(bookings)]
            before = credit_spending.booking_credit_minutes(db, booking_id)
            credit_spending.refund_booking_credits(db, booking_id=booking_id, percent=a, now=now)
            assert 0 <= credit_spending.booking_credit_minutes(db, booking_id) <= before
        elif op == "wait":
            now = now + timedelta(days=a)
        elif op == "sweep":
            credits.expire_lots(db, now=now)
        assert credits.credit_lots_consistent(db) == []
        balance = ledger.balance(db, credits.credits_account(student.id), "MIN")
        assert balance >= 0
        usable_total, _lots = credits.credit_summary(db, student.id, now)
        assert usable_total <= balance
    credits.expire_lots(db, now=now)
    usable_total, _lots = credits.credit_summary(db, student.id, now)
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == usable_total
    db.rollback()
