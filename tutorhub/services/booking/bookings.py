"""Booking a lesson: the hold, recording its payment, the tutor's answer, and reading bookings.

Flow (state machine in states.py, policy numbers in policy.py):
1. `create_booking` — a student picks a free slot; the slot is checked and taken through
   guard.py (the no-double-booking path) and held for 15 minutes in PENDING_PAYMENT.
2. The student pays (services/checkout/lesson_payments.py: wallet, credits or a gateway
   checkout); money reaches escrow, then `mark_paid` runs in the same transaction.
3. `mark_paid` — instant booking → CONFIRMED; tutor approval → REQUESTED, which the tutor
   accepts or declines (`accept_booking`, `decline_booking`) within 24 h, or it is declined
   automatically (timeouts.py).

Reading bookings ("my lessons", the lesson page) lives in queries.py.

Every function takes the session of the caller's unit of work and `now` (default: the clock),
raises domain errors (422 invalid, 404 not yours / not found, 403 wrong party, 409 conflict)
and returns plain data (BookingOut / BookingDetail / BookingPage).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal
from sqlmodel import Session, col, select

from tutorhub.integrations.meetings import new_room_key
from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingKind, BookingStatus
from tutorhub.models.scheduling import BusySource, SchedulingSettings
from tutorhub.models.tutors import TutorProfile, TutorStatus, TutorSubject
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking import policy
from tutorhub.services.booking.access import load_for_change
from tutorhub.services.booking.guard import (
    SlotTaken,
    bare_overlap_exists,
    check_slot,
    flush_or_conflict,
    overlapping_booking,
    refusal_certain,
)
from tutorhub.services.booking.hold_limits import HoldScope, check_unpaid_holds, relaxed_hold, unpaid_holds_count
from tutorhub.services.booking.notify import notify_student, notify_tutor
from tutorhub.services.booking.states import SYSTEM, Actor, record, refuse, transition
from tutorhub.services.booking.views import BookingOut, booking_out
from tutorhub.services.catalog import normalize_subject
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.messaging.conversations import ensure_pair_conversation
from tutorhub.services.scheduling.engine.slot_engine import BusySpan
from tutorhub.services.scheduling.engine.tzclock import to_minute
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots_near
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.services.tutors.stats import refresh_tutor_stats
from tutorhub.services.validation import clean_id, clean_int, clean_text, fail, fail_fields

MANUAL_PAYMENT_REF = "confirmed-without-payment"  # legacy reference of bookings confirmed before Money


class TrialUsed(Conflict):
    def __init__(self) -> None:
        super().__init__("You have already had a trial lesson with this tutor.", fields={"kind": "trial already used"})


def _trial_conflict(db_message: str) -> Conflict | None:
    return TrialUsed() if "uq_bookings_trial_pair" in db_message or "bookings.student_id, bookings.tutor_id" in db_message else None


def bookable_tutor(session: Session, tutor_id: Any) -> TutorProfile:
    """An APPROVED tutor whose account is not suspended; NotFound otherwise (like the profile page)."""
    profile, _, _ = _bookable(session, tutor_id, None)
    return profile


def tutor_id_of(value: Any) -> int:
    """A tutor id from request input; anything that is not one is simply not found."""
    return clean_id(value, "Tutor not found.")


def _bookable(session: Session, tutor_id: Any, taken: Any, held: Any = None) -> tuple[TutorProfile, bool, int]:
    """`bookable_tutor`, optionally answering an extra SQL EXISTS (`taken`) and a count (`held`)
    in the same query."""
    tid = tutor_id_of(tutor_id)
    row = session.exec(
        select(TutorProfile, taken if taken is not None else literal(False), held if held is not None else literal(0))
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(
            col(TutorProfile.id) == tid,
            col(TutorProfile.status) == TutorStatus.APPROVED,
            col(User.is_suspended) == False,  # noqa: E712
        )
    ).first()
    if row is None:
        raise NotFound("Tutor not found.")
    return row[0], bool(row[1]), int(row[2] or 0)


def lesson_subject(session: Session, profile: TutorProfile, value: Any) -> str:
    """The requested subject if the tutor teaches it; by default the tutor's first subject."""
    taught = list(
        session.exec(
            select(col(TutorSubject.subject)).where(col(TutorSubject.tutor_id) == profile.id).order_by(col(TutorSubject.id))
        ).all()
    )
    if value is None or (isinstance(value, str) and not value.strip()):
        return taught[0] if taught else ""
    subject = normalize_subject(value, "subject")
    if subject not in taught:
        raise fail("subject", "this tutor does not teach that subject")
    return subject


