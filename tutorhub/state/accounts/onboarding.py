"""Student onboarding: the student's own learning profile."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.services.accounts import students
from tutorhub.services.accounts.students import StudentProfileOut
from tutorhub.services.catalog import SUBJECTS
from tutorhub.services.currency import MoneyInputError, minor_to_major_text, parse_major_units
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.state.base import FIX_FIELDS, AppState, form_checked, form_failure, form_text, read_for_page

TEXT_FIELDS = (
    "grade_level",
    "goals",
    "currency",
    "mode",
    "city",
    "locality",
    "timezone",
    "guardian_name",
    "guardian_email",
    "guardian_phone",
)


class StudentOnboardingState(AppState):
    status: str = "loading"
    errors: dict[str, str] = {}
    message: str = ""
    saved: bool = False
    form_key: int = 0
    # The student's own answers, used to prefill the form.
    grade_level: str = ""
    subjects: list[str] = []
    goals: str = ""
    budget_min: str = ""
    budget_max: str = ""
    currency: str = "USD"
    mode: str = "online"
    city: str = ""
    locality: str = ""
    timezone: str = "UTC"
    guardian_name: str = ""
    guardian_email: str = ""
    guardian_phone: str = ""

    def _fill(self, profile: StudentProfileOut) -> None:
        self.grade_level, self.subjects, self.goals = profile.grade_level, list(profile.subjects), profile.goals
        self.currency, self.mode = profile.currency, profile.mode
        self.budget_min = minor_to_major_text(profile.budget_min, profile.currency)
        self.budget_max = minor_to_major_text(profile.budget_max, profile.currency)
        self.city, self.locality = profile.city, profile.locality
        self.timezone = self._prefill_zone(profile.timezone)
        self.guardian_name, self.guardian_email = profile.guardian_name, profile.guardian_email
        self.guardian_phone = profile.guardian_phone
        self.form_key += 1

    async def load(self):
        self.status, self.errors, self.message, self.saved = "loading", {}, "", False
        ok, profile = await read_for_page(
            self, lambda s, actor: students.get_student_profile(s, actor=actor), read_only=False
        )
        if not ok:
            return profile
        self._fill(profile)
        self.status = "ready"
        return None

    async def save(self, form: dict):
        data: dict[str, Any] = {key: form_text(form, key, 2500) for key in TEXT_FIELDS}
        data["subjects"] = [slug for slug in SUBJECTS if form_checked(form, f"subject__{slug}")]
        other = form_text(form, "other_subject", 60).strip()
        if other:
            data["subjects"].append(other)
        errors: dict[str, str] = {}
        for key in ("budget_min", "budget_max"):
            try:
                data[key] = parse_major_units(form_text(form, key, 40), data["currency"] or "USD") or 0
            except MoneyInputError as exc:
                errors[key] = str(exc)
        self.saved, self.message = False, ""
        if errors:
            self.errors, self.message = errors, FIX_FIELDS
            return None
        try:
            profile = await self._db(lambda s, actor: students.update_student_profile(s, actor=actor, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        self.errors = {}
        self._fill(profile)
        self.saved, self.message = True, ""
        return rx.toast.success("Profile saved")
