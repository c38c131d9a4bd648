"""The admin's platform settings page (/admin/settings, PUT /api/v1/admin/settings): every policy
number in one place — cancellation tiers and percentage, trial discount, hold minutes, approval
timeout, dispute window, commission, payout minimum, lead-claim cap, group credit rates, reminder
offsets.

Where each value lives: the money rules (commission, payout minimum) stay in `money_settings` and
the claim cap in `lead_settings` (their own services read them, with the session, at once); all the
others are rows of `platform_settings` (services/platform/store.py: read with the environment
variable as the default, through a cache of at most CACHE_SECONDS). A save is all or nothing:
any invalid value (out of range, tiers out of order) → 422 with every field's error, nothing
changed. Each changed value is one admin audit entry with its before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput
from tutorhub.services.leads import lead_settings
from tutorhub.services.money import money_settings
from tutorhub.services.platform import store
from tutorhub.services.platform.store import Spec
from tutorhub.services.validation import clean_int, fail, fail_fields

MAX_GROUP_TIERS = 6
# Settings kept by their own domains (read there with the session); the rest are in `store.SPECS`.
DOMAIN_SPECS: dict[str, Spec] = {s.key: s for s in (
    Spec("commission_percent", "Platform commission", "Money", lambda: 20, 0, 100, "%",
         "Taken from each lesson when it is released to the tutor."),
    Spec("payout_minimum_minor", "Payout minimum", "Money", lambda: 1000, 1, 10**9, "minor units (cents, paise)"),
    Spec("lead_claim_cap", "Tutors per enquiry", "Leads", lambda: lead_settings.DEFAULT_CLAIM_CAP, 1,
         lead_settings.MAX_CLAIM_CAP, "tutors", "How many tutors may claim one student enquiry."),
)}
ORDER = ("cancel_full_refund_hours", "cancel_partial_refund_hours", "cancel_partial_refund_percent",
         "trial_discount_percent", "booking_hold_minutes", "booking_request_hours", "dispute_window_hours",
         "commission_percent", "payout_minimum_minor", "lead_claim_cap", "group_credit_rates",
         "reminder_first_hours", "reminder_second_minutes")


class SettingOut(BaseModel):
    key: str
    label: str
    group: str
    unit: str
    help: str
    minimum: int
    maximum: int
    value: int | list[list[int]]
    default: int | list[list[int]]
    overridden: bool  # differs from the default / was saved by an admin


class PlatformSettingsOut(BaseModel):
    settings: list[SettingOut]


def _spec(key: str) -> Spec:
    return store.SPECS.get(key) or DOMAIN_SPECS[key]


def _current(session: Session) -> dict[str, Any]:
    money = money_settings.get_money_settings(session)
    values: dict[str, Any] = {key: store.value(key, session) for key in store.SPECS}
    values.update(commission_percent=money.commission_percent, payout_minimum_minor=money.payout_minimum_minor,
                  lead_claim_cap=lead_settings.claim_cap(session))
    return values


def _listing(session: Session) -> PlatformSettingsOut:
    values, saved = _current(session), store.saved_keys(session)
    out = []
    for key in ORDER:
        spec = _spec(key)
        default = spec.default()
        out.append(SettingOut(key=key, label=spec.label, group=spec.group, unit=spec.unit, help=spec.help,
                              minimum=spec.minimum, maximum=spec.maximum, value=values[key], default=default,
                              overridden=key in saved or values[key] != default))
    return PlatformSettingsOut(settings=out)


def get_platform_settings(session: Session, *, actor: UserOut | None) -> PlatformSettingsOut:
    require_role(actor, Role.ADMIN)
    return _listing(session)


def clean_group_rates(value: Any) -> list[list[int]]:
    """[[largest group size, percent], ...]: sizes strictly ascending from 1, percents 1–100 never
    rising (a larger group never pays more per seat); the last tier also covers larger groups."""
    field = "group_credit_rates"
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_GROUP_TIERS:
        raise fail(field, f"must be 1 to {MAX_GROUP_TIERS} tiers of [largest group size, percent]")
    tiers: list[list[int]] = []
    for tier in value:
        if not isinstance(tier, list | tuple) or len(tier) != 2:
            raise fail(field, "each tier is [largest group size, percent]")
        size = clean_int(tier[0], field, minimum=1, maximum=1_000_000)
        percent = clean_int(tier[1], field, minimum=1, maximum=100)
        if tiers and (size <= tiers[-1][0] or percent > tiers[-1][1]):
            raise fail(field, "group sizes must rise and percentages must not rise from one tier to the next")
        tiers.append([size, percent])
    if tiers[0][0] != 1:
        raise fail(field, "the first tier must start with a group of 1 (a lesson alone)")
    return tiers


def _clean(values: Any, current: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict) or not values:
        raise fail("settings", "send at least one setting to change")
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in ORDER:
            errors[str(key)[:64]] = "is not a platform setting"
            continue
        spec = _spec(key)
        try:
            if key == "group_credit_rates":
                clean[key] = clean_group_rates(raw)
            elif isinstance(raw, str):  # the API sends numbers; the page's form parses its text first
                raise fail(key, "must be a whole number")
            else:
                clean[key] = clean_int(raw, key, minimum=spec.minimum, maximum=spec.maximum)
        except InvalidInput as exc:
            errors.update(exc.fields)
    merged = {**current, **clean}
    if merged["cancel_partial_refund_hours"] > merged["cancel_full_refund_hours"]:
        errors.setdefault("cancel_partial_refund_hours", "must not be more than the full-refund hours (tiers in order)")
    if merged["reminder_second_minutes"] >= merged["reminder_first_hours"] * 60:
        errors.setdefault("reminder_second_minutes", "must come after the first reminder (fewer minutes before)")
    if errors:
        raise fail_fields(errors)
    return {k: v for k, v in clean.items() if v != current[k]}


def update_platform_settings(
    session: Session, *, actor: UserOut | None, values: Any, reason: Any = "", now: datetime | None = None
) -> PlatformSettingsOut:
    """Admin: change any settings at once (all valid or none changed); one audit entry per change."""
    admin = require_role(actor, Role.ADMIN)
    now = now or utcnow()
    current = _current(session)
    changed = _clean(values, current)
    generic = {k: v for k, v in changed.items() if k in store.SPECS}
    if generic:
        store.write(session, generic, actor_id=admin.id, now=now)
    note = reason[:500] if isinstance(reason, str) else ""
    for key, new in generic.items():
        record_admin_action(session, actor_id=admin.id, action="settings.update", target_kind="platform_setting",
                            target_id=key, before={key: current[key]}, after={key: new}, reason=note, now=now)
    # The money rules and the claim cap are audited by their own services (also used by other pages).
    if "commission_percent" in changed or "payout_minimum_minor" in changed:
        money_settings.update_money_settings(session, actor=actor, commission_percent=changed.get("commission_percent"),
                                             payout_minimum_minor=changed.get("payout_minimum_minor"), now=now,
                                             reason=note)
    if "lead_claim_cap" in changed:
        lead_settings.update_lead_settings(session, actor=actor, claim_cap_value=changed["lead_claim_cap"], now=now,
                                           reason=note)
    session.flush()
    return _listing(session)
