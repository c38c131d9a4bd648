"""Cancelling and rescheduling lessons, per the policy in policy.py.

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

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingStatus, StrikeKind
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut
from tutorhub.services.booking import policy
from tutorhub.services.booking.access import load_for_change
from tutorhub.services.booking.guard import check_slot, flush_or_conflict
from tutorhub.services.booking.notify import notify_student, notify_tutor
from tutorhub.services.booking.replacements import offer_replacements
from tutorhub.services.booking.states import record, refuse, transition
from tutorhub.services.booking.views import BookingOut, booking_out
from tutorhub.services.errors import Conflict, DomainError
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots_near
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.services.tutors.reliability import add_strike
from tutorhub.services.validation import clean_text, fail

CANCELLABLE = {
    ActorRole.STUDENT: (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
    ActorRole.TUTOR: (BookingStatus.CONFIRMED,),
    ActorRole.ADMIN: (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED, BookingStatus.CONFIRMED),
}


def refund_percent_for(booking: Booking, role: str, now: datetime) -> int:
    """The refund percent a cancellation by `role` at `now` earns (see policy.py):
    nothing for an unpaid hold, everything for a request or a tutor/admin cancellation, the
    notice tier for a student cancelling a confirmed lesson."""
    if booking.status == BookingStatus.PENDING_PAYMENT:
        return 0
    if role != ActorRole.STUDENT or booking.status == BookingStatus.REQUESTED:
        return 100
    return policy.student_refund_percent(booking.start_at, now)


def cancel_refusal(booking: Booking, role: str, now: datetime) -> DomainError | None:
    """Why `role` may not cancel the booking at `now`, or None when it may (shared by the cancel
    and its preview, so the dialog never offers what the cancel then refuses)."""
    if booking.status not in CANCELLABLE.get(role, ()):
        if role == ActorRole.TUTOR and booking.status == BookingStatus.REQUESTED:
            return Conflict("This lesson is waiting for your answer; decline the request instead.")
        return refuse(booking, "cancel")
    if now >= booking.start_at:
        return Conflict("This lesson has already started; report a no-show or open a dispute instead.")
    return None


def cancel_booking(
    session: Session, *, actor: UserOut | None, booking_id: Any, reason: Any = "", now: datetime | None = None
) -> BookingOut:
    """Cancel a lesson; the refund percent and amount are recorded on the booking
    (`refund_status` DUE, or PENDING_REPLACEMENT while a tutor cancellation's offers are open)."""
    now = now or utcnow()
    text = clean_text(reason, "reason", max_len=500)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT, ActorRole.TUTOR, ActorRole.ADMIN)
    role = party.role
    refusal = cancel_refusal(booking, role, now)
    if refusal is not None:
        raise refusal
    paid = booking.status != BookingStatus.PENDING_PAYMENT
    percent = refund_percent_for(booking, role, now)
    transition(session, booking, BookingStatus.CANCELLED, action="cancel", actor=party.actor, now=now,
               reason=text or f"Cancelled by the {role}.")
    booking.cancelled_at = now
    booking.cancelled_by = role
    policy.set_refund(booking, percent)
    session.flush()
    refresh_tutor_free_slots_near(session, booking.tutor_id, booking.block_start, booking.block_end, now=now)
    if role == ActorRole.TUTOR:
        add_strike(session, booking, StrikeKind.TUTOR_CANCEL, now=now)
        offer_replacements(session, booking, now=now)
    elif role == ActorRole.STUDENT and paid:
        notify_tutor(session, booking, "Lesson cancelled", "Your student cancelled the lesson.", invite="CANCEL")
    elif role == ActorRole.ADMIN:
        notify_student(session, booking, "Lesson cancelled", "TutorHub cancelled this lesson; you get a full refund.",
                       invite="CANCEL")
        notify_tutor(session, booking, "Lesson cancelled", "TutorHub cancelled this lesson.", invite="CANCEL")
    return booking_out(session, booking, party.user, now)


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
        notify_tutor(session, booking, "Lesson rescheduled", "Your student moved the lesson.", invite="REQUEST")
    else:
        notify_student(session, booking, "Lesson rescheduled", "Your tutor moved the lesson.", invite="REQUEST")
    return booking_out(session, booking, party.user, now)
