"""Admin: the tutor verification queue and decisions, the login log, and the outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import DecisionIn, LoginEventPage, OutboxPage, error_responses
from tutorhub.db import session_scope
from tutorhub.services import outbox
from tutorhub.services.accounts import logins
from tutorhub.services.paging import page_count
from tutorhub.services.tutors import verification
from tutorhub.services.tutors.verification import QueuePage
from tutorhub.services.tutors.views import TutorPrivate

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_ADMIN = error_responses(401, 403, 422, e403="Not an admin")
_DECIDE = error_responses(401, 403, 404, 409, 422, e403="Not an admin", e409="The profile is not PENDING")
LOGINS_PER_PAGE = 50


@router.get("/tutors", response_model=QueuePage, responses=_ADMIN)
def list_queue(user: CurrentUser, status: str = "PENDING", page: int = 1) -> QueuePage:
    """Tutor profiles by status (PENDING oldest first; others most recently updated first)."""
    with session_scope(read_only=True) as session:
        return verification.list_queue(session, actor=user, status=status, page=page)


@router.get(
    "/tutors/{tutor_id}", response_model=TutorPrivate, responses=error_responses(401, 403, 404, e403="Not an admin")
)
def get_for_review(user: CurrentUser, tutor_id: int) -> TutorPrivate:
    """Everything about one tutor profile, including documents and decision history."""
    with session_scope(read_only=True) as session:
        return verification.get_for_review(session, actor=user, tutor_id=tutor_id)


@router.post("/tutors/{tutor_id}/approve", response_model=TutorPrivate, responses=_DECIDE)
def approve(user: CurrentUser, tutor_id: int, body: Annotated[DecisionIn | None, Body()] = None) -> TutorPrivate:
    """Approve a PENDING profile (notes optional); it becomes visible in search."""
    with session_scope() as session:
        notes = body.notes if body is not None else None
        return verification.approve_tutor(session, actor=user, tutor_id=tutor_id, notes=notes or "")


@router.post("/tutors/{tutor_id}/reject", response_model=TutorPrivate, responses=_DECIDE)
def reject(user: CurrentUser, tutor_id: int, body: Annotated[DecisionIn | None, Body()] = None) -> TutorPrivate:
    """Reject a PENDING profile; `notes` telling the tutor why are required."""
    with session_scope() as session:
        notes = body.notes if body is not None else None
        return verification.reject_tutor(session, actor=user, tutor_id=tutor_id, notes=notes or "")


@router.get("/logins", response_model=LoginEventPage, responses=_ADMIN)
def list_logins(user: CurrentUser, page: int = 1) -> LoginEventPage:
    """The login log, newest first: who tried, how, from where, and whether it worked."""
    with session_scope(read_only=True) as session:
        items, total = logins.list_login_events(session, actor=user, page=page, per_page=LOGINS_PER_PAGE)
    return LoginEventPage(
        items=items, total=total, page=page, per_page=LOGINS_PER_PAGE, pages=page_count(total, LOGINS_PER_PAGE)
    )


@router.get(
    "/outbox",
    response_model=OutboxPage,
    responses=error_responses(401, 403),
)
def list_outbox(user: CurrentUser, limit: int = 50, problems: bool = False) -> OutboxPage:
    """Outgoing messages (login codes, notifications), newest first, with their sending status and the
    provider's delivery report; bodies only in development mode. `problems=true`: failed ones only."""
    with session_scope(read_only=True) as session:
        return OutboxPage(items=outbox.list_outbox(session, actor=user, limit=limit, problems=problems))
