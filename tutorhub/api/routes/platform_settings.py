"""Admin platform settings over HTTP: GET /api/v1/admin/settings lists every setting with its value,
default and range; PUT changes any of them at once (all valid or nothing changed: 422 with every
field's error), each change an audit entry. Numbers are JSON numbers, never strings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.services.ops import platform_settings
from tutorhub.services.ops.platform_settings import DOMAIN_SPECS, PlatformSettingsOut
from tutorhub.services.platform.store import SPECS

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
_ADMIN = error_responses(401, 403, 422, e403="Not an admin")


def _bounded(key: str) -> Any:
    """A setting's range, from its spec, in the document (the tiers' order is checked by the service)."""
    spec = SPECS.get(key) or DOMAIN_SPECS[key]
    return Field(default=None, ge=spec.minimum, le=spec.maximum, description=f"{spec.label} ({spec.unit})")


class PlatformSettingsIn(StrictIn):
    """Absent or null keeps a setting; ranges and the order of tiers are checked by the service."""

    cancel_full_refund_hours: int | None = _bounded("cancel_full_refund_hours")
    cancel_partial_refund_hours: int | None = _bounded("cancel_partial_refund_hours")
    cancel_partial_refund_percent: int | None = _bounded("cancel_partial_refund_percent")
    trial_discount_percent: int | None = _bounded("trial_discount_percent")
    booking_hold_minutes: int | None = _bounded("booking_hold_minutes")
    booking_request_hours: int | None = _bounded("booking_request_hours")
    dispute_window_hours: int | None = _bounded("dispute_window_hours")
    commission_percent: int | None = _bounded("commission_percent")
    payout_minimum_minor: int | None = _bounded("payout_minimum_minor")
    lead_claim_cap: int | None = _bounded("lead_claim_cap")
    group_credit_rates: list[list[int]] | None = Field(default=None, max_length=6,
                                                       description="[[largest group size, percent], ...]")
    reminder_first_hours: int | None = _bounded("reminder_first_hours")
    reminder_second_minutes: int | None = _bounded("reminder_second_minutes")
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