def lesson_mode(profile: TutorProfile, value: Any) -> tuple[str, int]:
    """(mode, hourly rate) — online by default when offered."""
    if value is None or value == "":
        value = "online" if profile.offers_online else "home"
    if value == "online" and profile.offers_online:
        return "online", profile.hourly_rate
    if value == "home" and profile.offers_home:
        return "home", profile.home_rate
    if value not in ("online", "home"):
        raise fail("mode", "must be online or home")
    raise fail("mode", f"this tutor does not offer {value} lessons")


def instant_booking(session: Session, tutor_id: int) -> bool:
    value = session.exec(
        select(col(SchedulingSettings.instant_booking)).where(col(SchedulingSettings.tutor_id) == tutor_id)
    ).first()
    return True if value is None else bool(value)


def place_hold(
    session: Session,
    *,
    student_id: int,
    profile: TutorProfile,
    start_at: datetime,
    duration: int,
    kind: str,
    subject: str | None,
    mode: str,
    quote: policy.Quote,
    now: datetime,
    series_id: int | None = None,
    replaces_booking_id: int | None = None,
    apply_window: bool = True,
    field: str = "start",
    refresh_index: bool = True,
    prechecked: bool = False,
) -> Booking:
    """Take the slot for a new PENDING_PAYMENT booking through the guarded path (check_slot
    takes the tutor lock unless the caller already holds it, e.g. for a series)."""
    assert profile.id is not None
    if kind == BookingKind.TRIAL and has_trial(session, student_id, profile.id):
        raise TrialUsed()
    checked = check_slot(
        session,
        tutor_id=profile.id,
        zone=profile.timezone,
        start_at=start_at,
        duration=duration,
        now=now,
        apply_window=apply_window,
        field=field,
        prechecked=prechecked,
    )
    block_start, block_end = checked.block_start, checked.block_end
    if subject is None:
        subject = lesson_subject(session, profile, None)
    booking = Booking(
        student_id=student_id,
        tutor_id=profile.id,
        kind=kind,
        series_id=series_id,
        replaces_booking_id=replaces_booking_id,
        subject=subject,
        mode=mode,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=duration),
        duration_min=duration,
        block_start=block_start,
        block_end=block_end,
        status=BookingStatus.PENDING_PAYMENT,
        list_price_minor=quote.list_price_minor,
        price_minor=quote.price_minor,
        discount_percent=quote.discount_percent,
        currency=quote.currency,
        hold_expires_at=policy.hold_until(now),
        room_key=new_room_key(),
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    flush_or_conflict(session, conflict=_trial_conflict)
    record(session, booking, action="hold", actor=Actor(student_id, ActorRole.STUDENT), now=now, created=True,
           reason=f"{duration}-minute {kind} lesson held until payment")
    # The pair can talk from their first booking on (one conversation per pair; services/messaging/conversations.py).
    ensure_pair_conversation(session, student_id=student_id, tutor_user_id=profile.user_id, now=now)
    if refresh_index:
        # The busy time read under the lock plus this lesson is exactly what a fresh read would
        # return now, so the refresh reuses it instead of reading the tables again.
        lesson = BusySpan(to_minute(start_at), to_minute(booking.end_at), BusySource.HOLD)
        refresh_tutor_free_slots_near(session, profile.id, start_at, booking.end_at, now=now, cal=checked.cal,
                                      busy=[*checked.busy, lesson])
    return booking


