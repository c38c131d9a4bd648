"""A class seat paid with lesson-time credits, at the group rate, and its refunds back into the lots.

Price in minutes: `credits.credit_cost(duration_min, group_size=capacity)` per session (a seat in a
group costs fewer minutes than a lesson alone), times the class's sessions. The seat then holds its
price in MIN: `seat.unit = "MIN"`, `seat.price_minor` = minutes, so the per-session refund shares and
settlement of seat_money.py / settlement.py work on it unchanged.

Spending walks the student's lots oldest-expiring first (the same order as a lesson) and writes one
`SeatCreditSpend` per lot touched; a refund puts minutes back into those lots, latest-expiring first,
and minutes returned to a lot that has expired meanwhile expire again at once (a refund never extends
credit life). Ledger (unit MIN):
    "credit_spend"   Dr student:{id}:credits / Cr escrow:seat:{seat}
    "credit_refund"  Dr escrow:seat:{seat}   / Cr student:{id}:credits
The student's credits account is locked before the lots are read, so two spends of the same minutes
are serialized and the second finds them gone (402).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.classes import ClassEnrolment, ClassStatus, GroupClass, SeatCreditSpend
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing.credit_spending import refund_spent_minutes, take_from_lots
from tutorhub.services.billing.credits import (
    UNIT,
    credit_cost,
    credit_summary,
    credits_account,
)
from tutorhub.services.classes.access import load_class
from tutorhub.services.errors import NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import wallet_account


def seat_escrow(enrolment_id: int) -> str:
    return f"escrow:seat:{enrolment_id}"


def seat_minutes(cls: GroupClass) -> int:
    """What a whole seat costs in credit minutes: the group rate per session times the sessions."""
    return credit_cost(cls.duration_min, group_size=cls.capacity) * max(1, cls.session_count)


def charge_credits(session: Session, seat: ClassEnrolment, cls: GroupClass, *, now: datetime) -> int:
    """Take the seat's minutes from the student's usable lots into the seat's escrow; 402 when short."""
    assert seat.id is not None
    cost = seat_minutes(cls)
    seat.method, seat.unit, seat.price_minor = "credits", UNIT, cost
    account = credits_account(seat.student_id)
    ledger.lock_accounts(session, [account])
    if session.exec(select(SeatCreditSpend.id).where(col(SeatCreditSpend.enrolment_id) == seat.id)).first():
        return 0  # a concurrent call paid this seat already (seen under the lock): never take twice
    for lot_id, take in take_from_lots(session, user_id=seat.student_id, cost=cost, now=now,
                                       needs="A seat in this class costs"):
        session.add(SeatCreditSpend(enrolment_id=seat.id, lot_id=lot_id, user_id=seat.student_id, minutes=take,
                                    created_at=now))
    ledger.post(
        session, kind="credit_spend", idempotency_key=f"credits:spend:seat:{seat.id}",
        memo=f"{cost} min for a seat in class {cls.id}", user_id=seat.student_id, now=now,
        lines=[Line(account, cost, UNIT), Line(seat_escrow(seat.id), -cost, UNIT)], never_negative=[account],
    )
    session.flush()
    return cost


def refund_credits(session: Session, seat: ClassEnrolment, *, minutes: int, key: str, now: datetime) -> int:
    """Put up to `minutes` of the seat's escrow back into the lots they came from; returns minutes moved.
    The caller caps `minutes` by what the escrow holds; the idempotency key names the reason."""
    assert seat.id is not None
    ledger.lock_accounts(session, [credits_account(seat.student_id)])
    spends = list(session.exec(select(SeatCreditSpend).where(col(SeatCreditSpend.enrolment_id) == seat.id)
                               .order_by(col(SeatCreditSpend.id))).all())
    return refund_spent_minutes(session, student_id=seat.student_id, escrow=seat_escrow(seat.id), spends=spends,
                                minutes=minutes, key=f"seat:{seat.id}:refund:{key}",
                                what=f"class seat {seat.id} ({key})", now=now)


class SeatPayOptions(BaseModel):
    """What the class page's pay choice shows the viewing student: their own balances only."""

    price_minor: int
    currency: str
    wallet_available_minor: int
    seat_minutes: int
    credit_minutes: int


def pay_options(session: Session, *, actor: UserOut | None, class_id: Any, now: datetime | None = None
                ) -> SeatPayOptions:
    """The seat's price in money and in minutes, and the student's wallet and usable credits."""
    now = now or utcnow()
    user = require_role(actor, Role.STUDENT)
    cls = load_class(session, class_id)
    if cls.status == ClassStatus.DRAFT:  # drafts are their tutor's only
        raise NotFound("No such class.")
    return SeatPayOptions(
        price_minor=cls.price_minor, currency=cls.currency, seat_minutes=seat_minutes(cls),
        wallet_available_minor=ledger.balance(session, wallet_account(user.id), cls.currency),
        credit_minutes=credit_summary(session, user.id, now)[0],
    )
