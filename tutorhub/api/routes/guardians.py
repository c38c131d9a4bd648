"""Guardian accounts: a student invites a guardian by email (`POST /guardians/links`); the guardian
confirms with the emailed code (`POST /guardians/links/{id}/confirm`); then reads the linked
children (`GET /guardians/me/students`) and each child's lessons. A child not linked to the
caller, or a link that is not theirs, is 404. Sign up as a guardian with `"role": "guardian"`.
"""

from __future__ import annotations

from fastapi import APIRouter

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import StrictIn, error_responses, need
from tutorhub.db import session_scope
from tutorhub.services.booking.views import BookingOut
from tutorhub.services.learning import guardians
from tutorhub.services.learning.guardians import GuardianLinkOut, LinkedStudentOut

router = APIRouter(prefix="/api/v1", tags=["guardians"])


class InviteIn(StrictIn):
    guardian_email: str = need(format="email", maxLength=254)


class ConfirmIn(StrictIn):
    code: str = need(pattern="^[0-9]{6}$")


@router.post("/guardians/links", response_model=GuardianLinkOut, status_code=201,
             responses=error_responses(401, 403, 409, 422, 429, e403="Not a student",
                                       e409="Already linked to this guardian",
                                       e429="Too many invitations today; retry after the Retry-After header's seconds"))
def invite(user: CurrentUser, data: InviteIn) -> GuardianLinkOut:
    """The student invites a guardian; the code goes to that address by email."""
    with session_scope() as session:
        return guardians.invite_guardian(session, actor=user, guardian_email=data.guardian_email)


@router.post("/guardians/links/{link_id}/confirm", response_model=GuardianLinkOut,
             responses=error_responses(401, 403, 404, 409, 422, e403="Not a guardian",
                                       e404="No such invitation for your email address",
                                       e409="The invitation expired or ran out of attempts",
                                       e422="Wrong code (attempts left in `fields`)"))
def confirm(user: CurrentUser, link_id: str, data: ConfirmIn) -> GuardianLinkOut:
    with session_scope() as session:
        return guardians.confirm_guardian_link(session, actor=user, link_id=link_id, code=data.code)


@router.delete("/guardians/links/{link_id}", response_model=GuardianLinkOut,
               responses=error_responses(401, 403, 404, e403="Not a student or guardian", e404="No such link of yours"))
def unlink(user: CurrentUser, link_id: str) -> GuardianLinkOut:
    """The student (or the guardian) ends the link."""
    with session_scope() as session:
        return guardians.unlink_guardian(session, actor=user, link_id=link_id)


@router.get("/students/me/guardians", response_model=list[GuardianLinkOut],
            responses=error_responses(401, 403, e403="Not a student"))
def my_guardians(user: CurrentUser) -> list[GuardianLinkOut]:
    with session_scope(read_only=True) as session:
        return guardians.list_my_guardians(session, actor=user)


@router.get("/guardians/me/students", response_model=list[LinkedStudentOut],
            responses=error_responses(401, 403, e403="Not a guardian"))
def my_students(user: CurrentUser) -> list[LinkedStudentOut]:
    with session_scope(read_only=True) as session:
        return guardians.list_linked_students(session, actor=user)


@router.get("/guardians/me/students/{student_id}/lessons", response_model=list[BookingOut],
            responses=error_responses(401, 403, 404, e403="Not a guardian", e404="No such child linked to you"))
def child_lessons(user: CurrentUser, student_id: str) -> list[BookingOut]:
    with session_scope(read_only=True) as session:
        return guardians.child_lessons(session, actor=user, student_id=student_id)