def has_trial(session: Session, student_id: int, tutor_id: int) -> bool:
    """Whether the student already has a trial with this tutor (one that was not released)."""
    return (
        session.exec(
            select(col(Booking.id)).where(
                col(Booking.student_id) == student_id,
                col(Booking.tutor_id) == tutor_id,
                col(Booking.kind) == BookingKind.TRIAL,
                col(Booking.status).not_in(BookingStatus.RELEASED),
            )
        ).first()
        is not None
    )


def create_booking(
    session: Session,
    *,
    actor: UserOut | None,
    tutor_id: Any,
    start: Any,
    duration_min: Any,
    kind: Any = BookingKind.SINGLE,
    subject: Any = None,
    mode: Any = None,
    now: datetime | None = None,
) -> BookingOut:
    """Hold a slot with a tutor for the signed-in student (PENDING_PAYMENT, 15 minutes).

    `start` is an aware datetime or ISO 8601 text with an offset; `duration_min` one of the
    tutor's lesson lengths; `kind` "single" or "trial" (50% off by default, once per tutor).
    422 when the time breaks the tutor's rules (availability, notice, window, lengths), 409
    when it is not free or the student already holds 3 unpaid lessons, 429 after 20 attempts in
    an hour (hold_limits.py), 404 for an unknown or unbookable tutor.
    """
    user = require_role(actor, Role.STUDENT)
    now = now or utcnow()
    return relaxed_hold(session, student_id=user.id, kind=BookingKind.SINGLE, now=now,
                        refused=lambda s: refusal_certain(s, tutor_id, start, duration_min, now),
                        hold=lambda scope: _hold_one(session, scope, user, tutor_id, start, duration_min, kind, subject,
                                                     mode, now))


def _hold_one(session: Session, scope: HoldScope, user: UserOut, tutor_id: Any, start: Any, duration_min: Any,
              kind: Any, subject: Any, mode: Any, now: datetime) -> BookingOut:
    errors: dict[str, str] = {}
    start_at = duration = None
    try:
        start_at = parse_instant(start, "start")
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        duration = clean_int(duration_min, "duration_min", minimum=1, maximum=24 * 60)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if kind is None or kind == "":
        kind = BookingKind.SINGLE
    if kind not in (BookingKind.SINGLE, BookingKind.TRIAL):
        errors["kind"] = "must be single or trial"
    if errors:
        raise fail_fields(errors)
    assert start_at is not None and duration is not None
    # One query: is the tutor bookable, how many unpaid holds has the student (read under the
    # student lock of hold_attempt), and is the time already taken (then leave at once)?
    end_at = start_at + timedelta(minutes=duration)
    try:
        tid = tutor_id_of(tutor_id)
        profile, taken, held = _bookable(session, tid, bare_overlap_exists(tid, start_at, end_at, now),
                                         unpaid_holds_count(user.id, now))
    except (NotFound, InvalidInput):
        check_unpaid_holds(session, user.id, now)  # a 4th hold is refused first, whatever the tutor
        raise
    check_unpaid_holds(session, user.id, now, held=held)
    if taken:
        raise SlotTaken()
    mode_v, rate = lesson_mode(profile, mode)
    if subject is not None and subject != "":
        subject_v = lesson_subject(session, profile, subject)  # an explicit subject is checked up front
    else:
        subject_v = None  # the default subject is looked up only once the slot is ours
    quote = policy.quote(rate, duration, profile.currency, trial=kind == BookingKind.TRIAL)
    assert profile.id is not None
    scope.protect()  # the reads above refuse without writing; from here a refusal rolls back to here
    booking = place_hold(
        session,
        student_id=user.id,
        profile=profile,
        start_at=start_at,
        duration=duration,
        kind=kind,
        subject=subject_v,
        mode=mode_v,
        quote=quote,
        now=now,
        prechecked=True,
    )
    return booking_out(session, booking, user, now)


