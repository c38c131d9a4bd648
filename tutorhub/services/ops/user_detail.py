"""One account as an admin sees it: profile, recent lessons (as student or tutor), payments, wallet
balance, login history, fraud flags and the admin actions taken on it (the audit log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_
from sqlmodel import Session, col, select

from tutorhub.models.accounts import LoginEvent, Role, StudentProfile, User
from tutorhub.models.audit import AuditEntry
from tutorhub.models.bookings import Booking
from tutorhub.models.fraud import FraudFlag, FraudFlagUser
from tutorhub.models.money import Payment
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import wallet_account
from tutorhub.services.ops.fraud_review import FraudFlagOut, flag_out
from tutorhub.services.validation import clean_id

RECENT = 20


class LessonLine(BaseModel):
    id: int
    as_role: str  # student | tutor
    status: str
    start_at: datetime
    duration_min: int
    subject: str
    price_minor: int
    currency: str


class PaymentLine(BaseModel):
    reference: str
    purpose: str
    amount_minor: int
    refunded_minor: int
    currency: str
    gateway: str
    status: str
    created_at: datetime


class LoginLine(BaseModel):
    created_at: datetime
    method: str
    success: bool
    reason: str
    ip: str
    user_agent: str


class AdminActionLine(BaseModel):
    action: str
    reason: str
    actor_user_id: int | None
    created_at: datetime


class UserDetail(BaseModel):
    id: int
    full_name: str
    email: str | None
    phone: str | None
    role: str
    status: str  # active | suspended
    timezone: str
    city: str
    created_at: datetime
    tutor_id: int | None
    tutor_status: str
    wallet: dict[str, int]
    lessons: list[LessonLine]
    payments: list[PaymentLine]
    logins: list[LoginLine]
    flags: list[FraudFlagOut]
    admin_actions: list[AdminActionLine]


def _lessons(session: Session, user_id: int, tutor_id: int | None) -> list[LessonLine]:
    mine = or_(col(Booking.student_id) == user_id, col(Booking.tutor_id) == (tutor_id or -1))
    rows = session.exec(select(Booking).where(mine).order_by(col(Booking.start_at).desc()).limit(RECENT)).all()
    return [LessonLine(id=b.id or 0, as_role="student" if b.student_id == user_id else "tutor", status=b.status,
                       start_at=b.start_at, duration_min=b.duration_min, subject=b.subject,
                       price_minor=b.price_minor, currency=b.currency) for b in rows]


def _payments(session: Session, user_id: int) -> list[PaymentLine]:
    rows = session.exec(select(Payment).where(col(Payment.user_id) == user_id)
                        .order_by(col(Payment.id).desc()).limit(RECENT)).all()
    return [PaymentLine(reference=p.reference, purpose=p.purpose, amount_minor=p.amount_minor,
                        refunded_minor=p.refunded_minor, currency=p.currency, gateway=p.gateway, status=p.status,
                        created_at=p.created_at) for p in rows]


def get_user_detail(session: Session, *, actor: UserOut | None, user_id: Any) -> UserDetail:
    """Everything an admin needs to decide about one account (404 for an unknown id)."""
    require_role(actor, Role.ADMIN)
    user = session.get(User, clean_id(user_id, "User not found."))
    if user is None or user.id is None:
        raise NotFound("User not found.")
    profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).first()
    student = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == user.id)).first()
    logins = session.exec(select(LoginEvent).where(col(LoginEvent.user_id) == user.id)
                          .order_by(col(LoginEvent.id).desc()).limit(RECENT)).all()
    flags = session.exec(select(FraudFlag).join(FraudFlagUser, col(FraudFlagUser.flag_id) == col(FraudFlag.id))
                         .where(col(FraudFlagUser.user_id) == user.id).order_by(col(FraudFlag.id).desc())
                         .limit(RECENT)).all()
    actions = session.exec(select(AuditEntry).where(col(AuditEntry.target_kind) == "user",
                                                    col(AuditEntry.target_id) == str(user.id))
                           .order_by(col(AuditEntry.id).desc()).limit(RECENT)).all()
    return UserDetail(
        id=user.id, full_name=user.full_name, email=user.email, phone=user.phone, role=user.role,
        status="suspended" if user.is_suspended else "active", timezone=user.timezone,
        city=(profile.city if profile else student.city if student else "") or "", created_at=user.created_at,
        tutor_id=profile.id if profile else None, tutor_status=profile.status if profile else "",
        wallet={u: v for u, v in ledger.balances(session, wallet_account(user.id)).items() if v},
        lessons=_lessons(session, user.id, profile.id if profile else None),
        payments=_payments(session, user.id),
        logins=[LoginLine(created_at=e.created_at, method=e.method, success=e.success, reason=e.reason, ip=e.ip,
                          user_agent=e.user_agent[:160]) for e in logins],
        flags=[flag_out(session, f) for f in flags],
        admin_actions=[AdminActionLine(action=a.action, reason=a.reason, actor_user_id=a.actor_user_id,
                                       created_at=a.created_at) for a in actions],
    )
