"""Admin: users (search, detail, suspend, unsuspend), fraud flags and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses
from tutorhub.db import session_scope
from tutorhub.services.accounts.audit import AuditPage, list_audit_entries
from tutorhub.services.ops import fraud_review, suspension, user_detail, user_search
from tutorhub.services.ops.fraud_review import FlagPage, FraudFlagOut
from tutorhub.services.ops.suspension import SuspensionOut
from tutorhub.services.ops.user_detail import UserDetail
from tutorhub.services.ops.user_search import UsersPage

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_ADMIN = error_responses(401, 403, 422, e403="Not an admin")
_ACT = error_responses(401, 403, 404, 422, e403="Not an admin, or the account is an admin's")
_RESOLVE = error_responses(401, 403, 404, 409, 422, e403="Not an admin", e409="Already resolved")
Page = Annotated[int, Query(ge=1, le=99_999)]


class SuspendIn(StrictIn):
    reason: str


class UnsuspendIn(StrictIn):
    reason: str | None = None


class ResolveIn(StrictIn):
    resolution: str


@router.get("/users", response_model=UsersPage, responses=_ADMIN)
def search_users(user: CurrentUser, q: Annotated[str, Query(max_length=120)] = "",
                 role: Annotated[str, Query(max_length=16)] = "", status: Annotated[str, Query(max_length=16)] = "",
                 city: Annotated[str, Query(max_length=80)] = "", page: Page = 1) -> UsersPage:
    """Accounts by name/email/phone (`q`), `role`, `status` (active|suspended) and `city`, 25 a page."""
    with session_scope(read_only=True) as session:
        return user_search.search_users(session, actor=user, q=q, role=role, status=status, city=city, page=page)


@router.get("/users/{user_id}", response_model=UserDetail, responses=error_responses(401, 403, 404, e403="Not an admin"))
def get_user(user: CurrentUser, user_id: str) -> UserDetail:
    """One account: profile, lessons, payments, wallet, login history, flags and admin actions."""
    with session_scope(read_only=True) as session:
        return user_detail.get_user_detail(session, actor=user, user_id=user_id)


@router.post("/users/{user_id}/suspend", response_model=SuspensionOut, responses=_ACT)
def suspend(user: CurrentUser, user_id: str, data: SuspendIn) -> SuspensionOut:
    """Suspend with `{"reason"}`: sessions and tokens revoked, lessons ahead cancelled and refunded,
    classes/seats/enquiries ended (see docs/suspension.md). Repeating it cancels nothing more."""
    with session_scope() as session:
        return suspension.suspend_user(session, actor=user, user_id=user_id, reason=data.reason)


@router.post("/users/{user_id}/unsuspend", response_model=SuspensionOut, responses=_ACT)
def unsuspend(user: CurrentUser, user_id: str, data: Annotated[UnsuspendIn | None, Body()] = None) -> SuspensionOut:
    """Give the account its access back (cancelled lessons stay cancelled)."""
    with session_scope() as session:
        return suspension.unsuspend_user(session, actor=user, user_id=user_id, reason=data.reason if data else "")


@router.get("/fraud-flags", response_model=FlagPage, responses=_ADMIN)
def list_fraud_flags(user: CurrentUser, status: Annotated[str, Query(max_length=10)] = "OPEN",
                     kind: Annotated[str, Query(max_length=24)] = "", page: Page = 1) -> FlagPage:
    """Fraud flags (OPEN by default; `status=` empty for all), most recently seen first."""
    with session_scope(read_only=True) as session:
        return fraud_review.list_flags(session, actor=user, status=status, kind=kind, page=page)


@router.post("/fraud-flags/{flag_id}/resolve", response_model=FraudFlagOut, responses=_RESOLVE)
def resolve_fraud_flag(user: CurrentUser, flag_id: str, data: ResolveIn) -> FraudFlagOut:
    """Close a flag with `{"resolution"}` (what was found or done); recorded in the audit log."""
    with session_scope() as session:
        return fraud_review.resolve_flag(session, actor=user, flag_id=flag_id, resolution=data.resolution)


@router.get("/audit", response_model=AuditPage, responses=_ADMIN)
def list_audit(user: CurrentUser, action: Annotated[str, Query(max_length=64)] = "",
               target_kind: Annotated[str, Query(max_length=32)] = "",
               target_id: Annotated[str, Query(max_length=64)] = "", page: Page = 1) -> AuditPage:
    """The admin audit log, newest first; `action` is a prefix ("user." = every user action)."""
    with session_scope(read_only=True) as session:
        return list_audit_entries(session, actor=user, action=action, target_kind=target_kind,
                                  target_id=target_id, page=page)
