"""Paying the tutor per session: each seat's escrow releases one session's share to the tutor (minus the
platform's commission) `SETTLE_AFTER` (48 h) after the session ended, like a lesson after its dispute window.

Share per session = price // sessions; the class's last session still running releases whatever the
seat's escrow holds, so rounding never strands money. A seat whose student left keeps in escrow only what
was not refunded (the sessions under a day away when they left) and releases it the same way. Ledger:
"seat_release" Dr escrow:seat:{id} / Cr tutor earnings (price − commission) + Cr platform:revenue, one
idempotency key per (seat, session), so a retried job never pays twice. A seat paid in credit minutes
releases its minutes to platform:credit_issuance and the platform pays the tutor the seat's money price
pro rata from platform:credit_lessons (as for a lesson paid with credits).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.classes import ClassEnrolment, ClassSession, GroupClass, SessionStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.billing.credits import UNIT
from tutorhub.services.booking.policy import round_div
from tutorhub.services.classes.seat_money import held, seat_escrow
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payouts import earnings_account

SETTLE_AFTER = timedelta(hours=48)


def _release_seat(session: Session, seat: ClassEnrolment, row: ClassSession, cls: GroupClass, *, amount: int,
                  tutor_account: str, percent: int, now: datetime) -> int:
    amount = min(amount, held(session, seat))
    if amount <= 0 or seat.id is None:
        return 0
    if seat.unit == UNIT:  # minutes: the platform pays the tutor the seat's money price, pro rata
        money = round_div(cls.price_minor * amount, seat.price_minor) if seat.price_minor else 0
        fee = round_div(money * percent, 100)
        lines = [Line(seat_escrow(seat.id), amount, UNIT), Line("platform:credit_issuance", -amount, UNIT),
                 Line("platform:credit_lessons", money, cls.currency), Line(tutor_account, -(money - fee), cls.currency),
                 Line("platform:revenue", -fee, cls.currency)]
    else:
        fee = round_div(amount * percent, 100)
        lines = [Line(seat_escrow(seat.id), amount, seat.unit), Line(tutor_account, -(amount - fee), seat.unit),
                 Line("platform:revenue", -fee, seat.unit)]
    posted = ledger.post(
        session, kind="seat_release", idempotency_key=f"seat:{seat.id}:release:{row.id}",
        lines=[line for line in lines if line.amount != 0],
        memo=f"class session {row.id}: seat {seat.id} settled ({percent}% commission)", user_id=seat.student_id,
        now=now,
    )
    return amount if posted is not None else 0


def release_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Settle every completed session whose window passed; returns how many sessions were settled."""
    now = now or utcnow()
    due = session.exec(select(ClassSession).where(
        col(ClassSession.status) == SessionStatus.COMPLETED, col(ClassSession.settled_at).is_(None),
        col(ClassSession.end_at) <= now - SETTLE_AFTER,
    ).order_by(col(ClassSession.end_at), col(ClassSession.id)).limit(200).with_for_update()).all()
    percent = get_money_settings(session).commission_percent
    for row in due:
        cls = session.get(GroupClass, row.class_id)
        tutor_user = session.exec(select(TutorProfile.user_id).where(col(TutorProfile.id) == row.tutor_id)).first()
        if cls is None or tutor_user is None:
            continue
        later = session.exec(select(ClassSession.id).where(
            col(ClassSession.class_id) == cls.id, col(ClassSession.seq) > row.seq,
            col(ClassSession.status) != SessionStatus.CANCELLED).limit(1)).first()
        seats = session.exec(select(ClassEnrolment).where(col(ClassEnrolment.class_id) == cls.id,
                                                          col(ClassEnrolment.price_minor) > 0)).all()
        for seat in seats:
            share = seat.price_minor // max(1, cls.session_count)
            amount = share if later is not None else held(session, seat)
            _release_seat(session, seat, row, cls, amount=amount, tutor_account=earnings_account(tutor_user),
                          percent=percent, now=now)
        row.settled_at = now
        session.add(row)
    session.flush()
    return len(due)
