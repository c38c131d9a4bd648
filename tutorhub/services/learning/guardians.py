"""Guardian links: a student invites a parent by email; the parent, signed in as a guardian
account with that email, confirms with the 6-digit code from the email (hashed at rest, 7 days,
5 attempts); the link is then ACTIVE and the guardian sees the child's lessons, plans, homework,
reports and progress, and gets copies of their notifications. Either side can unlink at any time.

A guardian only ever reaches children linked to them: any other student id, or a link that is
not theirs, is NotFound (the same answer as for an id that does not exist).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking
from tutorhub.models.learning import GuardianLink, GuardianLinkStatus
from tutorhub.services.accounts.security import hash_otp, new_otp_code
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.views import BookingOut, bookings_out
from tutorhub.services.errors import Conflict, NotFound, RateLimited
from tutorhub.services.learning.access import acting_for
from tutorhub.services.outbox import queue_message
from tutorhub.services.validation import clean_id, clean_text, fail, normalize_email
from tutorhub.settings import get_settings

LINK_DAYS = 7
MAX_ATTEMPTS = 5
INVITES_PER_DAY = 5
NOT_FOUND = "Link not found."


class GuardianLinkOut(BaseModel):
    id: int
    student_id: int
    student_name: str
    guardian_email: str
    guardian_name: str
    status: str  # pending | active | revoked
    initiated_by: str = "student"  # student (code by email) | guardian (the student accepts or declines)
    expires_at: str
    confirmed_at: str | None


class LinkedStudentOut(BaseModel):
    student_id: int
    name: str
    link_id: int
    since: str


def link_out(session: Session, link: GuardianLink) -> GuardianLinkOut:
    assert link.id is not None
    student = session.get(User, link.student_id)
    guardian = session.get(User, link.guardian_id) if link.guardian_id else None
    return GuardianLinkOut(id=link.id, student_id=link.student_id, student_name=student.full_name if student else "",
                           guardian_email=link.guardian_email, guardian_name=guardian.full_name if guardian else "",
                           status=link.status, initiated_by=link.initiated_by, expires_at=link.expires_at.isoformat(),
                           confirmed_at=link.confirmed_at.isoformat() if link.confirmed_at else None)


def invite_guardian(session: Session, *, actor: UserOut | None, guardian_email: Any,
                    now: datetime | None = None) -> GuardianLinkOut:
    """The student invites a guardian by email (a new code replaces an unconfirmed invitation)."""
    now = now or utcnow()
    student = require_role(actor, Role.STUDENT)
    email = normalize_email(guardian_email, "guardian_email")
    if email == (student.email or "").lower():
        raise fail("guardian_email", "must be your guardian's address, not yours")
    sent = session.exec(select(func.count()).select_from(GuardianLink).where(
        col(GuardianLink.student_id) == student.id, col(GuardianLink.created_at) > now - timedelta(days=1))).one()
    if int(sent) >= INVITES_PER_DAY:
        raise RateLimited("Too many invitations today; try again tomorrow.", retry_after_seconds=3600)
    existing = session.exec(select(GuardianLink).where(
        col(GuardianLink.student_id) == student.id, col(GuardianLink.guardian_email) == email,
        col(GuardianLink.status) != GuardianLinkStatus.REVOKED)).first()
    if existing is not None and existing.status == GuardianLinkStatus.ACTIVE:
        raise Conflict("This guardian is already linked to you.")
    code = new_otp_code()
    link = existing or GuardianLink(student_id=student.id, guardian_email=email, created_at=now, expires_at=now)
    link.initiated_by = "student"  # a guardian's open request for this pair becomes the student's invitation
    link.code_hash, link.attempts = hash_otp(f"guardian:{email}", code), 0
    link.expires_at, link.created_at = now + timedelta(days=LINK_DAYS), now
    session.add(link)
    session.flush()
    url = get_settings().public_url.rstrip("/")
    queue_message(session, channel="email", recipient=email, subject=f"{student.full_name} invites you on TutorHub",
                  body=(f"{student.full_name} asked to link you as their guardian on TutorHub. Sign up or log in "
                        f"as a guardian with this email address at {url}/guardian and enter link #{link.id} "
                        f"with the code {code}. It expires in {LINK_DAYS} days."))
    return link_out(session, link)


def confirm_guardian_link(session: Session, *, actor: UserOut | None, link_id: Any, code: Any,
                          now: datetime | None = None) -> GuardianLinkOut:
    """The guardian (signed in with the invited address) confirms the link with the code."""
    now = now or utcnow()
    guardian = require_role(actor, Role.GUARDIAN)
    link = session.exec(select(GuardianLink).where(
        col(GuardianLink.id) == clean_id(link_id, NOT_FOUND)).with_for_update()).first()
    if link is None or link.guardian_email != (guardian.email or "").lower() \
            or link.status == GuardianLinkStatus.REVOKED or link.initiated_by != "student":
        raise NotFound(NOT_FOUND)
    if link.status == GuardianLinkStatus.ACTIVE:
        return link_out(session, link)
    text = clean_text(code, "code", max_len=12, required=True).replace(" ", "")
    if link.expires_at < now or link.attempts >= MAX_ATTEMPTS:
        raise Conflict("This invitation has expired; ask for a new one.")
    link.attempts += 1
    if not hmac.compare_digest(link.code_hash, hash_otp(f"guardian:{link.guardian_email}", text)):
        session.add(link)
        session.flush()
        left = MAX_ATTEMPTS - link.attempts
        raise fail("code", f"wrong code ({left} attempt{'s' if left != 1 else ''} left)")
    link.status, link.guardian_id, link.confirmed_at, link.code_hash = GuardianLinkStatus.ACTIVE, guardian.id, now, ""
    session.add(link)
    session.flush()
    return link_out(session, link)


def unlink_guardian(session: Session, *, actor: UserOut | None, link_id: Any,
                    now: datetime | None = None) -> GuardianLinkOut:
    """The student (or the guardian) ends a link or withdraws an invitation."""
    now = now or utcnow()
    user = require_role(actor, Role.STUDENT, Role.GUARDIAN)
    link = session.get(GuardianLink, clean_id(link_id, NOT_FOUND))
    mine = link is not None and (link.student_id == user.id if user.role == Role.STUDENT else link.guardian_id == user.id)
    if link is None or not mine:
        raise NotFound(NOT_FOUND)
    if link.status != GuardianLinkStatus.REVOKED:
        link.status, link.revoked_at, link.code_hash = GuardianLinkStatus.REVOKED, now, ""
        session.add(link)
        session.flush()
    return link_out(session, link)


def list_my_guardians(session: Session, *, actor: UserOut | None) -> list[GuardianLinkOut]:
    """The student's invitations and links (not the revoked ones)."""
    student = require_role(actor, Role.STUDENT)
    links = session.exec(select(GuardianLink).where(col(GuardianLink.student_id) == student.id,
                                                    col(GuardianLink.status) != GuardianLinkStatus.REVOKED)
                         .order_by(col(GuardianLink.id))).all()
    return [link_out(session, link) for link in links]


