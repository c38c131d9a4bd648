"""The admin audit log: every admin action writes one entry in the same transaction as the change.

This sits in accounts, the lowest domain, because admin actions live in several domains above it
(users in ops, platform settings, money settings, verification) and each must record itself where
the change is made, so an entry exists exactly when its change committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from tutorhub.models import AuditEntry, Role
from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.paging import page_count, page_number

PER_PAGE = 50
_MAX_VALUE_CHARS = 2000


class AuditEntryOut(BaseModel):
    id: int
    actor_user_id: int | None
    action: str
    target_kind: str
    target_id: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    page: int
    pages: int
    total: int


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any]:
    """Values as JSON can hold them (dates as ISO text, everything else as text beyond numbers,
    booleans and None), each cut to a sane length so an entry never grows without bound."""
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if value is None or isinstance(value, bool | int | float):
            out[str(key)] = value
        elif isinstance(value, datetime):
            out[str(key)] = value.isoformat()
        else:
            out[str(key)] = str(value)[:_MAX_VALUE_CHARS]
    return out


def record_admin_action(session: Session, *, actor_id: int | None, action: str, target_kind: str,
                        target_id: object = "", before: dict[str, Any] | None = None,
                        after: dict[str, Any] | None = None, reason: str = "",
                        now: datetime | None = None) -> AuditEntry:
    """Add one audit entry to the caller's transaction (it commits or rolls back with the change)."""
    entry = AuditEntry(actor_user_id=actor_id, action=action[:64], target_kind=target_kind[:32],
                       target_id=str(target_id)[:64], reason=reason[:1000], before=_jsonable(before),
                       after=_jsonable(after), created_at=now or utcnow())
    session.add(entry)
    return entry


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, as (before, after) — what an audit entry should show."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def list_audit_entries(session: Session, *, actor: UserOut | None, page: object = 1, action: object = "",
                       target_kind: object = "", target_id: object = "") -> AuditPage:
    """Admins read the log newest first, optionally narrowed to an action prefix or one target."""
    require_role(actor, Role.ADMIN)
    query = select(AuditEntry)
    counter = select(func.count()).select_from(AuditEntry)
    if isinstance(action, str) and action.strip():
        query = query.where(col(AuditEntry.action).startswith(action.strip()[:64]))
        counter = counter.where(col(AuditEntry.action).startswith(action.strip()[:64]))
    if isinstance(target_kind, str) and target_kind.strip():
        query = query.where(AuditEntry.target_kind == target_kind.strip()[:32])
        counter = counter.where(AuditEntry.target_kind == target_kind.strip()[:32])
        if isinstance(target_id, str | int) and str(target_id).strip():
            query = query.where(AuditEntry.target_id == str(target_id).strip()[:64])
            counter = counter.where(AuditEntry.target_id == str(target_id).strip()[:64])
    total = session.exec(counter).one()
    pages = page_count(total, PER_PAGE)
    number = min(page_number(page), pages)
    rows = session.exec(query.order_by(col(AuditEntry.id).desc()).offset((number - 1) * PER_PAGE)
                        .limit(PER_PAGE)).all()
    items = [AuditEntryOut(id=r.id or 0, actor_user_id=r.actor_user_id, action=r.action,
                           target_kind=r.target_kind, target_id=r.target_id, reason=r.reason,
                           before=dict(r.before or {}), after=dict(r.after or {}), created_at=r.created_at)
             for r in rows]
    return AuditPage(items=items, page=number, pages=pages, total=total)
