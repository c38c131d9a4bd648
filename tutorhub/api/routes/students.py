"""Student onboarding profile (grade, subjects, goals, budget, mode, place, timezone, guardian)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import error_responses
from tutorhub.db import session_scope
from tutorhub.services.accounts import students
from tutorhub.services.accounts.students import StudentProfileOut

router = APIRouter(prefix="/api/v1", tags=["students"])

_ERRORS = error_responses(401, 403, 422, e403="Not a student")


@router.get("/students/me/profile", response_model=StudentProfileOut, responses=_ERRORS)
def get_profile(user: CurrentUser) -> StudentProfileOut:
    with session_scope() as session:
        return students.get_student_profile(session, actor=user)


@router.put("/students/me/profile", response_model=StudentProfileOut, responses=_ERRORS)
def update_profile(user: CurrentUser, data: Annotated[dict[str, Any], Body()]) -> StudentProfileOut:
    """Update any of the profile fields; absent fields keep their values. Invalid fields are
    reported together in `fields` (422) and nothing is saved."""
    with session_scope() as session:
        return students.update_student_profile(session, actor=user, data=data)
