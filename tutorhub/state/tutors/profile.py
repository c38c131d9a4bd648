"""The tutor's own profile: edit, upload credentials, submit for review."""

from __future__ import annotations

import re
from typing import Any

import reflex as rx

from tutorhub.services.catalog import GRADE_LEVELS, LANGUAGES
from tutorhub.services.currency import MoneyInputError, minor_to_major_text, parse_major_units
from tutorhub.services.errors import DomainError, Forbidden, NotAuthenticated
from tutorhub.services.timefmt import format_local
from tutorhub.services.tutors import photos as tutor_photos
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors.views import TutorPrivate
from tutorhub.settings import get_settings
from tutorhub.state.base import FIX_FIELDS, AppState, form_checked, form_failure, form_text
from tutorhub.state.tutors.views import (
    DecisionView,
    DocumentView,
    SubjectRow,
    decision_views,
    document_views,
    initials,
)

MAX_ROWS = 20
TEXT_FIELDS = {
    "full_name": 120,
    "headline": 120,
    "bio": 5000,
    "currency": 3,
    "city": 80,
    "locality": 120,
    "timezone": 64,
    "intro_video_url": 500,
}


def _file_error(exc: DomainError) -> str:
    message = exc.fields.get("file") if exc.fields else None
    return f"The file {message}." if message else exc.message


