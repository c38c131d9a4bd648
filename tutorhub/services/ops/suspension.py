"""Suspending and unsuspending accounts (admins only), with the cascade a suspension sets off.

Suspending, in one transaction:
1. `users.is_suspended` flips by a conditional UPDATE (only one of two racing suspensions wins; the
   loser — and any repeat — changes nothing and cancels nothing: `cancelled_bookings` 0);
2. every browser session, refresh token and access token of the account is revoked at once
   (sessions.revoke_all_sessions; resolve_session / user_from_access_token refuse suspended users
   on every request anyway);
3. lessons that have not started (held, requested or confirmed) are cancelled through the booking
   service's admin path — a full refund, no strike — and their escrow is refunded right away
   (checkout.escrow.settle_booking_money: the same refund path the money job uses; no ledger line
   is written here). This applies to a suspended **tutor's** lessons and, by the policy in
   docs/suspension.md, to a suspended **student's** too: the platform made the decision, so the
   student is refunded in full and the tutor's time is given back;
4. group classes: a tutor's classes are called off with everything in escrow refunded; a
   student's seats end with their escrow refunded (classes/suspensions.py);
5. leads: a student's open enquiries close, a tutor's open proposals are withdrawn
   (leads/suspensions.py); search, profiles, slots, booking and lead matching already leave
   suspended tutors out, and the tutor's free-slot index is refreshed;
6. the account holder is told why (email per their settings); every other party is notified by the
   booking, class and lead services as for any cancellation;
7. one audit entry (`user.suspend`, before/after, the reason).
Admin accounts cannot be suspended from here — neither one's own nor another admin's: an admin
account is created by command on the server and is removed there too.

Unsuspending restores access only; cancelled lessons, seats and enquiries stay cancelled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.accounts.sessions import revoke_all_sessions
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.changes import cancel_booking
from tutorhub.services.checkout.escrow import settle_booking_money
from tutorhub.services.classes.suspensions import call_off_tutor_classes, remove_student_seats
from tutorhub.services.errors import Forbidden, NotFound
from tutorhub.services.leads.suspensions import close_student_enquiries, withdraw_tutor_proposals
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots
from tutorhub.services.validation import clean_id, clean_text

NOT_FOUND = "User not found."
UPCOMING = (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
ADMIN_REFUSAL = ("Admin accounts cannot be suspended here, neither your own nor another admin's; "
                 "an operator removes admin access on the server.")


class SuspensionOut(BaseModel):
    status: str  # SUSPENDED | ACTIVE
    cancelled_bookings: int = 0
    cancelled_classes: int = 0
    ended_seats: int = 0
    closed_enquiries: int = 0


def _target(session: Session, actor: UserOut | None, user_id: Any) -> tuple[UserOut, User]:
    admin = require_role(actor, Role.ADMIN)
    user = session.get(User, clean_id(user_id, NOT_FOUND))
    if user is None:
        raise NotFound(NOT_FOUND)
    if user.role == Role.ADMIN:
        raise Forbidden(ADMIN_REFUSAL)
    return admin, user


def _flip(session: Session, user_id: int, *, to: bool) -> bool:
    """Set is_suspended if it is not already so; True when this call changed it (the race's winner)."""
    won = rows_matched(session.execute(
        update(User).where(col(User.id) == user_id, col(User.is_suspended) == (not to)).values(is_suspended=to)))
    return won == 1


def _cancel_lessons(session: Session, admin: UserOut, condition: Any, reason: str, now: datetime) -> int:
    ids = session.exec(select(Booking.id).where(condition, col(Booking.status).in_(UPCOMING),
                                                col(Booking.start_at) > now).order_by(col(Booking.start_at))).all()
    for booking_id in ids:
        cancel_booking(session, actor=admin, booking_id=booking_id, reason=reason, now=now)
        settle_booking_money(session, booking_id=booking_id or 0, now=now)
    return len(ids)


def suspend_user(session: Session, *, actor: UserOut | None, user_id: Any, reason: Any,
                 now: datetime | None = None) -> SuspensionOut:
    """Suspend a student, tutor or guardian with a reason (422 without one); see the module doc."""
    now = now or utcnow()
    admin, user = _target(session, actor, user_id)
    text = clean_text(reason, "reason", max_len=500, required=True)
    assert user.id is not None
    if not _flip(session, user.id, to=True):
        return SuspensionOut(status="SUSPENDED")
    revoke_all_sessions(session, user_id=user.id)
    why = f"Cancelled by TutorHub: the {user.role}'s account was suspended."
    out = SuspensionOut(status="SUSPENDED")
    profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).first()
    if profile is not None and profile.id is not None:
        out.cancelled_bookings += _cancel_lessons(session, admin, col(Booking.tutor_id) == profile.id, why, now)
        out.cancelled_classes, out.ended_seats = call_off_tutor_classes(
            session, tutor_id=profile.id, admin_id=admin.id, reason=why, now=now)
        withdraw_tutor_proposals(session, tutor_id=profile.id)
        refresh_tutor_free_slots(session, profile.id, now=now)
    out.cancelled_bookings += _cancel_lessons(session, admin, col(Booking.student_id) == user.id, why, now)
    out.ended_seats += remove_student_seats(session, student_id=user.id, admin_id=admin.id, reason=why, now=now)
    out.closed_enquiries = close_student_enquiries(session, student_id=user.id, now=now)
    notify(session, user_id=user.id, kind="system", title="Your TutorHub account is suspended",
           body=f"Reason: {text}\nUpcoming lessons were cancelled and refunded. Reply to this message to appeal.",
           now=now)
    record_admin_action(session, actor_id=admin.id, action="user.suspend", target_kind="user", target_id=user.id,
                        before={"is_suspended": False}, after={"is_suspended": True, **out.model_dump(exclude={"status"})},
                        reason=text, now=now)
    session.flush()
    return out


def unsuspend_user(session: Session, *, actor: UserOut | None, user_id: Any, reason: Any = "",
                   now: datetime | None = None) -> SuspensionOut:
    """Give a suspended account its access back (nothing cancelled is restored); a repeat is a no-op."""
    now = now or utcnow()
    admin, user = _target(session, actor, user_id)
    text = clean_text(reason, "reason", max_len=500)
    assert user.id is not None
    if _flip(session, user.id, to=False):
        notify(session, user_id=user.id, kind="system", title="Your TutorHub account is active again",
               body="You can log in again. Lessons cancelled during the suspension stay cancelled.", now=now)
        record_admin_action(session, actor_id=admin.id, action="user.unsuspend", target_kind="user",
                            target_id=user.id, before={"is_suspended": True}, after={"is_suspended": False},
                            reason=text, now=now)
        session.flush()
    return SuspensionOut(status="ACTIVE")
