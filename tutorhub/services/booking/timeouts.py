"""Time-driven booking transitions, run by the scheduler (jobs/scheduler.py) with the clock's
`now` and by tests with any `now`.

- `expire_holds` — PENDING_PAYMENT past its 15-minute hold → EXPIRED (slot freed).
- `auto_decline_requests` — REQUESTED unanswered for 24 h, or whose start has come → DECLINED
  by the system, full refund due (counts against the tutor's response rate).
- `settle_lessons` — COMPLETED / NO_SHOW whose dispute window closed → SETTLED.

Completing forgotten lessons is the lesson's own business (hours taught, the dispute window), so
it lives with the lesson: learning/lessons.py `auto_complete_lessons`, built on `each_locked`
here; the quarter-hourly job runs both.

Each booking is changed under its tutor's lock and re-read first, exactly like a user's action,
so a job never overwrites a concurrent cancel, accept or dispute; tutors are processed in
ascending id order (the lock order of guard.py). Every job is idempotent: running it
twice, or on two replicas at once, changes nothing more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.services.booking.bookings import decline
from tutorhub.services.booking.guard import lock_tutors, release_stale_holds
from tutorhub.services.booking.replacements import expire_replacement_offers
from tutorhub.services.booking.states import SYSTEM, can_transition, transition
from tutorhub.services.platform.store import int_value
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots


def _by_tutor(session: Session, condition: Any) -> dict[int, list[int]]:
    rows = session.exec(select(col(Booking.tutor_id), col(Booking.id)).where(condition)).all()
    grouped: dict[int, list[int]] = defaultdict(list)
    for tutor_id, booking_id in rows:
        if booking_id is not None:
            grouped[tutor_id].append(booking_id)
    return grouped


def each_locked(
    session: Session, condition: Any, still_due: Callable[[Booking], bool], apply: Callable[[Booking], object]
) -> int:
    """Apply `apply` to every booking matching `condition`, tutor by tutor under the lock,
    re-checking `still_due` on the fresh row. Returns how many were changed."""
    changed = 0
    for tutor_id, ids in sorted(_by_tutor(session, condition).items()):
        lock_tutors(session, [tutor_id])
        rows = session.exec(
            select(Booking).where(col(Booking.id).in_(ids)).execution_options(populate_existing=True)
        ).all()
        for booking in rows:
            if still_due(booking):
                apply(booking)
                changed += 1
        session.flush()
    return changed


def expire_holds(session: Session, *, now: datetime | None = None) -> int:
    """Holds past their time → EXPIRED; each affected tutor's free index is refreshed."""
    now = now or utcnow()
    expired = 0
    due = _by_tutor(
        session,
        (col(Booking.status) == BookingStatus.PENDING_PAYMENT) & (col(Booking.hold_expires_at) <= now),
    )
    for tutor_id in sorted(due):
        lock_tutors(session, [tutor_id])
        count = release_stale_holds(session, tutor_id, now)
        if count:
            refresh_tutor_free_slots(session, tutor_id, now=now)
        expired += count
    return expired


def auto_decline_requests(session: Session, *, now: datetime | None = None) -> int:
    """Requests the tutor left unanswered (24 h, or until the lesson time) → DECLINED."""
    now = now or utcnow()

    def due(b: Booking) -> bool:
        return b.status == BookingStatus.REQUESTED and (
            (b.decision_due_at is not None and b.decision_due_at <= now) or b.start_at <= now
        )

    hours = int_value("booking_request_hours", session)
    return each_locked(
        session,
        (col(Booking.status) == BookingStatus.REQUESTED)
        & or_(col(Booking.decision_due_at) <= now, col(Booking.start_at) <= now),
        due,
        lambda b: decline(session, b, actor=SYSTEM, action="auto_decline", now=now,
                          reason=f"The tutor did not answer within {hours} hours."),
    )


def settle_lessons(session: Session, *, now: datetime | None = None) -> int:
    """Completed lessons and no-shows whose dispute window closed → SETTLED."""
    now = now or utcnow()
    done = (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
    return each_locked(
        session,
        col(Booking.status).in_(done) & (col(Booking.settle_after) <= now),
        lambda b: b.status in done and b.settle_after is not None and b.settle_after <= now
        and can_transition(b.status, BookingStatus.SETTLED, "settle"),
        lambda b: transition(session, b, BookingStatus.SETTLED, action="settle", actor=SYSTEM, now=now,
                             reason="The dispute window closed."),
    )


def run_minutely(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """The time-critical jobs: holds and unanswered requests."""
    now = now or utcnow()
    return {"expired_holds": expire_holds(session, now=now), "auto_declined": auto_decline_requests(session, now=now)}


def run_quarter_hourly(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Settlement and replacement-offer expiry (credits back)."""
    now = now or utcnow()
    return {
        "settled": settle_lessons(session, now=now),
        "credited_back": expire_replacement_offers(session, now=now),
    }
