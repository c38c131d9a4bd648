"""The admin-set money rules: commission percent, where cancellation refunds go, payout minimum.

One row (id = 1) created on first read with the product defaults (20% commission, refunds to the
original payment method, payouts from 10.00)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.money import MoneySettings
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import clean_int, fail_fields

REFUND_DESTINATIONS = ("original", "wallet")


class MoneySettingsOut(BaseModel):
    commission_percent: int
    refund_destination: str
    payout_minimum_minor: int


def _row(session: Session) -> MoneySettings:
    row = session.get(MoneySettings, 1)
    if row is None:
        row = MoneySettings(id=1)
        session.add(row)
        session.flush()
    return row


def get_money_settings(session: Session) -> MoneySettingsOut:
    row = session.get(MoneySettings, 1)
    if row is None:
        row = MoneySettings(id=1)  # defaults, not written by a read
    return MoneySettingsOut(commission_percent=row.commission_percent, refund_destination=row.refund_destination,
                            payout_minimum_minor=row.payout_minimum_minor)


def update_money_settings(
    session: Session,
    *,
    actor: UserOut | None,
    commission_percent: Any = None,
    refund_destination: Any = None,
    payout_minimum_minor: Any = None,
    now: datetime | None = None,
    reason: str = "",
) -> MoneySettingsOut:
    """Admin: change any of the rules (None = keep). 422 with field errors, nothing changed; each
    changed rule is an admin audit entry (the same shape as the platform settings page's)."""
    admin = require_role(actor, Role.ADMIN)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if commission_percent is not None and commission_percent != "":
        try:
            values["commission_percent"] = clean_int(commission_percent, "commission_percent", minimum=0, maximum=100)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if refund_destination is not None and refund_destination != "":
        if refund_destination not in REFUND_DESTINATIONS:
            errors["refund_destination"] = "must be original or wallet"
        else:
            values["refund_destination"] = refund_destination
    if payout_minimum_minor is not None and payout_minimum_minor != "":
        try:
            values["payout_minimum_minor"] = clean_int(payout_minimum_minor, "payout_minimum_minor", minimum=1, maximum=10**9)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise fail_fields(errors)
    row = _row(session)
    now = now or utcnow()
    for key, value in values.items():
        if getattr(row, key) != value:
            record_admin_action(session, actor_id=admin.id, action="settings.update", target_kind="platform_setting",
                                target_id=key, before={key: getattr(row, key)}, after={key: value}, reason=reason,
                                now=now)
        setattr(row, key, value)
    row.updated_by = admin.id
    row.updated_at = now
    session.add(row)
    session.flush()
    return get_money_settings(session)
