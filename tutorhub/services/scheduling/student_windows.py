"""A student's preferred weekly lesson windows and lesson length ("smart scheduling" input).

Windows are wall-clock times in the student's own zone, which is the student profile's
`timezone` — one zone per student, so setting `timezone` here changes the profile and the
account's zone too (as students.update_profile does). They are expanded to UTC per date with the
same DST rules as tutor availability (tzclock.py), so "Mondays 17:00–20:00" stays 17:00–20:00 on
the student's clock all year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, StudentProfile, User
from tutorhub.models.base import utcnow
from tutorhub.models.scheduling import StudentSchedulePrefs
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.scheduling.schedule_input import (
    MAX_WINDOWS,
    format_hhmm,
    parse_lesson_length,
    parse_present,
    parse_weekly,
)
from tutorhub.services.validation import validate_timezone


class WindowItem(BaseModel):
    weekday: int  # 0 = Monday
    start: str  # "HH:MM" in the student's zone
    end: str


class StudentWindowsOut(BaseModel):
    timezone: str
    windows: list[WindowItem]
    lesson_length: int


@dataclass(frozen=True)
class SavedWindows:
    """Validated windows for the engine: (weekday, start_min, end_min) rows."""

    rows: list[tuple[int, int, int]]
    timezone: str
    lesson_length: int


def _profile(session: Session, user_id: int) -> StudentProfile:
    row = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == user_id)).first()
    if row is None:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Account not found.")
        row = StudentProfile(user_id=user_id, timezone=user.timezone)
        session.add(row)
        session.flush()
    return row


def _prefs(session: Session, user_id: int) -> StudentSchedulePrefs | None:
    return session.exec(select(StudentSchedulePrefs).where(col(StudentSchedulePrefs.user_id) == user_id)).first()


def _out(profile: StudentProfile, prefs: StudentSchedulePrefs | None) -> StudentWindowsOut:
    rows = sorted(tuple(w) for w in (prefs.windows if prefs else []))
    return StudentWindowsOut(
        timezone=profile.timezone,
        windows=[WindowItem(weekday=w, start=format_hhmm(s), end=format_hhmm(e)) for w, s, e in rows],
        lesson_length=prefs.lesson_length if prefs else 60,
    )


def saved_windows(session: Session, user_id: int) -> SavedWindows | None:
    """The student's stored windows for the engine, or None when they have not set any."""
    prefs = _prefs(session, user_id)
    if prefs is None or not prefs.windows:
        return None
    zone = session.exec(select(col(StudentProfile.timezone)).where(col(StudentProfile.user_id) == user_id)).first()
    rows = [(int(w), int(s), int(e)) for w, s, e in prefs.windows]
    return SavedWindows(rows=sorted(rows), timezone=zone or "UTC", lesson_length=prefs.lesson_length)


def get_student_windows(session: Session, *, actor: UserOut | None) -> StudentWindowsOut:
    """The signed-in student's windows (an empty list and 60 minutes until they save some)."""
    actor = require_role(actor, Role.STUDENT)
    return _out(_profile(session, actor.id), _prefs(session, actor.id))


def save_student_windows(session: Session, *, actor: UserOut | None, data: Any) -> StudentWindowsOut:
    """Validate and store {"timezone", "windows", "lesson_length"}; absent keys keep their values."""
    actor = require_role(actor, Role.STUDENT)
    if not isinstance(data, dict):
        raise InvalidInput("Body must be a JSON object.")
    parsed = parse_present(
        data,
        {
            "timezone": lambda v: validate_timezone(v, "timezone"),
            "windows": lambda v: parse_weekly(v, "windows", limit=MAX_WINDOWS),
            "lesson_length": lambda v: parse_lesson_length(v, "lesson_length"),
        },
    )
    profile = _profile(session, actor.id)
    if "timezone" in parsed:
        if parsed["timezone"] != profile.timezone:
            profile.timezone = parsed["timezone"]
            profile.updated_at = utcnow()
            session.add(profile)
        # One zone per student, as students.update_profile keeps it: the account's zone is the
        # one every screen renders times in.
        user = session.get(User, actor.id)
        if user is not None and user.timezone != parsed["timezone"]:
            user.timezone = parsed["timezone"]
            session.add(user)
    prefs = _prefs(session, actor.id) or StudentSchedulePrefs(user_id=actor.id)
    if "windows" in parsed:
        prefs.windows = [list(row) for row in parsed["windows"]]
    if "lesson_length" in parsed:
        prefs.lesson_length = parsed["lesson_length"]
    prefs.updated_at = utcnow()
    session.add(prefs)
    session.flush()
    return _out(profile, prefs)
