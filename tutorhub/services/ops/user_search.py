"""Admins find accounts: by name, email or phone (`q`), role, status (active/suspended) and city.

City is the student's profile city or the tutor's profile city (whichever the account has).
Matching is case-insensitive substring search; a search of 100k users stays one indexed count and
one page query (no per-row lookups beyond the page of 25).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, StudentProfile, User
from tutorhub.models.fraud import FraudFlag, FraudFlagUser, FraudStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.paging import page_count, page_number
from tutorhub.services.validation import clean_text, fail

PER_PAGE = 25
STATUSES = ("active", "suspended")


class UserRow(BaseModel):
    id: int
    full_name: str
    email: str | None
    phone: str | None
    role: str
    status: str  # active | suspended
    city: str
    created_at: datetime
    open_flags: int


class UsersPage(BaseModel):
    items: list[UserRow]
    page: int
    pages: int
    total: int
    per_page: int


def _filters(q: Any, role: Any, status: Any, city: Any) -> tuple[str, str, str, str]:
    text = clean_text(q, "q", max_len=120)
    wanted_role = clean_text(role, "role", max_len=16).lower()
    if wanted_role and wanted_role not in Role.ALL:
        raise fail("role", "must be student, tutor, guardian or admin")
    wanted_status = clean_text(status, "status", max_len=16).lower()
    if wanted_status and wanted_status not in STATUSES:
        raise fail("status", "must be active or suspended")
    return text, wanted_role, wanted_status, clean_text(city, "city", max_len=80)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(session: Session, *, actor: UserOut | None, q: Any = "", role: Any = "", status: Any = "",
                 city: Any = "", page: Any = 1) -> UsersPage:
    """One page of accounts, newest first (422 for an unknown role or status)."""
    require_role(actor, Role.ADMIN)
    text, wanted_role, wanted_status, wanted_city = _filters(q, role, status, city)
    city_expr = func.coalesce(TutorProfile.city, StudentProfile.city, "")
    query = (select(User, city_expr).outerjoin(TutorProfile, col(TutorProfile.user_id) == col(User.id))
             .outerjoin(StudentProfile, col(StudentProfile.user_id) == col(User.id)))
    conditions: list[Any] = []
    if text:
        pattern = _like(text)
        conditions.append(or_(func.lower(User.full_name).like(pattern, escape="\\"),
                              func.lower(func.coalesce(User.email, "")).like(pattern, escape="\\"),
                              func.coalesce(User.phone, "").like(pattern, escape="\\")))
    if wanted_role:
        conditions.append(col(User.role) == wanted_role)
    if wanted_status:
        conditions.append(col(User.is_suspended) == (wanted_status == "suspended"))
    if wanted_city:
        conditions.append(func.lower(city_expr).like(_like(wanted_city), escape="\\"))
    if conditions:
        query = query.where(*conditions)
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    pages = page_count(total, PER_PAGE)
    number = min(page_number(page, text_ok=True), pages)
    rows = session.exec(query.order_by(col(User.id).desc()).offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all()
    ids = [u.id for u, _ in rows]
    flags = dict(session.exec(  # type: ignore[call-overload]
        select(FraudFlagUser.user_id, func.count()).join(FraudFlag, col(FraudFlag.id) == col(FraudFlagUser.flag_id))
        .where(col(FraudFlagUser.user_id).in_(ids), col(FraudFlag.status) == FraudStatus.OPEN)
        .group_by(col(FraudFlagUser.user_id))).all()) if ids else {}
    items = [UserRow(id=u.id or 0, full_name=u.full_name, email=u.email, phone=u.phone, role=u.role,
                     status="suspended" if u.is_suspended else "active", city=str(c or ""), created_at=u.created_at,
                     open_flags=int(flags.get(u.id or 0, 0)))
             for u, c in rows]
    return UsersPage(items=items, page=number, pages=pages, total=total, per_page=PER_PAGE)
