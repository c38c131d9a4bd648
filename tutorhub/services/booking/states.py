"""The booking state machine: the only place a booking's status changes.

    PENDING_PAYMENT ──pay──► REQUESTED ──accept──► CONFIRMED ──start──► IN_PROGRESS ──complete──► COMPLETED ──settle──► SETTLED
          │  └──pay (instant booking)──────────────────▲  │                  │                          │
          ├─expire─► EXPIRED      REQUESTED ─decline─► DECLINED              │                          └─dispute─► DISPUTED ─resolve─► SETTLED
          └─cancel─► CANCELLED ◄─cancel─ REQUESTED, CONFIRMED                │
                     CONFIRMED, IN_PROGRESS ──no_show──► NO_SHOW ──settle──► SETTLED, or ─dispute─► DISPUTED
                     CONFIRMED, IN_PROGRESS ──auto_complete (nobody reported anything)──► COMPLETED

Why one function: payment (the lesson payments and gateway webhooks), the tutor's buttons, the student's
buttons and the jobs all move bookings; routing every move through `transition` means an
illegal move is refused the same way everywhere (a `Conflict` naming the current status) and
every move leaves a `booking_events` row with actor, from, to, reason and time. Who may ask for
a move (student, tutor, admin, system) is decided by the use-case functions, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from tutorhub.models.bookings import ActorRole, Booking, BookingEvent
from tutorhub.models.bookings import BookingStatus as S
from tutorhub.services.errors import Conflict
from tutorhub.services.live_hints import booking_changed

# (from, to) → the actions that may cause it.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.PENDING_PAYMENT, S.REQUESTED): frozenset({"pay"}),
    (S.PENDING_PAYMENT, S.CONFIRMED): frozenset({"pay"}),
    (S.PENDING_PAYMENT, S.EXPIRED): frozenset({"expire"}),
    (S.PENDING_PAYMENT, S.CANCELLED): frozenset({"cancel"}),
    (S.REQUESTED, S.CONFIRMED): frozenset({"accept"}),
    (S.REQUESTED, S.DECLINED): frozenset({"decline", "auto_decline"}),
    (S.REQUESTED, S.CANCELLED): frozenset({"cancel"}),
    (S.CONFIRMED, S.IN_PROGRESS): frozenset({"start"}),
    (S.CONFIRMED, S.CANCELLED): frozenset({"cancel"}),
    (S.CONFIRMED, S.NO_SHOW): frozenset({"no_show"}),
    (S.CONFIRMED, S.COMPLETED): frozenset({"auto_complete"}),
    (S.IN_PROGRESS, S.COMPLETED): frozenset({"complete", "auto_complete"}),
    (S.IN_PROGRESS, S.NO_SHOW): frozenset({"no_show"}),
    (S.COMPLETED, S.SETTLED): frozenset({"settle"}),
    (S.COMPLETED, S.DISPUTED): frozenset({"dispute"}),
    (S.NO_SHOW, S.SETTLED): frozenset({"settle"}),
    (S.NO_SHOW, S.DISPUTED): frozenset({"dispute"}),
    (S.DISPUTED, S.SETTLED): frozenset({"resolve"}),
}
TERMINAL = frozenset({S.SETTLED, S.CANCELLED, S.DECLINED, S.EXPIRED})
# Actions that do not change the status but belong in the history.
IN_PLACE_ACTIONS = frozenset({"hold", "reschedule", "notes"})

_VERBS = {
    "pay": "paid for",
    "accept": "accepted",
    "decline": "declined",
    "auto_decline": "declined",
    "cancel": "cancelled",
    "expire": "expired",
    "start": "started",
    "complete": "completed",
    "auto_complete": "completed",
    "no_show": "reported as a no-show",
    "settle": "settled",
    "dispute": "disputed",
    "resolve": "resolved",
    "reschedule": "rescheduled",
}
_LABELS = {
    S.PENDING_PAYMENT: "waiting for payment",
    S.REQUESTED: "waiting for the tutor",
    S.CONFIRMED: "confirmed",
    S.IN_PROGRESS: "in progress",
    S.COMPLETED: "completed",
    S.SETTLED: "settled",
    S.CANCELLED: "cancelled",
    S.DECLINED: "declined",
    S.EXPIRED: "expired",
    S.NO_SHOW: "marked as a no-show",
    S.DISPUTED: "disputed",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: a user (with the role they acted in) or the system."""

    id: int | None
    role: str


SYSTEM = Actor(None, ActorRole.SYSTEM)


class IllegalTransition(Conflict):
    """The booking's current status does not allow this action (HTTP 409)."""


def status_label(status: str) -> str:
    return _LABELS.get(status, status.lower())


def can_transition(from_status: str, to_status: str, action: str | None = None) -> bool:
    actions = TRANSITIONS.get((from_status, to_status))
    return actions is not None and (action is None or action in actions)


def refuse(booking: Booking, action: str) -> IllegalTransition:
    verb = _VERBS.get(action, action.replace("_", " "))
    return IllegalTransition(f"This lesson is {status_label(booking.status)}; it cannot be {verb}.")


def allowed_targets(from_status: str, action: str) -> list[str]:
    """Statuses `action` can lead to from `from_status` (empty when the action is illegal)."""
    return [to for (frm, to), actions in TRANSITIONS.items() if frm == from_status and action in actions]


def _event(
    booking: Booking, from_status: str, to_status: str, action: str, actor: Actor, reason: str, now: datetime
) -> BookingEvent:
    assert booking.id is not None, "flush the booking before recording its history"
    return BookingEvent(
        booking_id=booking.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id,
        actor_role=actor.role,
        reason=reason[:500],
        created_at=now,
    )


def transition(
    session: Session, booking: Booking, to_status: str, *, action: str, actor: Actor, now: datetime, reason: str = ""
) -> BookingEvent:
    """Move `booking` to `to_status` because of `action`, recording the event; refuse illegal moves.

    The caller holds the booking's tutor lock (services/booking/guard.py) and has re-read the
    booking under it, so two concurrent actions cannot both pass this check.
    """
    if not can_transition(booking.status, to_status, action):
        raise refuse(booking, action)
    event = _event(booking, booking.status, to_status, action, actor, reason, now)
    booking.status = to_status
    booking.updated_at = now
    session.add(booking)
    session.add(event)
    booking_changed(session, booking)  # both sides' open pages refresh after the commit
    return event


def record(
    session: Session, booking: Booking, *, action: str, actor: Actor, now: datetime, reason: str = "", created: bool = False
) -> BookingEvent:
    """Record a change that keeps the status (a new hold, a reschedule) in the history."""
    if action not in IN_PLACE_ACTIONS:
        raise ValueError(f"{action!r} changes the status; use transition()")
    event = _event(booking, "" if created else booking.status, booking.status, action, actor, reason, now)
    booking.updated_at = now
    session.add(booking)
    session.add(event)
    booking_changed(session, booking)
    return event
