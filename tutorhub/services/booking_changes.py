"""Cancelling and rescheduling lessons, per the policy in booking_policy.py.

Who may cancel what:
- the **student**: an unpaid hold (nothing to refund), a request the tutor has not answered
  (full refund), a confirmed lesson before it starts (refund tier by notice: ≥24 h 100%,
  12–24 h 50%, <12 h 0%);
- the **tutor**: a confirmed lesson before it starts (a request is declined instead) → full
  refund, a reliability strike, and the rescheduling workflow (replacements.py);
- an **admin**: any lesson that has not started, full refund, no strike.

Rescheduling: either party, once per lesson, at least 12 h before the current start, into a
time the engine offers (the lesson's own slot does not count as busy). It moves the booking in
place — same id, history, price and notes — through the same guarded path as a new booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingStatus, RefundStatus, StrikeKind
from tutorhub.models.tutors import TutorProfile
from tutorhub.services import booking_policy as policy
from tutorhub.services.auth import UserOut
from tutorhub.services.booking_access import load_for_change
from tutorhub.services.booking_guard import check_slot, flush_or_conflict
from tutorhub.services.booking_notify import notify_student, notify_tutor
from tutorhub.services.booking_states import record, refuse, transition
from tutorhub.services.booking_views import BookingOut, bookings_out
from tutorhub.services.errors import Conflict
from tutorhub.services.free_index import refresh_tutor_free_slots_near
from tutorhub.services.reliability import add_strike
from tutorhub.services.replacements import offer_replacements
from tutorhub.services.schedule_input import parse_instant
from tutorhub.services.validation import clean_text, fail

CANCELLABLE = {
    ActorRole.STUDENT: (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
    ActorRole.TUTOR: (BookingStatus.CONFIRMED,),
    ActorRole.ADMIN: (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
}


def _out(session: Session, booking: Booking, user: UserOut, now: datetime) -> BookingOut:
    return bookings_out(session, [booking], viewer_id=user.id, viewer_is_admin=user.role == Role.ADMIN, now=now)[0]


def refund_percent_for(booking: Booking, role: str, now: datetime) -> int:
    """The refund percent a cancellation by `role` at `now` earns (see booking_policy.py)."""
    if role != ActorRole.STUDENT or booking.status in (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED):
        return 100
    return policy.student_refund_percent(booking.start_at, now)


def cancel_booking(
    session: Session, *, actor: UserOut | None, booking_id: Any, reason: Any = "", now: datetime | None = None
) -> BookingOut:
    """Cancel a lesson; the refund percent and amount are recorded on the booking
    (`refund_status` DUE, or PENDING_REPLACEMENT while a tutor cancellation's offers are open)."""
    now = now or utcnow()
    text = clean_text(reason, "reason", max_len=500)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT, ActorRole.TUTOR, ActorRole.ADMIN)
    role = party.role
    if booking.status not in CANCELLABLE[role]:
        if role == ActorRole.TUTOR and booking.status == BookingStatus.REQUESTED:
            raise Conflict("This lesson is waiting for your answer; decline the request instead.")
        raise refuse(booking, "cancel")
    if now >= booking.start_at:
        raise Conflict("This lesson has already started; report a no-show or open a dispute instead.")
    paid = booking.status != BookingStatus.PENDING_PAYMENT
    percent = refund_percent_for(booking, role, now) if paid else 0
    transition(session, booking, BookingStatus.CANCELLED, action="cancel", actor=party.actor, now=now,
               reason=text or f"Cancelled by the {role}.")
    booking.cancelled_at = now
    booking.cancelled_by = role
    booking.refund_percent = percent
    booking.refund_minor = policy.refund_amount(booking.price_minor, percent) if paid else 0
    booking.refund_status = RefundStatus.DUE if booking.refund_minor else RefundStatus.NONE
    session.flush()
    refresh_tutor_free_slots_near(session, booking.tutor_id, booking.block_start, booking.block_end, now=now)
    if role == ActorRole.TUTOR:
        add_strike(session, booking, StrikeKind.TUTOR_CANCEL, now=now)
        offer_replacements(session, booking, now=now)
    elif role == ActorRole.STUDENT and paid:
        notify_tutor(session, booking, "Lesson cancelled", "Your student cancelled the lesson.")
    elif role == ActorRole.ADMIN:
        notify_student(session, booking, "Lesson cancelled", "TutorHub cancelled this lesson; you get a full refund.")
        notify_tutor(session, booking, "Lesson cancelled", "TutorHub cancelled this lesson.")
    return _out(session, booking, party.user, now)


def reschedule_booking(
    session: Session, *, actor: UserOut | None, booking_id: Any, start: Any, now: datetime | None = None
) -> BookingOut:
    """Move a requested or confirmed lesson to a new start (same length). Once per lesson,
    ≥12 h before the current start (409 otherwise); the new time must be one the engine offers
    (422 outside the tutor's rules, 409 not free)."""
    now = now or utcnow()
    start_at = parse_instant(start, "start")
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT, ActorRole.TUTOR)
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        raise refuse(booking, "reschedule")
    reason = policy.may_reschedule(booking.start_at, booking.reschedule_count, now)
    if reason is not None:
        raise Conflict(reason)
    if start_at == booking.start_at:
        raise fail("start", "is the lesson's current time; choose another")
    profile = session.get(TutorProfile, booking.tutor_id)
    assert profile is not None
    checked = check_slot(
        session,
        tutor_id=booking.tutor_id,
        zone=profile.timezone,
        start_at=start_at,
        duration=booking.duration_min,
        now=now,
        exclude=[booking.id or 0],
    )
    block_start, block_end = checked.block_start, checked.block_end
    old, old_block = booking.start_at, (booking.block_start, booking.block_end)
    booking.start_at = start_at
    booking.end_at = start_at + timedelta(minutes=booking.duration_min)
    booking.block_start, booking.block_end = block_start, block_end
    booking.reschedule_count += 1
    record(session, booking, action="reschedule", actor=party.actor, now=now,
           reason=f"Moved from {old.isoformat()} to {start_at.isoformat()} by the {party.role}.")
    flush_or_conflict(session)
    refresh_tutor_free_slots_near(session, booking.tutor_id, *old_block, now=now)
    refresh_tutor_free_slots_near(session, booking.tutor_id, block_start, block_end, now=now)
    if party.role == ActorRole.STUDENT:
        notify_tutor(session, booking, "Lesson rescheduled", "Your student moved the lesson.")
    else:
        notify_student(session, booking, "Lesson rescheduled", "Your tutor moved the lesson.")
    return _out(session, booking, party.user, now)
