"""Spending lesson-time credits on a lesson and refunding them: FIFO over the lots that expire first,
one `CreditSpend` per lot touched, so a refund puts the minutes back where they came from — keeping
their original expiry (minutes returned to a lot that has already expired expire again at once).
The lots, their expiry and the ledger postings' meaning are described in credits.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.bookings import Booking
from tutorhub.models.credits import CreditLot, CreditSpend
from tutorhub.services.billing.credits import (
    UNIT,
    InsufficientCredits,
    credits_account,
    expire_lot,
    percent_of_minutes,
)
from tutorhub.services.errors import DomainError, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import escrow_account
from tutorhub.services.validation import clean_int


class SpentLot(BaseModel):
    lot_id: int
    minutes: int
    expires_at: datetime


class CreditSpendOut(BaseModel):
    booking_id: int
    minutes: int
    lots: list[SpentLot]


def _spends(session: Session, booking_id: int) -> list[CreditSpend]:
    return list(session.exec(select(CreditSpend).where(col(CreditSpend.booking_id) == booking_id)
                             .order_by(col(CreditSpend.id))).all())


def _spend_out(session: Session, booking_id: int, spends: list[CreditSpend]) -> CreditSpendOut:
    lots = {lot.id: lot for lot in session.exec(select(CreditLot).where(
        col(CreditLot.id).in_([s.lot_id for s in spends]))).all()}
    return CreditSpendOut(
        booking_id=booking_id, minutes=sum(s.minutes for s in spends),
        lots=[SpentLot(lot_id=s.lot_id, minutes=s.minutes, expires_at=lots[s.lot_id].expires_at) for s in spends],
    )


def take_from_lots(session: Session, *, user_id: int, cost: int, now: datetime, needs: str) -> list[tuple[int, int]]:
    """Take `cost` minutes from the user's usable lots, oldest-expiring first (ties: the older lot);
    returns (lot id, minutes taken) per lot touched, for the caller's spend records and ledger post.
    402 (InsufficientCredits: "{needs} {cost} credit minutes; you have N.") when they do not cover it.
    The caller holds the lock on the user's credits account (ledger.lock_accounts) before calling."""
    lots = list(session.exec(
        select(CreditLot)
        .where(col(CreditLot.user_id) == user_id, col(CreditLot.remaining) > 0, col(CreditLot.expires_at) > now)
        .order_by(col(CreditLot.expires_at), col(CreditLot.id))
        .with_for_update()
    ).all())
    available = sum(lot.remaining for lot in lots)
    if available < cost:
        raise InsufficientCredits(f"{needs} {cost} credit minutes; you have {available}.",
                                  extra={"needed_minutes": cost, "available_minutes": available})
    left = cost
    taken: list[tuple[int, int]] = []
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.remaining)
        lot.remaining -= take
        left -= take
        session.add(lot)
        taken.append((lot.id or 0, take))
    return taken


def spend_for_booking(
    session: Session, *, student_id: int, booking_id: int, minutes: int, now: datetime, group_percent: int = 100
) -> CreditSpendOut:
    """Pay a booking with credits: take `minutes` (× group_percent) from the oldest-expiring usable lots.

    Idempotent per booking: a second call returns the first spend. The student's credits account is
    locked before anything is read, so two spends of the same minutes are serialized and the second
    sees what the first took (InsufficientCredits, 402).
    """
    minutes = clean_int(minutes, "minutes", minimum=1, maximum=24 * 60)
    group_percent = clean_int(group_percent, "group_percent", minimum=1, maximum=100)
    cost = percent_of_minutes(minutes, group_percent)
    booking = session.get(Booking, booking_id)
    if booking is None or booking.student_id != student_id:
        raise NotFound("No such lesson.")
    ledger.lock_accounts(session, [credits_account(student_id)])
    done = _spends(session, booking_id)
    if done:
        return _spend_out(session, booking_id, done)
    spends: list[CreditSpend] = []
    for lot_id, take in take_from_lots(session, user_id=student_id, cost=cost, now=now, needs="This lesson needs"):
        spend = CreditSpend(booking_id=booking_id, lot_id=lot_id, user_id=student_id, minutes=take, created_at=now)
        session.add(spend)
        spends.append(spend)
    posted = ledger.post(
        session, kind="credit_spend", idempotency_key=f"credits:spend:booking:{booking_id}",
        memo=f"{cost} min for lesson {booking_id}", user_id=student_id, booking_id=booking_id, now=now,
        lines=[ledger.Line(credits_account(student_id), cost, UNIT), ledger.Line(escrow_account(booking_id), -cost, UNIT)],
        never_negative=[credits_account(student_id)],
    )
    if posted is None:  # the ledger says this booking was paid already: never take twice
        raise DomainError("This lesson was already paid with credits.")
    session.flush()
    return _spend_out(session, booking_id, spends)


