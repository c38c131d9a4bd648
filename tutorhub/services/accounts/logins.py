"""The login log: every attempt (password or code, admitted or refused) and the admin's view of it.

A refused attempt is committed before the caller raises its error, because the caller's unit of
work rolls back on errors and the lockout and the audit trail must still see it.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import LoginEvent, Role, User
from tutorhub.services.accounts.devices import clean_device_id
from tutorhub.services.actor import UserOut, require_role, to_user_out
from tutorhub.services.validation import fail


class LoginEventOut(BaseModel):
    id: int
    user_id: int | None
    identifier: str
    method: str
    success: bool
    reason: str
    ip: str
    user_agent: str
    created_at: str


def record_login(
    session: Session,
    *,
    user_id: int | None,
    identifier: str,
    method: str,
    success: bool,
    reason: str = "",
    ip: str = "",
    user_agent: str = "",
    device_id: str = "",
) -> None:
    session.add(
        LoginEvent(
            user_id=user_id,
            identifier=identifier[:254],
            method=method,
            success=success,
            reason=reason,
            ip=ip[:64],
            user_agent=user_agent[:300],
            device_id=clean_device_id(device_id),
        )
    )


def refuse_login(
    session: Session, user_id: int | None, reason: str, *, identifier: str, method: str, ip: str, user_agent: str,
    device_id: str = "",
) -> None:
    """Log a failed attempt and commit it now: the caller's unit of work rolls back on the error raised next."""
    record_login(
        session,
        user_id=user_id,
        identifier=identifier,
        method=method,
        success=False,
        reason=reason,
        ip=ip,
        user_agent=user_agent,
        device_id=device_id,
    )
    session.commit()


def admit(
    session: Session, user: User, *, identifier: str, method: str, ip: str, user_agent: str, device_id: str = ""
) -> UserOut:
    """A successful login: clear the lockout counters and log it."""
    user.failed_login_count = 0
    user.locked_until = None
    session.add(user)
    record_login(
        session, user_id=user.id, identifier=identifier, method=method, success=True, ip=ip, user_agent=user_agent,
        device_id=device_id,
    )
    session.flush()
    return to_user_out(user)


def list_login_events(
    session: Session, *, actor: UserOut | None, page: int = 1, per_page: int = 50
) -> tuple[list[LoginEventOut], int]:
    require_role(actor, Role.ADMIN)
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= 100_000:
        # Bounded: an OFFSET past 2**63 is a database error (500), not an empty page.
        raise fail("page", "must be a whole number between 1 and 100000")
    total = int(session.exec(select(func.count()).select_from(LoginEvent)).one())
    rows = session.exec(
        select(LoginEvent)
        .order_by(col(LoginEvent.created_at).desc(), col(LoginEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return (
        [
            LoginEventOut(
                id=r.id or 0,
                user_id=r.user_id,
                identifier=r.identifier,
                method=r.method,
                success=r.success,
                reason=r.reason,
                ip=r.ip,
                user_agent=r.user_agent,
                created_at=r.created_at.isoformat(),
            )
            for r in rows
        ],
        total,
    )
