"""Resolving a disputed lesson: the admin's decision and the money it moves, in one unit of work.

Why here and not in learning/: the decision (the booking → SETTLED with the refund percent, a
cleared tutor losing the no-show strike) is the lesson's, but the money is escrow's, and escrow
sits above learning. Settling at once is what an admin expects after pressing "Refund 50%": the
refund and the tutor's share are booked before the call returns, whichever entry point asked
(the /admin/disputes page or `POST /api/v1/admin/bookings/{id}/resolve`), instead of waiting for
the minutely settlement job. The job still finds nothing left to do (every posting is idempotent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.policy import refund_amount, round_div
from tutorhub.services.booking.views import BookingOut, booking_out
from tutorhub.services.checkout.escrow import booking_escrow, settle_booking_money
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.learning.lessons import DisputeOut, decide_dispute, list_disputes
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.validation import clean_id, clean_int


class DisputeCaseOut(BaseModel):
    """What an admin needs to decide a dispute: the lesson, the reason the disputing party gave,
    and how long the lesson really ran (the tutor's Start → End) beside its booked length."""

    lesson: DisputeOut
    reason: str
    booked_min: int
    started_at: datetime | None
    ended_at: datetime | None
    actual_min: int | None  # None when the lesson was never started or never ended in the app


class DecisionQuoteOut(BaseModel):
    """Where the held money goes under a decision (shown for confirmation before it is made)."""

    booking_id: int
    refund_percent: int
    student_name: str
    tutor_name: str
    currency: str
    refund_minor: int  # back to the student (money)
    tutor_minor: int  # to the tutor's earnings, after commission
    commission_percent: int
    refund_minutes: int  # lesson credits back to the student (a lesson paid with credits)


def list_dispute_cases(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> list[DisputeCaseOut]:
    """The disputed lessons waiting for an admin, each with its reason and actual length."""
    found = list_disputes(session, actor=actor, now=now)
    cases = []
    for lesson in found:
        booking = session.get(Booking, lesson.id)
        started, ended = (booking.started_at, booking.ended_at) if booking is not None else (None, None)
        actual = int((ended - started).total_seconds() // 60) if started and ended and ended >= started else None
        cases.append(DisputeCaseOut(lesson=lesson, reason=lesson.dispute_reason, booked_min=lesson.duration_min,
                                    started_at=started, ended_at=ended, actual_min=actual))
    return cases


def quote_dispute_decision(session: Session, *, actor: UserOut | None, booking_id: Any, refund_percent: Any
                           ) -> DecisionQuoteOut:
    """What `refund_percent` would move for this disputed lesson, from what its escrow holds now:
    the student's refund and the tutor's share after the platform's commission (read-only)."""
    admin = require_role(actor, Role.ADMIN)
    bid = clean_id(booking_id, "Lesson not found.")
    percent = clean_int(refund_percent, "refund_percent", minimum=0, maximum=100)
    booking = session.get(Booking, bid)
    if booking is None:
        raise NotFound("Lesson not found.")
    if booking.status != BookingStatus.DISPUTED:
        raise Conflict("This lesson is not disputed (any more).")
    out = booking_out(session, booking, admin, utcnow())
    held = booking_escrow(session, bid)
    commission = get_money_settings(session).commission_percent
    money = held.get(booking.currency, 0)
    refund = min(money, refund_amount(booking.price_minor, percent))
    minutes = held.get("MIN", 0)
    refund_minutes = round_div(minutes * percent, 100)
    to_tutor = money - refund
    if minutes:  # a credit lesson pays the tutor its price for the minutes kept
        to_tutor += round_div(booking.price_minor * (minutes - refund_minutes), minutes)
    return DecisionQuoteOut(booking_id=bid, refund_percent=percent, student_name=out.student_name,
                            tutor_name=out.tutor_name, currency=booking.currency, refund_minor=refund,
                            tutor_minor=to_tutor - round_div(to_tutor * commission, 100),
                            commission_percent=commission, refund_minutes=refund_minutes)


def resolve_dispute(
    session: Session,
    *,
    actor: UserOut | None,
    booking_id: Any,
    refund_percent: Any,
    notes: Any = "",
    now: datetime | None = None,
) -> BookingOut:
    """An admin settles a disputed lesson with the refund percent they decided; the refund (if
    any) and the tutor's share leave escrow now. Returns the lesson as it stands afterwards
    (refund_status SETTLED once money went back)."""
    now = now or utcnow()
    admin = require_role(actor, Role.ADMIN)
    decided = decide_dispute(
        session, actor=admin, booking_id=booking_id, refund_percent=refund_percent, notes=notes, now=now
    )
    settle_booking_money(session, booking_id=decided.id, now=now)
    booking = session.get(Booking, decided.id)
    assert booking is not None  # decided (and locked) just above
    return booking_out(session, booking, admin, now)
