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

from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.views import BookingOut, booking_out
from tutorhub.services.checkout.escrow import settle_booking_money
from tutorhub.services.learning.lessons import decide_dispute


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
