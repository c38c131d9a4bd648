"""A guardian books and pays for a lesson for a linked child.

The lesson belongs to the child (the booking's student is the child, so the child sees it in
their lessons, the tutor teaches the child, and the child's unpaid-hold and trial limits apply);
the guardian is recorded as who booked it (`guardian_bookings`) and pays for it from their own
wallet or through their own gateway checkout. Both go through the same paths as a student's
booking: the hold through `bookings.place_hold` (the no-double-booking guard, via `_hold_one`),
the payment into the lesson's escrow and then `mark_paid`, in one transaction.

Only a guardian with an ACTIVE link to the child may do either; any other child, or a lesson the
guardian did not book, is NotFound (the same answer as for an id that does not exist). A guardian
whose link was revoked after booking can no longer pay for the hold (it then simply expires).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingKind, BookingStatus
from tutorhub.models.learning import GuardianBooking
from tutorhub.services.actor import UserOut, get_user, require_role
from tutorhub.services.booking.bookings import _hold_one
from tutorhub.services.booking.guard import lock_tutors
from tutorhub.services.booking.hold_limits import hold_attempt
from tutorhub.services.booking.states import Actor, refuse
from tutorhub.services.booking.views import BookingOut, bookings_out
from tutorhub.services.checkout.lesson_payments import PayOut, _mark_paid, _pay_held_from_wallet, start_lesson_checkout
from tutorhub.services.errors import NotFound
from tutorhub.services.learning.access import acting_for, is_guardian_of
from tutorhub.services.validation import clean_id, fail

GUARDIAN_ROLE = "guardian"  # the booking event's actor role when a guardian pays
METHODS = ("wallet", "gateway")
LESSON_NOT_FOUND = "Lesson not found."


class GuardianBookingOut(BaseModel):
    """A lesson the guardian booked, as the child sees it, plus who booked it."""

    booking: BookingOut
    student_id: int
    guardian_id: int


def book_for_child(
    session: Session,
    *,
    actor: UserOut | None,
    student_id: Any,
    tutor_id: Any,
    start: Any,
    duration_min: Any,
    kind: Any = BookingKind.SINGLE,
    subject: Any = None,
    mode: Any = None,
    now: datetime | None = None,
) -> GuardianBookingOut:
    """Hold a slot with a tutor for a linked child (PENDING_PAYMENT, 15 minutes), booked by the
    guardian; the same rules and answers as a student's own `create_booking` (422 rules, 409 slot
    taken or too many unpaid holds, 429 too many attempts, 404 tutor or child unknown)."""
    now = now or utcnow()
    guardian, child_id = acting_for(session, require_role(actor, Role.GUARDIAN), student_id)
    child = get_user(session, child_id)
    if child is None or child.role != Role.STUDENT:
        raise NotFound("No such student linked to you.")
    with hold_attempt(session, student_id=child.id, kind=BookingKind.SINGLE, now=now, lazy=True) as scope:
        out = _hold_one(session, scope, child, tutor_id, start, duration_min, kind, subject, mode, now)
    session.add(GuardianBooking(booking_id=out.id, guardian_id=guardian.id, student_id=child.id, created_at=now))
    session.flush()
    return GuardianBookingOut(booking=out, student_id=child.id, guardian_id=guardian.id)


def _load_booked(session: Session, guardian: UserOut, booking_id: Any) -> Booking:
    """The lesson this guardian booked for a child still linked to them, under the tutor lock."""
    bid = clean_id(booking_id, LESSON_NOT_FOUND)
    row = session.exec(select(GuardianBooking).where(col(GuardianBooking.booking_id) == bid,
                                                     col(GuardianBooking.guardian_id) == guardian.id)).first()
    booking = session.get(Booking, bid) if row is not None else None
    if booking is None or row is None or not is_guardian_of(session, guardian.id, row.student_id):
        raise NotFound(LESSON_NOT_FOUND)
    lock_tutors(session, [booking.tutor_id])
    session.refresh(booking)
    return booking


def pay_for_child(
    session: Session, *, actor: UserOut | None, booking_id: Any, method: Any, now: datetime | None = None
) -> PayOut:
    """The guardian pays a lesson they booked for a child: from their wallet (402 when short,
    nothing paid) or through a gateway checkout in their name (the webhook funds the escrow and
    confirms the lesson; if the hold is gone by then the money goes to the guardian's wallet).
    409 when the lesson is no longer waiting for payment."""
    now = now or utcnow()
    guardian = require_role(actor, Role.GUARDIAN)
    if method not in METHODS:
        raise fail("method", "must be wallet or gateway")
    booking = _load_booked(session, guardian, booking_id)
    if booking.status != BookingStatus.PENDING_PAYMENT:
        raise refuse(booking, "pay")
    assert booking.id is not None
    if method == "gateway" and booking.price_minor > 0:
        payment, url = start_lesson_checkout(session, booking, payer=guardian, now=now)
        return PayOut(status=booking.status, checkout_url=url, payment_reference=payment.reference)
    with session.begin_nested():
        _pay_held_from_wallet(session, booking, user_id=guardian.id, now=now)
        _mark_paid(session, booking, f"wallet:{booking.id}", now, Actor(guardian.id, GUARDIAN_ROLE))
    return PayOut(status=booking.status)


def list_booked_for_children(session: Session, *, actor: UserOut | None, limit: int = 50,
                             now: datetime | None = None) -> list[GuardianBookingOut]:
    """The lessons this guardian booked for children still linked to them, newest first."""
    guardian = require_role(actor, Role.GUARDIAN)
    rows = session.exec(select(GuardianBooking, Booking).join(Booking, col(Booking.id) == col(GuardianBooking.booking_id))
                        .where(col(GuardianBooking.guardian_id) == guardian.id)
                        .order_by(col(Booking.start_at).desc()).limit(limit)).all()
    out: list[GuardianBookingOut] = []
    for row, booking in rows:
        if not is_guardian_of(session, guardian.id, row.student_id):
            continue
        view = bookings_out(session, [booking], viewer_id=row.student_id, viewer_is_admin=False, now=now or utcnow())
        out.append(GuardianBookingOut(booking=view[0], student_id=row.student_id, guardian_id=guardian.id))
    return out
