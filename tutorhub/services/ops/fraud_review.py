"""Admins review fraud flags (services/ops/fraud_signals.py raises them): list them by status and
kind, and resolve one with a note — the resolution is kept on the flag and in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.fraud import FraudFlag, FraudFlagUser, FraudKind, FraudStatus
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.paging import page_count, page_number
from tutorhub.services.validation import clean_id, clean_text, fail

PER_PAGE = 25
KIND_LABELS = {
    FraudKind.SHARED_IP: "Many accounts from one IP",
    FraudKind.SHARED_DEVICE: "Many accounts from one device",
    FraudKind.FAILED_LOGINS: "Burst of failed logins",
    FraudKind.SHARED_PAYOUT: "Shared payout destination",
    FraudKind.SHARED_CARD: "Shared card",
    FraudKind.REFUND_RATE: "High refund / chargeback rate",
    FraudKind.NEW_ACCOUNT_TOPUP: "New account, large top-up",
}


class FlagUser(BaseModel):
    id: int
    full_name: str
    email: str | None
    suspended: bool


class FraudFlagOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    reason: str
    score: int
    status: str
    created_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    resolution: str
    users: list[FlagUser]


class FlagPage(BaseModel):
    items: list[FraudFlagOut]
    page: int
    pages: int
    total: int


def flag_out(session: Session, flag: FraudFlag) -> FraudFlagOut:
    users = session.exec(select(User).join(FraudFlagUser, col(FraudFlagUser.user_id) == col(User.id))
                         .where(col(FraudFlagUser.flag_id) == flag.id).order_by(col(User.id)).limit(20)).all()
    return FraudFlagOut(id=flag.id or 0, kind=flag.kind, kind_label=KIND_LABELS.get(flag.kind, flag.kind),
                   reason=flag.reason, score=flag.score, status=flag.status, created_at=flag.created_at,
                   last_seen_at=flag.last_seen_at, resolved_at=flag.resolved_at, resolution=flag.resolution,
                   users=[FlagUser(id=u.id or 0, full_name=u.full_name, email=u.email, suspended=u.is_suspended)
                          for u in users])


def list_flags(session: Session, *, actor: UserOut | None, status: Any = FraudStatus.OPEN, kind: Any = "",
               page: Any = 1) -> FlagPage:
    """Flags newest first, OPEN by default ("" = every status); 422 for an unknown status or kind."""
    require_role(actor, Role.ADMIN)
    wanted = clean_text(status, "status", max_len=10).upper()
    if wanted and wanted not in FraudStatus.ALL:
        raise fail("status", "must be OPEN or RESOLVED")
    wanted_kind = clean_text(kind, "kind", max_len=24)
    if wanted_kind and wanted_kind not in FraudKind.ALL:
        raise fail("kind", "is not a known signal")
    conditions = [c for c in (col(FraudFlag.status) == wanted if wanted else None,
                              col(FraudFlag.kind) == wanted_kind if wanted_kind else None) if c is not None]
    total = int(session.exec(select(func.count()).select_from(FraudFlag).where(*conditions)).one())
    pages = page_count(total, PER_PAGE)
    number = min(page_number(page, text_ok=True), pages)
    rows = session.exec(select(FraudFlag).where(*conditions).order_by(col(FraudFlag.last_seen_at).desc(),
                                                                       col(FraudFlag.id).desc())
                        .offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return FlagPage(items=[flag_out(session, f) for f in rows], page=number, pages=pages, total=total)


def resolve_flag(session: Session, *, actor: UserOut | None, flag_id: Any, resolution: Any,
                 now: datetime | None = None) -> FraudFlagOut:
    """Close an OPEN flag with what was found or done (required); 409 when it was already resolved."""
    admin = require_role(actor, Role.ADMIN)
    now = now or utcnow()
    flag = session.get(FraudFlag, clean_id(flag_id, "Flag not found."))
    if flag is None:
        raise NotFound("Flag not found.")
    text = clean_text(resolution, "resolution", max_len=1000, required=True, multiline=True)
    won = rows_matched(session.execute(
        update(FraudFlag).where(col(FraudFlag.id) == flag.id, col(FraudFlag.status) == FraudStatus.OPEN)
        .values(status=FraudStatus.RESOLVED, resolved_by=admin.id, resolved_at=now, resolution=text)))
    if not won:
        raise Conflict("This flag is already resolved.")
    record_admin_action(session, actor_id=admin.id, action="fraud_flag.resolve", target_kind="fraud_flag",
                        target_id=flag.id, before={"status": FraudStatus.OPEN},
                        after={"status": FraudStatus.RESOLVED, "kind": flag.kind}, reason=text, now=now)
    session.flush()
    session.refresh(flag)
    return flag_out(session, flag)