def mark_paid(session: Session, *, booking: Booking, payment_ref: str, now: datetime, actor: Actor = SYSTEM) -> bool:
    """Record payment for a held booking (the caller holds the tutor lock and re-read the row).

    Called by the lesson payments once the money is in escrow (wallet, credits, or the gateway's
    webhook with its reference). Idempotent — the same reference again is a no-op returning False; a booking that
    expired or was cancelled before the payment arrived is refused (409) so the payment can be
    refunded. A hold past its 15 minutes that nobody released yet still counts: its slot was
    never given away. Instant booking → CONFIRMED, approval → REQUESTED (tutor has 24 h).
    """
    if booking.status != BookingStatus.PENDING_PAYMENT:
        if booking.payment_ref and booking.payment_ref == payment_ref:
            return False
        raise refuse(booking, "pay")
    booking.paid_at = now
    booking.payment_ref = payment_ref[:120]
    if instant_booking(session, booking.tutor_id):
        transition(session, booking, BookingStatus.CONFIRMED, action="pay", actor=actor, now=now,
                   reason="Paid; the tutor accepts bookings instantly.")
        booking.confirmed_at = now
        notify_tutor(session, booking, "New lesson booked", "A student booked a lesson with you.", invite="REQUEST")
        notify_student(session, booking, "Lesson confirmed", "Your lesson is confirmed.", invite="REQUEST")
    else:
        transition(session, booking, BookingStatus.REQUESTED, action="pay", actor=actor, now=now,
                   reason="Paid; waiting for the tutor to accept.")
        booking.decision_due_at = policy.decision_due(now)
        notify_tutor(session, booking, "New lesson request",
                     "A student requested a lesson. Accept or decline it within 24 hours.")
    session.flush()
    return True


def accept_booking(session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None) -> BookingOut:
    """The tutor accepts a paid request (REQUESTED → CONFIRMED)."""
    now = now or utcnow()
    booking, party = load_for_change(session, actor, booking_id, ActorRole.TUTOR)
    if booking.status != BookingStatus.REQUESTED:
        raise refuse(booking, "accept")
    if booking.start_at <= now:
        raise Conflict("This lesson's start time has passed; it can no longer be accepted.")
    # Same guarded path as every other slot change: the request already holds its block, so
    # this only fails if something bypassed the lock (then the backstop answer is "taken").
    if overlapping_booking(session, booking.tutor_id, booking.block_start, booking.block_end, [booking.id or 0]):
        raise SlotTaken()
    transition(session, booking, BookingStatus.CONFIRMED, action="accept", actor=party.actor, now=now)
    booking.confirmed_at = now
    flush_or_conflict(session)
    _update_response_rate(session, booking.tutor_id, now)
    notify_student(session, booking, "Lesson confirmed", "Your tutor accepted your lesson request.", invite="REQUEST")
    return booking_out(session, booking, party.user, now)


def decline_booking(
    session: Session, *, actor: UserOut | None, booking_id: Any, reason: Any = "", now: datetime | None = None
) -> BookingOut:
    """The tutor declines a paid request (REQUESTED → DECLINED, full refund due)."""
    now = now or utcnow()
    text = clean_text(reason, "reason", max_len=500)
    booking, party = load_for_change(session, actor, booking_id, ActorRole.TUTOR)
    decline(session, booking, actor=party.actor, action="decline", reason=text or "Declined by the tutor.", now=now)
    return booking_out(session, booking, party.user, now)


def decline(session: Session, booking: Booking, *, actor: Actor, action: str, reason: str, now: datetime) -> None:
    """REQUESTED → DECLINED with a full refund; frees the slot (tutor locked by the caller)."""
    transition(session, booking, BookingStatus.DECLINED, action=action, actor=actor, now=now, reason=reason)
    policy.set_refund(booking, 100)
    session.flush()
    refresh_tutor_free_slots_near(session, booking.tutor_id, booking.block_start, booking.block_end, now=now)
    _update_response_rate(session, booking.tutor_id, now)
    notify_student(session, booking, "Lesson request declined", f"{reason} You will get a full refund.")


def _update_response_rate(session: Session, tutor_id: int, now: datetime) -> None:
    refresh_tutor_stats(session, tutor_id, now=now)


__all__ = [
    "accept_booking",
    "bookable_tutor",
    "create_booking",
    "decline",
    "decline_booking",
    "has_trial",
    "lesson_mode",
    "lesson_subject",
    "mark_paid",
    "place_hold",
]
