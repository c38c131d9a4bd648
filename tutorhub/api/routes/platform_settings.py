"""Admin platform settings over HTTP: GET /api/v1/admin/settings lists every setting with its value,
default and range; PUT changes any of them at once (all valid or nothing changed: 422 with every
field's error), each change an audit entry. Numbers are JSON numbers, never strings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.services.ops import platform_settings
from tutorhub.services.ops.platform_settings import PlatformSettingsOut

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
_ADMIN = error_responses(401, 403, 422, e403="Not an admin")
Whole = Annotated[int | None, Field(default=None, ge=0, le=10**9)]


class PlatformSettingsIn(StrictIn):
    """Absent or null keeps a setting; ranges and the order of tiers are checked by the service."""

    cancel_full_refund_hours: Whole = None
    cancel_partial_refund_hours: Whole = None
    cancel_partial_refund_percent: Whole = None
    trial_discount_percent: Whole = None
    booking_hold_minutes: Whole = None
    booking_request_hours: Whole = None
    dispute_window_hours: Whole = None
    commission_percent: Whole = None
    payout_minimum_minor: Whole = None
    lead_claim_cap: Whole = None
    group_credit_rates: list[list[int]] | None = Field(default=None, max_length=6,
                                                       description="[[largest group size, percent], ...]")
    reminder_first_hours: Whole = None
    reminder_second_minutes: Whole = None
    reason: str = Field(default="", max_length=500)


@router.get("/settings", response_model=PlatformSettingsOut, responses=_ADMIN)
def get_settings(user: CurrentUser) -> PlatformSettingsOut:
    with session_scope(read_only=True) as session:
        return platform_settings.get_platform_settings(session, actor=user)


@router.put("/settings", response_model=PlatformSettingsOut, responses=_ADMIN)
def put_settings(user: CurrentUser, data: PlatformSettingsIn) -> PlatformSettingsOut:
    values = data.model_dump(exclude={"reason"}, exclude_none=True)
    with session_scope() as session:
        return platform_settings.update_platform_settings(session, actor=user, values=values, reason=data.reason)
