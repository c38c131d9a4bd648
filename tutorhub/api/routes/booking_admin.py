"""Admin: tutors flagged for cancellations, and disputed lessons waiting for a decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.services.booking.views import BookingOut
from tutorhub.services.checkout import disputes
from tutorhub.services.learning import lessons
from tutorhub.services.tutors import reliability
from tutorhub.services.tutors.reliability import FlagOut

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_ADMIN = error_responses(401, 403, e403="Not an admin")
_DECIDE = error_responses(401, 403, 404, 409, 422, e403="Not an admin", e409="Already decided")


class ResolveFlagIn(StrictIn):
    notes: str | None = None


class ResolveDisputeIn(StrictIn):
    refund_percent: int
    notes: str | None = None


@router.get("/tutor-flags", response_model=list[FlagOut], responses=_ADMIN)
def list_flags(
    user: CurrentUser, include_resolved: Annotated[bool, Query(description="also closed flags")] = False
) -> list[FlagOut]:
    """Tutors flagged for review (≥3 tutor-side cancellations in 30 days), newest first."""
    with session_scope(read_only=True) as session:
        return reliability.list_flagged_tutors(session, actor=user, include_resolved=include_resolved)


@router.post("/tutor-flags/{flag_id}/resolve", status_code=204, responses=_DECIDE)
def resolve_flag(user: CurrentUser, flag_id: str, data: Annotated[ResolveFlagIn | None, Body()] = None) -> None:
    """Close a flag with notes."""
    with session_scope() as session:
        reliability.resolve_flag(session, actor=user, flag_id=flag_id, notes=data.notes if data else "")


@router.get("/disputes", response_model=list[BookingOut], responses=_ADMIN)
def list_disputes(user: CurrentUser) -> list[BookingOut]:
    """Disputed lessons, oldest first."""
    with session_scope(read_only=True) as session:
        return lessons.list_disputes(session, actor=user)


@router.post("/bookings/{booking_id}/resolve", response_model=BookingOut, responses=_DECIDE)
def resolve_dispute(user: CurrentUser, booking_id: str, data: ResolveDisputeIn) -> BookingOut:
    """Settle a disputed lesson with `{"refund_percent": 0..100, "notes"}`; the refund and the
    tutor's share leave escrow at once (the response shows `refund_status` SETTLED)."""
    with session_scope() as session:
        return disputes.resolve_dispute(
            session, actor=user, booking_id=booking_id, refund_percent=data.refund_percent, notes=data.notes or ""
        )