def booking_credit_minutes(session: Session, booking_id: int) -> int:
    """Minutes a booking still holds (spent minus refunded); 0 when it was not paid with credits."""
    return sum(s.minutes - s.refunded_minutes for s in _spends(session, booking_id))


def refund_booking_credits(
    session: Session, *, booking_id: int, percent: int | None = None, minutes: int | None = None, now: datetime
) -> int:
    """Return credits of a booking paid with credits; returns the minutes given back by this call.

    `percent` / `minutes` are a cumulative target ("in total, 50% of the spent minutes are back"), so
    the call is idempotent and a later, larger refund (a dispute after a partial cancellation refund)
    returns only the difference. Minutes go back into the lots they came from, latest-expiring first;
    minutes returned to a lot that has already expired are written off again at once.
    """
    if (percent is None) == (minutes is None):
        raise ValueError("give exactly one of percent or minutes")
    spends = _spends(session, booking_id)
    if not spends:
        return 0
    user_id = spends[0].user_id
    ledger.lock_accounts(session, [credits_account(user_id)])
    spends = _spends(session, booking_id)  # re-read under the lock
    spent = sum(s.minutes for s in spends)
    already = sum(s.refunded_minutes for s in spends)
    if percent is not None:
        target = spent * clean_int(percent, "percent", minimum=0, maximum=100) // 100
    else:
        target = min(spent, clean_int(minutes, "minutes", minimum=0, maximum=10**6))
    give = target - already
    if give <= 0:
        return 0
    touched = return_to_lots(session, spends, give)
    ledger.post(
        session, kind="credit_refund", idempotency_key=f"credits:refund:booking:{booking_id}:{target}",
        memo=f"{give} min back for lesson {booking_id}", user_id=user_id, booking_id=booking_id, now=now,
        lines=[ledger.Line(escrow_account(booking_id), give, UNIT), ledger.Line(credits_account(user_id), -give, UNIT)],
        never_negative=[escrow_account(booking_id)],
    )
    session.flush()
    expire_returned(session, touched, now)
    return give


class SpentFromLot(Protocol):
    """A record of minutes taken from one lot (a lesson's CreditSpend, a class seat's SeatCreditSpend)."""

    lot_id: int
    minutes: int
    refunded_minutes: int


def return_to_lots(session: Session, spends: Sequence[SpentFromLot], give: int) -> list[CreditLot]:
    """Put `give` minutes back into the lots they were spent from, latest-expiring lot first (so the
    student keeps the longest-lived minutes); returns the lots touched. The caller posts the ledger
    move and then calls `expire_returned`."""
    lots = {lot.id: lot for lot in session.exec(select(CreditLot).where(
        col(CreditLot.id).in_([s.lot_id for s in spends])).with_for_update()).all()}
    left = give
    touched: list[CreditLot] = []
    for spend in sorted(spends, key=lambda s: (lots[s.lot_id].expires_at, s.lot_id), reverse=True):
        if left == 0:
            break
        back = min(left, spend.minutes - spend.refunded_minutes)
        if back <= 0:
            continue
        spend.refunded_minutes += back
        lot = lots[spend.lot_id]
        lot.remaining += back
        left -= back
        session.add(spend)
        session.add(lot)
        touched.append(lot)
    return touched


def expire_returned(session: Session, lots: list[CreditLot], now: datetime) -> None:
    """Minutes returned to a lot that has already expired are written off again at once."""
    for lot in lots:
        if lot.expires_at <= now:
            expire_lot(session, lot, now)


def refund_spent_minutes(session: Session, *, student_id: int, escrow: str, spends: Sequence[SpentFromLot],
                         minutes: int, key: str, what: str, now: datetime) -> int:
    """Move up to `minutes` from `escrow` back into the lots `spends` took them from (a class seat's or a
    course's; the caller holds the student's credits-account lock and read `spends` under it); returns the
    minutes moved, 0 when nothing was left or `key` was posted before. `what`: the memo's subject."""
    give = min(minutes, sum(s.minutes - s.refunded_minutes for s in spends))
    if give <= 0:
        return 0
    posted = ledger.post(
        session, kind="credit_refund", idempotency_key=key, memo=f"{give} min back for {what}", user_id=student_id,
        now=now,
        lines=[ledger.Line(escrow, give, UNIT), ledger.Line(credits_account(student_id), -give, UNIT)],
        never_negative=[escrow],
    )
    if posted is None:
        return 0
    touched = return_to_lots(session, spends, give)
    session.flush()
    expire_returned(session, touched, now)
    return give
