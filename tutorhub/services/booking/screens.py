"""Read-only answers the booking screens need that the booking API does not expose as such:
the price quote shown before a hold, the refund a cancellation would earn right now, a tutor's
count of requests waiting for them, and the admins' bookings overview.

Nothing here writes; every function authorizes its caller itself (the UI never passes ids it
trusts) and validates its arguments like the rest of the booking services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from tutorhub.models import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingStatus
from tutorhub.models.scheduling import SchedulingSettings
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking import policy
from tutorhub.services.booking.access import load_for_view
from tutorhub.services.booking.bookings import bookable_tutor, has_trial, lesson_mode
from tutorhub.services.booking.changes import cancel_refusal, refund_percent_for
from tutorhub.services.booking.hold_limits import MAX_UNPAID_HOLDS, unpaid_holds
from tutorhub.services.booking.queries import page_of
from tutorhub.services.booking.views import BookingPage
from tutorhub.services.currency import convert_minor, effective_display_currency, load_rates
from tutorhub.services.errors import InvalidInput
from tutorhub.services.platform.store import int_value
from tutorhub.services.validation import clean_int, fail

ADMIN_PER_PAGE = 20


class BookingQuoteOut(BaseModel):
    """What the booking dialog shows before anything is held."""

    tutor_id: int
    tutor_timezone: str
    currency: str
    lesson_lengths: list[int]
    duration_min: int
    price_minor: int  # a single lesson of `duration_min`
    trial_price_minor: int
    trial_discount_percent: int
    trial_available: bool  # the student has no (unreleased) trial with this tutor
    instant_booking: bool
    hold_minutes: int
    unpaid_holds: int = 0  # the student's single lessons held and awaiting payment (hold_limits.py)
    max_unpaid_holds: int = MAX_UNPAID_HOLDS
    # ≈ the prices in the student's display currency (shown beside the charged price; never charged)
    display_currency: str = ""
    price_display_minor: int = 0
    trial_price_display_minor: int = 0


class CancelPreview(BaseModel):
    """The refund a cancellation by the caller would earn now (before they confirm it)."""

    booking_id: int
    role: str  # student | tutor
    refund_percent: int
    refund_minor: int
    currency: str


def booking_quote(
    session: Session, *, actor: UserOut | None, tutor_id: Any, duration_min: Any = None, now: datetime | None = None
) -> BookingQuoteOut:
    """Prices for a student about to book this tutor (single, trial) and whether a trial is left."""
    user = require_role(actor, Role.STUDENT)
    profile = bookable_tutor(session, tutor_id)
    assert profile.id is not None
    sched = session.exec(select(SchedulingSettings).where(col(SchedulingSettings.tutor_id) == profile.id)).first()
    lengths = sorted(sched.lesson_lengths) if sched and sched.lesson_lengths else [60]
    duration = (
        lengths[0] if duration_min in (None, "") else clean_int(duration_min, "duration_min", minimum=1, maximum=600)
    )
    if duration not in lengths:
        raise fail("duration_min", "must be one of the tutor's lesson lengths")
    _, rate = lesson_mode(profile, None)
    single = policy.quote(rate, duration, profile.currency, trial=False)
    trial = policy.quote(rate, duration, profile.currency, trial=True)
    display = effective_display_currency(user.display_currency, user.timezone)
    rates = load_rates(session)
    return BookingQuoteOut(
        display_currency=display,
        price_display_minor=convert_minor(single.price_minor, profile.currency, display, rates),
        trial_price_display_minor=convert_minor(trial.price_minor, profile.currency, display, rates),
        tutor_id=profile.id,
        tutor_timezone=profile.timezone,
        currency=profile.currency,
        lesson_lengths=lengths,
        duration_min=duration,
        price_minor=single.price_minor,
        trial_price_minor=trial.price_minor,
        trial_discount_percent=trial.discount_percent,
        trial_available=not has_trial(session, user.id, profile.id),
        instant_booking=True if sched is None else bool(sched.instant_booking),
        hold_minutes=int_value("booking_hold_minutes", session),
        unpaid_holds=unpaid_holds(session, user.id, now or utcnow()),
    )


def cancel_preview(
    session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None
) -> CancelPreview:
    """The refund a cancellation by the caller (a party) would earn now, computed by the same
    rules as `booking_changes.cancel_booking`. A booking the caller may not cancel is reported
    as InvalidInput (not 409) so the dialog can simply say so."""
    when = now or utcnow()
    booking, party = load_for_view(session, actor, booking_id)
    role = party.role
    if role not in (ActorRole.STUDENT, ActorRole.TUTOR) or cancel_refusal(booking, role, when) is not None:
        raise InvalidInput("This lesson cannot be cancelled now.")
    percent = refund_percent_for(booking, role, when)
    assert booking.id is not None
    return CancelPreview(
        booking_id=booking.id,
        role=role,
        refund_percent=percent,
        refund_minor=policy.refund_amount(booking.price_minor, percent),
        currency=booking.currency,
    )


def pending_request_count(session: Session, *, actor: UserOut | None) -> int:
    """Paid requests waiting for this tutor's answer (0 for anybody else)."""
    if actor is None or actor.role != Role.TUTOR:
        return 0
    tutor_id = session.exec(select(col(TutorProfile.id)).where(col(TutorProfile.user_id) == actor.id)).first()
    if tutor_id is None:
        return 0
    return int(
        session.exec(
            select(func.count())
            .select_from(Booking)
            .where(col(Booking.tutor_id) == tutor_id, col(Booking.status) == BookingStatus.REQUESTED)
        ).one()
    )


def admin_bookings(
    session: Session, *, actor: UserOut | None, status: Any = "", page: Any = 1, now: datetime | None = None
) -> BookingPage:
    """Every booking, newest first, optionally of one status — admins only."""
    user = require_role(actor, Role.ADMIN)
    if status not in ("", None) and status not in BookingStatus.ALL:
        raise fail("status", "unknown status")
    page_no = clean_int(page, "page", minimum=1, maximum=100_000)
    where = [col(Booking.status) == status] if status else []
    order = (col(Booking.start_at).desc(), col(Booking.id).desc())
    return page_of(
        session, where, order, page=page_no, size=ADMIN_PER_PAGE,
        viewer_id=user.id, viewer_is_admin=True, now=now or utcnow(),
    )
