"""The admin verification queue: list submitted tutors, inspect them, approve or reject."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.tutors import CredentialDocument, TutorProfile, TutorStatus
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.paging import page_count
from tutorhub.services.tutors.profiles import set_status
from tutorhub.services.tutors.views import TutorPrivate, build_private, load_subjects
from tutorhub.services.validation import clean_int, clean_text, fail

QUEUE_STATUSES = (TutorStatus.PENDING, TutorStatus.APPROVED, TutorStatus.REJECTED, TutorStatus.DRAFT)


class QueueItem(BaseModel):
    id: int
    full_name: str
    email: str | None
    headline: str
    subjects: list[str]
    status: str
    submitted_at: str | None
    documents: int


class QueuePage(BaseModel):
    items: list[QueueItem]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


def list_queue(
    session: Session, *, actor: UserOut | None, status: Any = TutorStatus.PENDING, page: Any = 1, per_page: int = 20
) -> QueuePage:
    require_role(actor, Role.ADMIN)
    if status not in QUEUE_STATUSES:
        raise fail("status", f"must be one of {', '.join(QUEUE_STATUSES)}")
    page_no = clean_int(page, "page", minimum=1, maximum=100_000)
    counts = {
        s: int(n)
        for s, n in session.exec(
            select(col(TutorProfile.status), func.count()).group_by(col(TutorProfile.status))
        ).all()
    }
    total = counts.get(status, 0)
    order = (
        col(TutorProfile.submitted_at).asc() if status == TutorStatus.PENDING else col(TutorProfile.updated_at).desc()
    )
    rows = session.exec(
        select(TutorProfile, User)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(col(TutorProfile.status) == status)
        .order_by(order, col(TutorProfile.id))
        .offset((page_no - 1) * per_page)
        .limit(per_page)
    ).all()
    ids = [p.id for p, _ in rows if p.id is not None]
    subjects = load_subjects(session, ids)
    doc_counts = (
        dict(
            session.exec(
                select(col(CredentialDocument.tutor_id), func.count())
                .where(col(CredentialDocument.tutor_id).in_(ids))
                .group_by(col(CredentialDocument.tutor_id))
            ).all()
        )
        if ids
        else {}
    )
    items = [
        QueueItem(
            id=p.id or 0,
            full_name=u.full_name,
            email=u.email,
            headline=p.headline,
            subjects=sorted({s.subject_label for s in subjects.get(p.id or 0, [])}),
            status=p.status,
            submitted_at=p.submitted_at.isoformat() if p.submitted_at else None,
            documents=int(doc_counts.get(p.id or 0, 0)),
        )
        for p, u in rows
    ]
    return QueuePage(items=items, total=total, page=page_no, pages=page_count(total, per_page), counts=counts)


def _load(session: Session, tutor_id: Any, *, lock: bool = False) -> tuple[TutorProfile, User]:
    try:
        pid = clean_int(tutor_id, "tutor_id", minimum=1)
    except InvalidInput as exc:
        raise NotFound("Tutor not found.") from exc
    # lock: the row is read FOR UPDATE (PostgreSQL; SQLite already holds the write lock), so two
    # admins deciding at once are serialized and the second one sees the first decision.
    profile = session.get(TutorProfile, pid, with_for_update=lock or None, populate_existing=lock)
    user = session.get(User, profile.user_id) if profile else None
    if profile is None or user is None:
        raise NotFound("Tutor not found.")
    return profile, user


def get_for_review(session: Session, *, actor: UserOut | None, tutor_id: Any) -> TutorPrivate:
    require_role(actor, Role.ADMIN)
    profile, user = _load(session, tutor_id)
    return build_private(session, profile, user)


def _decide(session: Session, *, actor: UserOut | None, tutor_id: Any, notes: Any, approve: bool) -> TutorPrivate:
    admin = require_role(actor, Role.ADMIN)
    text = clean_text(notes, "notes", max_len=2000, multiline=True)
    if not approve and not text:
        raise fail("notes", "tell the tutor why the profile was rejected")
    profile, user = _load(session, tutor_id, lock=True)
    if profile.status != TutorStatus.PENDING:
        raise Conflict(f"Only profiles waiting for review can be decided (this one is {profile.status}).")
    now = utcnow()
    status = TutorStatus.APPROVED if approve else TutorStatus.REJECTED
    profile.review_notes = text
    profile.reviewed_at = now
    set_status(session, profile, status, action=status, actor_id=admin.id, notes=text, now=now)
    record_admin_action(session, actor_id=admin.id, action="tutor.approve" if approve else "tutor.reject",
                        target_kind="tutor", target_id=profile.id, before={"status": TutorStatus.PENDING},
                        after={"status": status, "user_id": user.id}, reason=text, now=now)
    return build_private(session, profile, user)


def approve_tutor(session: Session, *, actor: UserOut | None, tutor_id: Any, notes: Any = "") -> TutorPrivate:
    return _decide(session, actor=actor, tutor_id=tutor_id, notes=notes, approve=True)


def reject_tutor(session: Session, *, actor: UserOut | None, tutor_id: Any, notes: Any) -> TutorPrivate:
    return _decide(session, actor=actor, tutor_id=tutor_id, notes=notes, approve=False)
