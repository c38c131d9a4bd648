"""Browser sign-up and log-in as single use cases: check the credentials, start a server-side
session, and say where the user should land. The Reflex states call these so each handler makes
one service call in one unit of work; the JSON API calls passwords / one_time_codes / api_tokens
directly (JWT instead of cookies).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, StudentProfile
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.accounts import logins, one_time_codes, passwords, sessions, students
from tutorhub.services.actor import UserOut, require_role


class WebLogin(BaseModel):
    """A signed-in browser: the raw session token goes into the cookie and nowhere else."""

    user: UserOut
    token: str
    home: str


class AccountSummary(BaseModel):
    user: UserOut
    active_sessions: int


def home_path(session: Session, user: UserOut) -> str:
    """Where a user lands after logging in: unfinished onboarding (a student's learning profile, a
    tutor's profile never submitted) first, then their home (/home; admins their queue)."""
    if user.role == Role.ADMIN:
        return "/admin/verification"
    if user.role == Role.TUTOR:
        status = session.exec(select(TutorProfile.status).where(col(TutorProfile.user_id) == user.id)).first()
        return "/tutor/profile" if status in (None, TutorStatus.DRAFT) else "/home"
    if user.role == Role.GUARDIAN:
        return "/guardian"
    profile = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == user.id)).first()
    if profile is None or not students.is_complete(profile):
        return "/onboarding/student"
    return "/home"


def _start(session: Session, user: UserOut, *, ip: str, user_agent: str) -> WebLogin:
    """Open the browser session (the login itself is logged by the check that admitted the user)."""
    token = sessions.create_browser_session(session, user_id=user.id, ip=ip, user_agent=user_agent)
    return WebLogin(user=user, token=token, home=home_path(session, user))


def signup(
    session: Session,
    *,
    email: Any,
    password: Any,
    full_name: Any,
    role: Any,
    timezone: Any,
    display_currency: Any = None,
    locale: Any = "",
    ip: str = "",
    user_agent: str = "",
    device_id: str = "",
) -> WebLogin:
    """Register a student or tutor and sign them in; students go to onboarding, tutors to their profile.
    The sign-up is the account's first sign-in and is logged as one (method "signup"), so accounts
    made one after another in one browser show up in the login log and its fraud signals."""
    user = passwords.register(session, email=email, password=password, full_name=full_name, role=role, timezone=timezone,
                              display_currency=display_currency, locale=locale)
    logins.record_login(session, user_id=user.id, identifier=user.email or "", method="signup", success=True, ip=ip,
                        user_agent=user_agent, device_id=device_id)
    return _start(session, user, ip=ip, user_agent=user_agent)


def login_with_password(
    session: Session, *, email: Any, password: Any, ip: str = "", user_agent: str = "", device_id: str = "",
    now: datetime | None = None,
) -> WebLogin:
    """The browser's password login: the same checks, throttles and answers as the API's."""
    user = passwords.authenticate_password(
        session, email=email, password=password, ip=ip, user_agent=user_agent, device_id=device_id, now=now
    )
    return _start(session, user, ip=ip, user_agent=user_agent)


def login_with_code(
    session: Session, *, code: Any, email: Any = None, phone: Any = None, ip: str = "", user_agent: str = "",
    device_id: str = "",
) -> WebLogin:
    user = one_time_codes.verify_otp(session, code=code, email=email, phone=phone, ip=ip, user_agent=user_agent,
                                     device_id=device_id)
    return _start(session, user, ip=ip, user_agent=user_agent)


def account_summary(session: Session, *, actor: UserOut | None) -> AccountSummary:
    user = require_role(actor)
    return AccountSummary(user=user, active_sessions=sessions.count_active_sessions(session, user_id=user.id))


def logout_everywhere(session: Session, *, actor: UserOut | None) -> None:
    """Revoke every session and token of the signed-in user (the acting user only)."""
    user = require_role(actor)
    sessions.revoke_all_sessions(session, user_id=user.id)