class TutorProfileState(AppState):
    status: str = "loading"
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0
    # Review status and history.
    profile_id: int = 0
    profile_status: str = ""
    review_notes: str = ""
    submitted_at: str = ""
    submit_errors: list[str] = []
    history: list[DecisionView] = []
    # The tutor's own answers, used to prefill the form.
    full_name: str = ""
    headline: str = ""
    bio: str = ""
    hourly_rate: str = ""
    home_rate: str = ""
    currency: str = "USD"
    city: str = ""
    locality: str = ""
    travel_radius_km: str = ""
    offers_online: bool = True
    offers_home: bool = False
    timezone: str = "UTC"
    intro_video_url: str = ""
    languages: list[str] = []
    other_languages: str = ""
    subject_rows: list[SubjectRow] = []
    # Credential documents.
    documents: list[DocumentView] = []
    upload_error: str = ""
    # The public profile photo ("" = none: initials are shown).
    photo_url: str = ""
    photo_initials: str = ""
    photo_error: str = ""

    def _fill_meta(self, profile: TutorPrivate, zone: str) -> None:
        self.profile_id, self.profile_status, self.review_notes = profile.id, profile.status, profile.review_notes
        self.photo_url = profile.photo_url
        self.submitted_at = format_local(profile.submitted_at, zone)
        self.documents = document_views(profile.documents, zone)
        self.history = decision_views(profile.history, zone)

    def _fill_form(self, profile: TutorPrivate) -> None:
        self.full_name, self.headline, self.bio = profile.full_name, profile.headline, profile.bio
        self.photo_initials = initials(profile.full_name)
        self.currency = profile.currency
        self.hourly_rate = minor_to_major_text(profile.hourly_rate, profile.currency)
        self.home_rate = minor_to_major_text(profile.home_rate, profile.currency)
        self.city, self.locality = profile.city, profile.locality
        self.travel_radius_km = str(profile.travel_radius_km) if profile.travel_radius_km else ""
        self.offers_online, self.offers_home = "online" in profile.modes, "home" in profile.modes
        self.timezone = self._prefill_zone(profile.timezone)
        self.intro_video_url = profile.intro_video_url
        self.languages = [lang for lang in profile.languages if lang in LANGUAGES]
        self.other_languages = ", ".join(lang for lang in profile.languages if lang not in LANGUAGES)
        rows: dict[str, list[str]] = {}
        for item in profile.subjects:
            grades = rows.setdefault(item.subject, [])
            if item.grade_level != "all":
                grades.append(item.grade_level)
        self.subject_rows = [SubjectRow(subject=s, grades=g) for s, g in rows.items()] or [SubjectRow()]
        self.form_key += 1

    async def _load_profile(self) -> tuple[TutorPrivate, str]:
        return await self._db(lambda s, actor: (tutor_profiles.get_own_profile(s, actor=actor), self._zone_for(actor)))

    async def load(self):
        self.status, self.errors, self.message, self.submit_errors, self.upload_error = "loading", {}, "", [], ""
        self.photo_error = ""
        try:
            profile, zone = await self._load_profile()
        except NotAuthenticated:
            return self._login_redirect()
        except Forbidden:
            self.status = "forbidden"
            return None
        self._fill_meta(profile, zone)
        self._fill_form(profile)
        self.status = "ready"
        return None

    async def refresh(self):
        """Reload status and documents without touching what is being typed in the form."""
        try:
            profile, zone = await self._load_profile()
        except DomainError:
            return None
        self._fill_meta(profile, zone)
        return None

    # Subject rows are form-only state; the service validates them on save.
    def _row_index(self, index: Any) -> int | None:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(self.subject_rows):
            return index
        return None

    def add_subject_row(self):
        if len(self.subject_rows) < MAX_ROWS:
            self.subject_rows = [*self.subject_rows, SubjectRow()]

    def remove_subject_row(self, index: int):
        i = self._row_index(index)
        if i is not None:
            rows = list(self.subject_rows)
            rows.pop(i)
            self.subject_rows = rows or [SubjectRow()]

    def set_row_subject(self, index: int, subject: str):
        i = self._row_index(index)
        if i is not None and isinstance(subject, str) and len(subject) <= 60:
            rows = list(self.subject_rows)
            rows[i] = SubjectRow(subject=subject, grades=list(rows[i].grades))
            self.subject_rows = rows

    def toggle_row_grade(self, index: int, grade: str, checked: bool):
        i = self._row_index(index)
        if i is None or grade not in GRADE_LEVELS:
            return
        rows = list(self.subject_rows)
        grades = [g for g in rows[i].grades if g != grade]
        if checked is True:
            grades.append(grade)
        rows[i] = SubjectRow(subject=rows[i].subject, grades=[g for g in GRADE_LEVELS if g in grades])
        self.subject_rows = rows

    def _collect(self, form: Any) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {key: form_text(form, key, limit) for key, limit in TEXT_FIELDS.items()}
        currency = data["currency"] or "USD"
        errors: dict[str, str] = {}
        for key in ("hourly_rate", "home_rate"):
            try:
                data[key] = parse_major_units(form_text(form, key, 40), currency) or 0
            except MoneyInputError as exc:
                errors[key] = str(exc)
        radius = form_text(form, "travel_radius_km", 10).strip()
        data["travel_radius_km"] = radius or 0
        data["modes"] = [m for m in ("online", "home") if form_checked(form, f"mode__{m}")]
        languages = [lang for lang in LANGUAGES if form_checked(form, f"lang__{lang}")]
        languages += [p.strip() for p in re.split(r"[,;]", form_text(form, "other_languages", 300)) if p.strip()]
        data["languages"] = languages
        data["subjects"] = [{"subject": r.subject, "grades": list(r.grades)} for r in self.subject_rows if r.subject]
        return data, errors

    async def save(self, form: dict):
        data, errors = self._collect(form)
        self.message, self.submit_errors = "", []
        if errors:
            self.errors, self.message = errors, FIX_FIELDS
            return None
        try:
            profile, zone = await self._db(
                lambda s, actor: (tutor_profiles.update_own_profile(s, actor=actor, data=data), self._zone_for(actor))
            )
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return None
        self.errors = {}
        self._fill_meta(profile, zone)
        self._fill_form(profile)
        self.message = ""
        return rx.toast.success("Profile saved")

    async def submit_for_review(self):
        self.submit_errors = []
        try:
            profile, zone = await self._db(
                lambda s, actor: (tutor_profiles.submit_for_review(s, actor=actor), self._zone_for(actor))
            )
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.submit_errors = list(exc.fields.values()) if exc.fields else [exc.message]
            return None
        self._fill_meta(profile, zone)
        return rx.toast.success("Submitted for review")

    async def upload_credential(self, files: list[rx.UploadFile]):
        self.upload_error = ""
        upload = files[0] if isinstance(files, list) and files else None
        if upload is None or not hasattr(upload, "read"):
            self.upload_error = "Choose a PDF, JPEG or PNG file."
            return None
        limit = get_settings().max_upload_bytes
        data = await upload.read(limit + 1)
        name = str(upload.name or "document")
        try:
            await self._db(lambda s, actor: tutor_profiles.upload_credential(s, actor=actor, filename=name, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.upload_error = _file_error(exc)
            return None
        return [rx.toast.success(f"Uploaded {name}"), TutorProfileState.refresh]

    def reject_files(self, rejections: list[dict]):
        """The browser refused a file before upload (wrong type or over the size limit)."""
        limit_mb = get_settings().max_upload_bytes // (1024 * 1024)
        self.upload_error = f"Upload a PDF, JPEG or PNG file of at most {limit_mb} MB."

    async def delete_credential(self, document_id: int):
        try:
            await self._db(lambda s, actor: tutor_profiles.delete_credential(s, actor=actor, document_id=document_id))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success("Document deleted"), TutorProfileState.refresh]

    async def upload_photo(self, files: list[rx.UploadFile]):
        """The tutor's new profile photo; the service checks and re-encodes it (services/tutors/photos.py)."""
        self.photo_error = ""
        upload = files[0] if isinstance(files, list) and files else None
        if upload is None or not hasattr(upload, "read"):
            self.photo_error = f"Choose {tutor_photos.ALLOWED_TEXT}."
            return None
        data = await upload.read(tutor_photos.MAX_PHOTO_BYTES + 1)
        try:
            url = await self._db(lambda s, actor: tutor_photos.set_own_photo(s, actor=actor, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.photo_error = _file_error(exc)
            return None
        self.photo_url = url
        return rx.toast.success("Photo updated")

    def reject_photo(self, rejections: list[dict]):
        """The browser refused the file before upload (wrong type or over the size limit)."""
        limit_mb = tutor_photos.MAX_PHOTO_BYTES // (1024 * 1024)
        self.photo_error = f"Upload {tutor_photos.ALLOWED_TEXT} of at most {limit_mb} MB."

    async def remove_photo(self):
        try:
            await self._db(lambda s, actor: tutor_photos.remove_own_photo(s, actor=actor))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.photo_url, self.photo_error = "", ""
        return rx.toast.success("Photo removed")
