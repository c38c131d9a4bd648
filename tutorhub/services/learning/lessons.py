"""The lesson itself: start and end (tutor), no-show reports (either side), disputes, shared notes.

- **Start**: the tutor opens a confirmed lesson from 5 minutes before its start until its
  scheduled end (IN_PROGRESS). **End**: the tutor ends it (COMPLETED) and the minutes it ran are
  recorded (`actual_minutes`, evidence in a dispute). Ending before the scheduled end must be
  confirmed (`end_early=True`, after the page showed the length so far); the student is told it
  ended early and by how much. The minutes taught are added to the tutor's hours and the 48 h
  dispute window starts (then SETTLED by the job).
  A lesson nobody ended or reported is completed by the quarter-hourly job
  (`auto_complete_lessons`), the same way.
- **No-show**: once the start time has passed, the student can report that the tutor never
  started the lesson (full refund due, reliability strike), and the tutor can report that the
  student did not come (no refund). The reported party may dispute within 48 h; otherwise the
  job settles it.
- **Dispute**: the student may dispute a completed lesson, the reported party a no-show, within
  the window; an admin resolves it with a refund percent (SETTLED; the money moves at once, see
  services/checkout/disputes.py). A tutor cleared of a no-show loses the strike.
- **Notes**: one shared text per lesson that both parties edit (last write wins).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingEvent, BookingStatus, ReliabilityStrike, StrikeKind
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking import policy
from tutorhub.services.booking.access import load_for_change
from tutorhub.services.booking.notify import notify_student, notify_tutor
from tutorhub.services.booking.states import SYSTEM, Actor, refuse, transition
from tutorhub.services.booking.timeouts import each_locked
from tutorhub.services.booking.views import (
    START_EARLY,
    BookingDetail,
    BookingOut,
    booking_detail,
    booking_out,
    bookings_out,
)
from tutorhub.services.errors import Conflict, Forbidden
from tutorhub.services.tutors.reliability import add_strike
from tutorhub.services.tutors.stats import refresh_tutor_stats
from tutorhub.services.validation import clean_int, clean_text
from tutorhub.settings import get_settings

MAX_NOTES = 5000


def start_lesson(session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None) -> BookingOut:
    """The tutor starts a confirmed lesson (CONFIRMED → IN_PROGRESS)."""
    now = now or utcnow()
    booking, party = load_for_change(session, actor, booking_id, ActorRole.TUTOR)
    if booking.status != BookingStatus.CONFIRMED:
        raise refuse(booking, "start")
    if now < booking.start_at - START_EARLY:
        raise Conflict(f"You can start the lesson from {int(START_EARLY.total_seconds() // 60)} minutes before its start time.")
    if now >= booking.end_at:
        raise Conflict("This lesson's time is over; it can no longer be started.")
    transition(session, booking, BookingStatus.IN_PROGRESS, action="start", actor=party.actor, now=now)
    booking.started_at = now
    session.flush()
    return booking_out(session, booking, party.user, now)


def ran_minutes(booking: Booking, now: datetime) -> int:
    """Whole minutes from the start (the tutor's Start, else the scheduled start) until `now`."""
    began = booking.started_at or booking.start_at
    return max(0, int((now - began).total_seconds() // 60))


def complete_lesson(
    session: Session, *, actor: UserOut | None, booking_id: Any, end_early: Any = False, now: datetime | None = None
) -> BookingOut:
    """The tutor ends a running lesson (IN_PROGRESS → COMPLETED) and the dispute window opens.

    Before the scheduled end this needs `end_early=True` (the tutor confirmed, having seen how long
    it ran): a single unconfirmed click must not complete a lesson minutes after it started."""
    now = now or utcnow()
    booking, party = load_for_change(session, actor, booking_id, ActorRole.TUTOR)
    if booking.status == BookingStatus.IN_PROGRESS and now < booking.end_at and end_early is not True:
        raise Conflict(
            f"The lesson is booked until its scheduled end and has run {ran_minutes(booking, now)} of "
            f"{booking.duration_min} minutes. Confirm to end it early.",
            extra={"confirm": "end_early", "ran_minutes": ran_minutes(booking, now)},
        )
    finish(session, booking, action="complete", actor_id=party.user.id, now=now)
    return booking_out(session, booking, party.user, now)


def finish(session: Session, booking: Booking, *, action: str, actor_id: int | None, now: datetime) -> None:
    """→ COMPLETED (by the tutor, or automatically by the job); counts the minutes taught (those it
    ran when the tutor ended it early, else the booked length)."""
    actor = SYSTEM if actor_id is None else Actor(actor_id, ActorRole.TUTOR)
    early = actor_id is not None and now < booking.end_at
    ran = ran_minutes(booking, now)
    if actor_id is None:
        reason = "Completed automatically: nobody reported a problem."
    elif early:
        reason = f"Ended early: ran {ran} of {booking.duration_min} minutes."
    else:
        reason = ""
    transition(session, booking, BookingStatus.COMPLETED, action=action, actor=actor, now=now, reason=reason)
    booking.ended_at = now
    booking.actual_minutes = ran if actor_id is not None else None
    booking.settle_after = policy.settle_after(now)
    profile = session.get(TutorProfile, booking.tutor_id)
    if profile is not None:
        profile.minutes_taught += min(ran, booking.duration_min) if early else booking.duration_min
        session.add(profile)
    session.flush()
    refresh_tutor_stats(session, booking.tutor_id, now=now)
    if early:
        notify_student(
            session, booking, "Your lesson ended early",
            f"Your tutor ended the lesson after {ran} of {booking.duration_min} minutes. If that is not what "
            "happened, you can dispute it from the lesson page within 48 hours.",
        )
    else:
        notify_student(session, booking, "How was your lesson?", "Your lesson is complete. Rate it to help other students.")


def auto_complete_lessons(session: Session, *, now: datetime | None = None) -> int:
    """Lessons nobody ended or reported, `auto_complete_hours` after their end → COMPLETED (run
    by the quarter-hourly job, each tutor's lessons under the tutor lock)."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=get_settings().auto_complete_hours)
    open_statuses = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
    return each_locked(
        session,
        col(Booking.status).in_(open_statuses) & (col(Booking.end_at) <= cutoff),
        lambda b: b.status in open_statuses and b.end_at <= cutoff,
        lambda b: finish(session, b, action="auto_complete", actor_id=None, now=now),
    )


def report_no_show(
    session: Session, *, actor: UserOut | None, booking_id: Any, reason: Any = "", now: datetime | None = None
) -> BookingOut:
    """Either party reports that the other did not come (see the module docstring)."""
    now = now or utcnow()
    text = clean_text(reason, "reason", max_len=500)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT, ActorRole.TUTOR)
    allowed = (BookingStatus.CONFIRMED,) if party.role == ActorRole.STUDENT else (
        BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
    if booking.status not in allowed:
        raise refuse(booking, "no_show")
    if now < booking.start_at:
        raise Conflict("The lesson has not started yet.")
    absent = ActorRole.TUTOR if party.role == ActorRole.STUDENT else ActorRole.STUDENT
    transition(session, booking, BookingStatus.NO_SHOW, action="no_show", actor=party.actor, now=now,
               reason=text or f"The {absent} did not come.")
    booking.no_show_party = absent
    booking.settle_after = policy.settle_after(now)
    policy.set_refund(booking, 100 if absent == ActorRole.TUTOR else 0)
    session.flush()
    if absent == ActorRole.TUTOR:
        add_strike(session, booking, StrikeKind.TUTOR_NO_SHOW, now=now)
        notify_tutor(session, booking, "No-show reported", "Your student reported that you did not come.")
    else:
        notify_student(session, booking, "No-show reported", "Your tutor reported that you did not come.")
    return booking_out(session, booking, party.user, now)


def dispute_lesson(
    session: Session, *, actor: UserOut | None, booking_id: Any, reason: Any, now: datetime | None = None
) -> BookingOut:
    """Contest a completed lesson (its student) or a no-show report (the reported party) within
    the dispute window; an admin decides."""
    now = now or utcnow()
    text = clean_text(reason, "reason", max_len=500, required=True)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT, ActorRole.TUTOR)
    if booking.status == BookingStatus.COMPLETED and party.role != ActorRole.STUDENT:
        raise Forbidden("Only the student can dispute a completed lesson.")
    if booking.status == BookingStatus.NO_SHOW and party.role != booking.no_show_party:
        raise Forbidden("Only the party reported as absent can dispute a no-show.")
    if booking.status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW) and (
        booking.settle_after is None or now >= booking.settle_after
    ):
        raise Conflict("The dispute window for this lesson has closed.")
    transition(session, booking, BookingStatus.DISPUTED, action="dispute", actor=party.actor, now=now, reason=text)
    session.flush()
    return booking_out(session, booking, party.user, now)


def decide_dispute(
    session: Session,
    *,
    actor: UserOut | None,
    booking_id: Any,
    refund_percent: Any,
    notes: Any = "",
    now: datetime | None = None,
) -> BookingOut:
    """The lesson's side of an admin's dispute decision: SETTLED with the refund percent they
    decided (refund DUE when there is money to return), and a tutor cleared of a no-show loses the
    strike. Money is not moved here: the use case is `checkout.disputes.resolve_dispute`, which
    calls this and then settles escrow in the same unit of work."""
    now = now or utcnow()
    require_role(actor, Role.ADMIN)
    percent = clean_int(refund_percent, "refund_percent", minimum=0, maximum=100)
    text = clean_text(notes, "notes", max_len=500)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.ADMIN)
    transition(session, booking, BookingStatus.SETTLED, action="resolve", actor=party.actor, now=now,
               reason=text or f"Resolved by an admin: {percent}% refund.")
    policy.set_refund(booking, percent)
    if booking.no_show_party == ActorRole.TUTOR and percent == 0:
        session.execute(
            delete(ReliabilityStrike).where(
                col(ReliabilityStrike.booking_id) == booking.id, col(ReliabilityStrike.kind) == StrikeKind.TUTOR_NO_SHOW
            )
        )
    session.flush()
    refresh_tutor_stats(session, booking.tutor_id, now=now)
    return booking_out(session, booking, party.user, now)


def update_notes(
    session: Session, *, actor: UserOut | None, booking_id: Any, notes: Any, now: datetime | None = None
) -> BookingDetail:
    """Replace the lesson's shared notes (either party; not on cancelled/declined/expired ones)."""
    now = now or utcnow()
    text = clean_text(notes, "notes", max_len=MAX_NOTES, multiline=True)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.STUDENT, ActorRole.TUTOR, lock=False)
    if booking.status in BookingStatus.RELEASED:
        raise Conflict(f"This lesson is {booking.status.lower()}; its notes are closed.")
    booking.notes = text
    booking.notes_updated_at = now
    booking.notes_updated_by = party.user.id
    booking.updated_at = now
    session.add(booking)
    session.flush()
    return booking_detail(session, booking, viewer_id=party.user.id, viewer_is_admin=False, now=now)


class DisputeOut(BookingOut):
    """A disputed lesson with what the disputing party wrote (kept on its "dispute" event)."""

    dispute_reason: str = ""


def list_disputes(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> list[DisputeOut]:
    """Disputed lessons waiting for an admin, oldest first, each with the reason given."""
    user = require_role(actor, Role.ADMIN)
    rows = session.exec(
        select(Booking).where(col(Booking.status) == BookingStatus.DISPUTED).order_by(col(Booking.updated_at)).limit(200)
    ).all()
    reasons: dict[int, str] = {}
    if rows:
        events = session.exec(
            select(BookingEvent.booking_id, BookingEvent.reason)
            .where(col(BookingEvent.booking_id).in_([b.id for b in rows]), col(BookingEvent.action) == "dispute")
            .order_by(col(BookingEvent.id))
        ).all()
        reasons = {booking_id: reason for booking_id, reason in events}  # the latest dispute wins
    return [
        DisputeOut(**out.model_dump(), dispute_reason=reasons.get(out.id, ""))
        for out in bookings_out(session, rows, viewer_id=user.id, viewer_is_admin=True, now=now or utcnow())
    ]

