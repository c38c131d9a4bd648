"""Helpers for the notification / reminder tests: fresh reads and a guardian for the student."""

from __future__ import annotations

from sqlmodel import select

from tests.support.db import count, fetch
from tutorhub.db import session_scope
from tutorhub.models import StudentProfile

__all__ = ["add_guardian", "count", "rows"]

rows = fetch  # the notification tests' name for a fresh read


def add_guardian(student_id: int, email: str = "parent@example.com", phone: str = "") -> None:
    with session_scope() as session:
        profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == student_id)).first()
        if profile is None:
            profile = StudentProfile(user_id=student_id)
        profile.guardian_name, profile.guardian_email, profile.guardian_phone = "Parent", email, phone
        session.add(profile)
