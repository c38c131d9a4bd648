"""The admin-set lead rules: how many tutors may claim one enquiry (default 3), and how long an
enquiry stays open (7 days, fixed by the product). One row (id = 1), defaults until saved."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.leads import LeadSettings
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.validation import clean_int

DEFAULT_CLAIM_CAP = 3
MAX_CLAIM_CAP = 20
OPEN_FOR = timedelta(days=7)


class LeadSettingsOut(BaseModel):
    claim_cap: int
    open_days: int


def claim_cap(session: Session) -> int:
    row = session.get(LeadSettings, 1)
    return row.claim_cap if row is not None else DEFAULT_CLAIM_CAP


def get_lead_settings(session: Session, *, actor: UserOut | None) -> LeadSettingsOut:
    require_role(actor, Role.ADMIN)
    return LeadSettingsOut(claim_cap=claim_cap(session), open_days=OPEN_FOR.days)


def update_lead_settings(session: Session, *, actor: UserOut | None, claim_cap_value: Any,
                         now: datetime | None = None, reason: str = "") -> LeadSettingsOut:
    """Admin: how many tutors may claim one enquiry (1–20). Existing claims are kept. A change is an
    admin audit entry (key "lead_claim_cap", as on the platform settings page)."""
    admin = require_role(actor, Role.ADMIN)
    cap = clean_int(claim_cap_value, "claim_cap", minimum=1, maximum=MAX_CLAIM_CAP)
    row = session.get(LeadSettings, 1) or LeadSettings(id=1)
    before = claim_cap(session)
    now = now or utcnow()
    if cap != before:
        record_admin_action(session, actor_id=admin.id, action="settings.update", target_kind="platform_setting",
                            target_id="lead_claim_cap", before={"lead_claim_cap": before}, after={"lead_claim_cap": cap},
                            reason=reason, now=now)
    row.claim_cap = cap
    row.updated_at = now
    session.add(row)
    session.flush()
    return LeadSettingsOut(claim_cap=cap, open_days=OPEN_FOR.days)