def list_linked_students(session: Session, *, actor: UserOut | None) -> list[LinkedStudentOut]:
    guardian = require_role(actor, Role.GUARDIAN)
    rows = session.exec(select(GuardianLink, User).join(User, col(User.id) == col(GuardianLink.student_id)).where(
        col(GuardianLink.guardian_id) == guardian.id, col(GuardianLink.status) == GuardianLinkStatus.ACTIVE)
        .order_by(col(GuardianLink.id))).all()
    return [LinkedStudentOut(student_id=user.id or 0, name=user.full_name, link_id=link.id or 0,
                             since=(link.confirmed_at or link.created_at).isoformat()) for link, user in rows]


def list_pending_for_guardian(session: Session, *, actor: UserOut | None, now: datetime | None = None
                              ) -> list[GuardianLinkOut]:
    """Invitations waiting for this guardian's code (addressed to their account's email)."""
    guardian = require_role(actor, Role.GUARDIAN)
    now = now or utcnow()
    links = session.exec(select(GuardianLink).where(
        col(GuardianLink.guardian_email) == (guardian.email or "").lower(),
        col(GuardianLink.status) == GuardianLinkStatus.PENDING, col(GuardianLink.initiated_by) == "student",
        col(GuardianLink.expires_at) > now)).all()
    return [link_out(session, link) for link in links]


def child_lessons(session: Session, *, actor: UserOut | None, student_id: Any, limit: int = 50,
                  now: datetime | None = None) -> list[BookingOut]:
    """A linked child's lessons, newest first, as the child sees them; NotFound for other children."""
    _, child = acting_for(session, require_role(actor, Role.GUARDIAN), student_id)
    rows = session.exec(select(Booking).where(col(Booking.student_id) == child)
                        .order_by(col(Booking.start_at).desc()).limit(limit)).all()
    return bookings_out(session, rows, viewer_id=child, viewer_is_admin=False, now=now or utcnow())
