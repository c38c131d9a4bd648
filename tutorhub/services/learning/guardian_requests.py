"""A guardian asks to be linked to a child (the other way round from the student's invitation):
the guardian enters the child's email; if a student account has it, a PENDING request appears on
the child's Guardians page and the child accepts or declines it — nothing is linked without the
child's click. Either way the guardian gets the same answer (so the form cannot be used to find
out who has an account), and an email tells the address about the request.

Requests are rate-limited per guardian (REQUESTS_PER_DAY) and expire after LINK_DAYS.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.learning import GuardianLink, GuardianLinkRequest, GuardianLinkStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, NotFound, RateLimited
from tutorhub.services.learning.guardians import LINK_DAYS, NOT_FOUND, GuardianLinkOut, link_out
from tutorhub.services.outbox import queue_message
from tutorhub.services.validation import clean_id, fail, normalize_email
from tutorhub.settings import get_settings

REQUESTS_PER_DAY = 5
GUARDIAN = "guardian"


class RequestSentOut(BaseModel):
    status: str  # always "sent": whether the address has a student account is not disclosed


def request_child_link(session: Session, *, actor: UserOut | None, student_email: Any,
                       now: datetime | None = None) -> RequestSentOut:
    """The guardian asks the student with this email to link them (429 past REQUESTS_PER_DAY)."""
    now = now or utcnow()
    guardian = require_role(actor, Role.GUARDIAN)
    email = normalize_email(student_email, "student_email")
    if email == (guardian.email or "").lower():
        raise fail("student_email", "must be your child's address, not yours")
    sent = session.exec(select(func.count()).select_from(GuardianLinkRequest).where(
        col(GuardianLinkRequest.guardian_id) == guardian.id, col(GuardianLinkRequest.created_at) > now - timedelta(days=1))
    ).one()
    if int(sent) >= REQUESTS_PER_DAY:
        raise RateLimited("Too many link requests today; try again tomorrow.", retry_after_seconds=3600)
    session.add(GuardianLinkRequest(guardian_id=guardian.id, student_email=email, created_at=now))
    student = session.exec(select(User).where(func.lower(User.email) == email, col(User.role) == Role.STUDENT)).first()
    url = get_settings().public_url.rstrip("/")
    if student is None or student.id is None:
        # No link without a student account: the email (and the rate-limit row) is the whole effect.
        queue_message(session, channel="email", recipient=email, subject=f"{guardian.full_name} asks to follow your learning",
                      body=(f"{guardian.full_name} would like to be linked to you as your guardian on TutorHub. Sign up as a "
                            f"student at {url}/signup, then ask them to send the request again."))
        return RequestSentOut(status="sent")
    existing = session.exec(select(GuardianLink).where(
        col(GuardianLink.student_id) == student.id, col(GuardianLink.guardian_email) == (guardian.email or "").lower(),
        col(GuardianLink.status) != GuardianLinkStatus.REVOKED)).first()
    if existing is not None and existing.status == GuardianLinkStatus.ACTIVE:
        return RequestSentOut(status="sent")  # already linked: nothing to ask
    link = existing or GuardianLink(student_id=student.id, guardian_email=(guardian.email or "").lower(),
                                    created_at=now, expires_at=now)
    link.guardian_id, link.initiated_by, link.code_hash, link.attempts = guardian.id, GUARDIAN, "", 0
    link.created_at, link.expires_at = now, now + timedelta(days=LINK_DAYS)
    session.add(link)
    session.flush()
    queue_message(session, channel="email", recipient=email, subject=f"{guardian.full_name} asks to follow your learning",
                  body=(f"{guardian.full_name} ({guardian.email}) asked to be linked to you as your guardian on TutorHub. "
                        f"Accept or decline it on {url}/guardian. Nothing is shared unless you accept."))
    return RequestSentOut(status="sent")


def answer_guardian_request(session: Session, *, actor: UserOut | None, link_id: Any, accept: Any,
                            now: datetime | None = None) -> GuardianLinkOut:
    """The student accepts (ACTIVE) or declines (REVOKED) a guardian's request addressed to them;
    NotFound for anyone else's or for a student's own invitation; 409 once expired."""
    now = now or utcnow()
    student = require_role(actor, Role.STUDENT)
    if not isinstance(accept, bool):
        raise fail("accept", "must be true or false")
    link = session.exec(select(GuardianLink).where(
        col(GuardianLink.id) == clean_id(link_id, NOT_FOUND)).with_for_update()).first()
    if link is None or link.student_id != student.id or link.initiated_by != GUARDIAN \
            or link.status == GuardianLinkStatus.REVOKED:
        raise NotFound(NOT_FOUND)
    if link.status == GuardianLinkStatus.ACTIVE:
        return link_out(session, link)
    if link.expires_at < now:
        raise Conflict("This request has expired; ask your guardian to send it again.")
    if accept:
        link.status, link.confirmed_at = GuardianLinkStatus.ACTIVE, now
    else:
        link.status, link.revoked_at = GuardianLinkStatus.REVOKED, now
    session.add(link)
    session.flush()
    return link_out(session, link)


def list_my_requests(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> list[GuardianLinkOut]:
    """The guardian's own open requests (waiting for the child's answer)."""
    guardian = require_role(actor, Role.GUARDIAN)
    now = now or utcnow()
    links = session.exec(select(GuardianLink).where(
        col(GuardianLink.guardian_id) == guardian.id, col(GuardianLink.initiated_by) == GUARDIAN,
        col(GuardianLink.status) == GuardianLinkStatus.PENDING, col(GuardianLink.expires_at) > now)
        .order_by(col(GuardianLink.id))).all()
    return [link_out(session, link) for link in links]
