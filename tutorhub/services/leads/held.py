"""The lesson held from an accepted proposal, read from the booking itself (no writes here).

Why leads reads the booking instead of being told: accepting a proposal places an ordinary hold
(booking/bookings.place_hold) whose fate is decided in booking and checkout (paid, confirmed,
expired, cancelled), and those packages sit below leads and may not import it (import-linter). The
codebase wires nothing at import time (see checkout/purposes.py), so a listener registry would
silently do nothing in a process that never imported leads. Instead leads looks at the booking:

- booked: the booking was confirmed (`confirmed_at` is set: paid with instant booking, or paid and
  accepted by a tutor who approves requests) → the enquiry is over (CLOSED), whatever happens to
  the lesson later;
- lapsed: the booking EXPIRED, was CANCELLED or DECLINED before it was ever confirmed → the proposal
  LAPSED and the enquiry stays MATCHED, answerable again;
- pending: still PENDING_PAYMENT or REQUESTED.

settlement.py persists the outcome (every leads transition on the enquiry first, and the minutely
job after holds expire); reads run on read-only sessions and show the same outcome through
`outcomes` until the job has written it, so a student who just paid sees CLOSED at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, col, select

from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.leads import Enquiry, EnquiryProposal, ProposalStatus

BOOKED, LAPSED, PENDING = "booked", "lapsed", "pending"
ENDED_UNCONFIRMED = (BookingStatus.EXPIRED, BookingStatus.CANCELLED, BookingStatus.DECLINED)


@dataclass(frozen=True, slots=True)
class Held:
    enquiry_id: int
    proposal_id: int
    tutor_id: int
    booking_id: int
    outcome: str  # BOOKED | LAPSED | PENDING


def outcome_of(booking: Booking) -> str:
    if booking.confirmed_at is not None:
        return BOOKED
    if booking.status in ENDED_UNCONFIRMED:
        return LAPSED
    return PENDING


def _accepted(*conditions: Any) -> Any:
    """EXISTS an ACCEPTED proposal of the outer enquiry whose booking satisfies `conditions`."""
    return exists().where(and_(
        col(EnquiryProposal.enquiry_id) == col(Enquiry.id),
        col(EnquiryProposal.status) == ProposalStatus.ACCEPTED,
        col(Booking.id) == col(EnquiryProposal.booking_id),
        *conditions))


def booked_clause() -> Any:
    """SQL: the enquiry's held lesson was confirmed (it is over, even before settlement wrote CLOSED)."""
    return _accepted(col(Booking.confirmed_at).is_not(None))


def unsettled_clause() -> Any:
    """SQL: the enquiry has a held lesson not yet lapsed (pending, or booked but not yet closed)."""
    return _accepted(or_(col(Booking.confirmed_at).is_not(None), col(Booking.status).not_in(ENDED_UNCONFIRMED)))


def outcomes(session: Session, enquiry_ids: Iterable[int]) -> list[Held]:
    """The ACCEPTED proposals of these enquiries with their booking's outcome."""
    ids = sorted(set(enquiry_ids))
    if not ids:
        return []
    rows = session.exec(select(EnquiryProposal, Booking).join(Booking, col(Booking.id) == col(EnquiryProposal.booking_id))
                        .where(col(EnquiryProposal.enquiry_id).in_(ids),
                               col(EnquiryProposal.status) == ProposalStatus.ACCEPTED)
                        .order_by(col(EnquiryProposal.id))).all()
    return [Held(p.enquiry_id, p.id or 0, p.tutor_id, b.id or 0, outcome_of(b)) for p, b in rows]


def booked_ids(held: Iterable[Held]) -> set[int]:
    return {h.enquiry_id for h in held if h.outcome == BOOKED}


def resolved_clause() -> Any:
    """SQL: the enquiry has a held lesson whose outcome settlement has not written yet (booked or lapsed)."""
    return _accepted(or_(col(Booking.confirmed_at).is_not(None), col(Booking.status).in_(ENDED_UNCONFIRMED)))
