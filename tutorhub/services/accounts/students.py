"""Student onboarding: grade, subjects, goals, budget, mode, location, timezone, guardian."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, StudentProfile, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import normalize_city, normalize_grade, normalize_subject
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.validation import (
    clean_int,
    clean_text,
    fail,
    fail_fields,
    normalize_email,
    normalize_phone,
    validate_currency,
    validate_timezone,
)

STUDENT_MODES = ("online", "home", "both")


class StudentProfileOut(BaseModel):
    grade_level: str
    subjects: list[str]
    goals: str
    budget_min: int
    budget_max: int
    currency: str
    mode: str
    city: str
    locality: str
    timezone: str
    guardian_name: str
    guardian_email: str
    guardian_phone: str
    complete: bool


def _row(session: Session, actor: UserOut | None) -> tuple[StudentProfile, User]:
    actor = require_role(actor, Role.STUDENT)
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("Account not found.")
    row = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == actor.id)).first()
    if row is None:
        row = StudentProfile(user_id=actor.id, timezone=user.timezone)
        session.add(row)
        session.flush()
    return row, user


def is_complete(row: StudentProfile) -> bool:
    """Onboarding is done once the student has said what they learn and at which level."""
    return bool(row.grade_level and row.subjects)


def _out(row: StudentProfile) -> StudentProfileOut:
    return StudentProfileOut(
        grade_level=row.grade_level,
        subjects=list(row.subjects or []),
        goals=row.goals,
        budget_min=row.budget_min,
        budget_max=row.budget_max,
        currency=row.currency,
        mode=row.mode,
        city=row.city,
        locality=row.locality,
        timezone=row.timezone,
        guardian_name=row.guardian_name,
        guardian_email=row.guardian_email,
        guardian_phone=row.guardian_phone,
        complete=is_complete(row),
    )


def get_student_profile(session: Session, *, actor: UserOut | None) -> StudentProfileOut:
    row, _ = _row(session, actor)
    return _out(row)


def update_student_profile(session: Session, *, actor: UserOut | None, data: Any) -> StudentProfileOut:
    """Validate every field (collecting all errors), then save; absent fields keep their value."""
    if not isinstance(data, dict):
        raise InvalidInput("Body must be a JSON object.")
    row, user = _row(session, actor)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def attempt(field: str, fn: Any) -> None:
        if field not in data:
            return
        try:
            values[field] = fn(data[field])
        except InvalidInput as exc:
            errors[field] = next(iter(exc.fields.values()), exc.message)

    def subjects(v: Any) -> list[str]:
        if not isinstance(v, list) or len(v) > 20:
            raise fail("subjects", "must be a list of at most 20 subjects")
        out: list[str] = []
        for item in v:
            s = normalize_subject(item, "subjects")
            if s not in out:
                out.append(s)
        return out

    def mode(v: Any) -> str:
        text = clean_text(v, "mode", max_len=8, required=True).lower()
        if text not in STUDENT_MODES:
            raise fail("mode", "must be online, home or both")
        return text

    def optional(fn: Any) -> Any:
        return lambda v: fn(v) if v not in (None, "") else ""

    attempt("grade_level", lambda v: normalize_grade(v, "grade_level") if v not in (None, "") else "")
    attempt("subjects", subjects)
    attempt("goals", lambda v: clean_text(v, "goals", max_len=2000, multiline=True))
    attempt("budget_min", lambda v: clean_int(v, "budget_min", maximum=10_000_000))
    attempt("budget_max", lambda v: clean_int(v, "budget_max", maximum=10_000_000))
    attempt("currency", lambda v: validate_currency(v))
    attempt("mode", mode)
    attempt("city", lambda v: normalize_city(v))
    attempt("locality", lambda v: clean_text(v, "locality", max_len=120))
    attempt("timezone", lambda v: validate_timezone(v))
    attempt("guardian_name", lambda v: clean_text(v, "guardian_name", max_len=120))
    attempt("guardian_email", optional(lambda v: normalize_email(v, "guardian_email")))
    attempt("guardian_phone", optional(lambda v: normalize_phone(v, "guardian_phone")))
    low = values.get("budget_min", row.budget_min)
    high = values.get("budget_max", row.budget_max)
    if not errors and high and low > high:
        errors["budget_max"] = "must be at least the minimum budget"
    if values.get("mode", row.mode) in ("home", "both") and not values.get("city", row.city) and "city" not in errors:
        errors["city"] = "home tuition needs a city"
    if errors:
        raise fail_fields(errors)
    for key, value in values.items():
        setattr(row, key, value)
    if "timezone" in values:
        user.timezone = values["timezone"]
        session.add(user)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _out(row)
