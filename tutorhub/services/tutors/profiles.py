"""A tutor's own profile: editing, credential documents, and submitting for review.

Status machine: DRAFT → PENDING (submit) → APPROVED | REJECTED (admin, see verification.py);
REJECTED → PENDING (resubmit); APPROVED → PENDING when credentials change (re-review).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from tutorhub.integrations.storage import get_storage
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.tutors import (
    CredentialDocument,
    TutorLanguage,
    TutorProfile,
    TutorStatus,
    TutorSubject,
    VerificationDecision,
)
from tutorhub.services.accounts.role_profiles import own_tutor_profile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import (
    normalize_city,
    normalize_grade,
    normalize_language,
    normalize_mode,
    normalize_subject,
)
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots
from tutorhub.services.tutors.stats import refresh_tutor_stats
from tutorhub.services.tutors.views import DocumentOut, TutorPrivate, build_private, document_out
from tutorhub.services.uploads import check_upload, sniff_document_type
from tutorhub.services.validation import (
    clean_int,
    clean_text,
    fail,
    fail_fields,
    validate_currency,
    validate_timezone,
    validate_url,
)

MAX_SUBJECTS = 20
MAX_LANGUAGES = 10
MAX_DOCUMENTS = 10
MAX_RATE = 10_000_000  # minor units per hour


def get_own_profile(session: Session, *, actor: UserOut | None) -> TutorPrivate:
    profile, user = own_tutor_profile(session, actor)
    return build_private(session, profile, user)


def _parse_subjects(data: dict[str, Any]) -> list[tuple[str, str]] | None:
    """Accept subjects as names, or as {"subject", "grade"|"grades"} objects.

    Plain names use the top-level "grade_levels"/"grades" list; with no grades at all the
    tutor teaches that subject at every level ("all").
    """
    if "subjects" not in data:
        return None
    raw = data["subjects"]
    if not isinstance(raw, list):
        raise fail("subjects", "must be a list")
    if len(raw) > MAX_SUBJECTS:
        raise fail("subjects", f"at most {MAX_SUBJECTS} subjects")
    shared_grades_raw = data.get("grade_levels", data.get("grades"))
    shared_grades: list[str] = []
    if shared_grades_raw is not None:
        if not isinstance(shared_grades_raw, list) or len(shared_grades_raw) > 12:
            raise fail("grade_levels", "must be a list of grade levels")
        shared_grades = [normalize_grade(g, "grade_levels") for g in shared_grades_raw]
    pairs: list[tuple[str, str]] = []
    for item in raw:
        if isinstance(item, dict):
            subject = normalize_subject(item.get("subject") or item.get("name"), "subjects")
            grades_raw = item.get("grades", item.get("grade_levels"))
            if grades_raw is None and item.get("grade") is not None:
                grades_raw = [item.get("grade")]
            if grades_raw is None and item.get("grade_level") is not None:
                grades_raw = [item.get("grade_level")]
            if grades_raw is None:
                grades = shared_grades or ["all"]
            else:
                if not isinstance(grades_raw, list) or len(grades_raw) > 12:
                    raise fail("subjects", "grades must be a list")
                grades = [normalize_grade(g, "subjects") for g in grades_raw] or ["all"]
        else:
            subject = normalize_subject(item, "subjects")
            grades = shared_grades or ["all"]
        for grade in grades:
            if (subject, grade) not in pairs:
                pairs.append((subject, grade))
    return pairs


def _parse_modes(data: dict[str, Any], profile: TutorProfile) -> tuple[bool, bool]:
    online, home = profile.offers_online, profile.offers_home
    if "modes" in data:
        raw = data["modes"]
        if not isinstance(raw, list) or len(raw) > 2:
            raise fail("modes", "must be a list containing 'online' and/or 'home'")
        modes = {normalize_mode(m, "modes") for m in raw}
        online, home = "online" in modes, "home" in modes
    elif "mode" in data:
        value = clean_text(data["mode"], "mode", max_len=16, required=True).lower()
        if value == "both":
            online, home = True, True
        else:
            mode = normalize_mode(value)
            online, home = mode == "online", mode == "home"
    for key in ("offers_online", "offers_home"):
        if key in data:
            if not isinstance(data[key], bool):
                raise fail(key, "must be true or false")
            if key == "offers_online":
                online = data[key]
            else:
                home = data[key]
    if not online and not home:
        raise fail("modes", "offer at least one of online or home tuition")
    return online, home


def update_own_profile(session: Session, *, actor: UserOut | None, data: Any) -> TutorPrivate:
    """Validate and apply profile fields; absent fields keep their values."""
    if not isinstance(data, dict):
        raise InvalidInput("Body must be a JSON object.")
    profile, user = own_tutor_profile(session, actor)
    errors: dict[str, str] = {}
    updates: dict[str, Any] = {}

    def attempt(field: str, fn: Any) -> None:
        try:
            updates[field] = fn()
        except InvalidInput as exc:
            errors.update(exc.fields or {field: exc.message})

    text_fields = {"headline": 120, "locality": 120}
    for name, limit in text_fields.items():
        if name in data:
            attempt(name, lambda n=name, lim=limit: clean_text(data[n], n, max_len=lim))
    if "bio" in data:
        attempt("bio", lambda: clean_text(data["bio"], "bio", max_len=5000, multiline=True))
    if "full_name" in data:
        attempt("full_name", lambda: clean_text(data["full_name"], "full_name", max_len=120, required=True))
    if "city" in data:
        attempt("city", lambda: normalize_city(data["city"]))
    rate_key = next((k for k in ("hourly_rate", "hourly_rate_minor", "rate") if k in data), None)
    if rate_key:
        attempt("hourly_rate", lambda: clean_int(data[rate_key], "hourly_rate", maximum=MAX_RATE))
    home_key = next((k for k in ("home_rate", "home_rate_minor") if k in data), None)
    if home_key:
        attempt("home_rate", lambda: clean_int(data[home_key], "home_rate", maximum=MAX_RATE))
    if "travel_radius_km" in data:
        attempt("travel_radius_km", lambda: clean_int(data["travel_radius_km"], "travel_radius_km", maximum=200))
    if "currency" in data:
        attempt("currency", lambda: validate_currency(data["currency"]))
    if "timezone" in data:
        attempt("timezone", lambda: validate_timezone(data["timezone"]))
    if "intro_video_url" in data:
        attempt("intro_video_url", lambda: validate_url(data["intro_video_url"], "intro_video_url"))
    attempt("_modes", lambda: _parse_modes(data, profile))
    attempt("_subjects", lambda: _parse_subjects(data))
    if "languages" in data:

        def parse_languages() -> list[str]:
            raw = data["languages"]
            if not isinstance(raw, list) or len(raw) > MAX_LANGUAGES:
                raise fail("languages", f"must be a list of at most {MAX_LANGUAGES} languages")
            out: list[str] = []
            for item in raw:
                lang = normalize_language(item, "languages")
                if lang not in out:
                    out.append(lang)
            return out

        attempt("_languages", parse_languages)
    if errors:
        raise fail_fields(errors)

    if "full_name" in updates:
        user.full_name = updates.pop("full_name")
        session.add(user)
    profile.offers_online, profile.offers_home = updates.pop("_modes")
    subjects = updates.pop("_subjects", None)
    languages = updates.pop("_languages", None)
    zone_changed = "timezone" in updates and updates["timezone"] != profile.timezone
    for key, value in updates.items():
        setattr(profile, key, value)
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    assert profile.id is not None
    if zone_changed:
        # Weekly hours are wall-clock times in this zone: the free-slot index moves with it.
        refresh_tutor_free_slots(session, profile.id)
    if subjects is not None:
        session.execute(delete(TutorSubject).where(col(TutorSubject.tutor_id) == profile.id))
        for subject, grade in subjects:
            session.add(TutorSubject(tutor_id=profile.id, subject=subject, grade_level=grade))
    if languages is not None:
        session.execute(delete(TutorLanguage).where(col(TutorLanguage.tutor_id) == profile.id))
        for lang in languages:
            session.add(TutorLanguage(tutor_id=profile.id, language=lang))
    session.flush()
    return build_private(session, profile, user)


def missing_for_submission(session: Session, profile: TutorProfile) -> dict[str, str]:
    """What must be filled in before review; empty when the profile can be submitted."""
    missing: dict[str, str] = {}
    if not profile.headline:
        missing["headline"] = "add a headline"
    has_subject = session.exec(select(col(TutorSubject.id)).where(col(TutorSubject.tutor_id) == profile.id)).first()
    if not has_subject:
        missing["subjects"] = "add at least one subject"
    if profile.offers_online and profile.hourly_rate <= 0:
        missing["hourly_rate"] = "set your online hourly rate"
    if profile.offers_home and profile.home_rate <= 0:
        missing["home_rate"] = "set your home tuition rate"
    if profile.offers_home and not profile.city:
        missing["city"] = "home tuition needs a city"
    return missing


def submit_for_review(session: Session, *, actor: UserOut | None) -> TutorPrivate:
    profile, user = own_tutor_profile(session, actor)
    if profile.status == TutorStatus.PENDING:
        raise Conflict("Your profile is already waiting for review.")
    if profile.status == TutorStatus.APPROVED:
        raise Conflict("Your profile is already approved.")
    missing = missing_for_submission(session, profile)
    if missing:
        # What the stored profile lacks, not what this (bodiless) request got wrong: 409 with the fields.
        raise Conflict("Complete your profile first: " + "; ".join(missing.values()), fields=missing)
    set_status(session, profile, TutorStatus.PENDING, action="SUBMITTED", actor_id=user.id)
    return build_private(session, profile, user)


def set_status(
    session: Session,
    profile: TutorProfile,
    status: str,
    *,
    action: str,
    actor_id: int | None,
    notes: str = "",
    now: datetime | None = None,
) -> None:
    """Move a profile to `status`, record the step in its verification history and refresh the
    trust score (verification is part of it) — the one path every status change takes."""
    now = now or utcnow()
    profile.status = status
    if status == TutorStatus.PENDING:
        profile.submitted_at = now
    profile.updated_at = now
    session.add(profile)
    session.add(VerificationDecision(tutor_id=profile.id or 0, action=action, notes=notes, actor_id=actor_id))
    session.flush()
    refresh_tutor_stats(session, profile.id or 0, now=now)  # verification is part of the trust score


def _credentials_changed(session: Session, profile: TutorProfile, actor_id: int | None) -> None:
    if profile.status == TutorStatus.APPROVED:
        set_status(
            session,
            profile,
            TutorStatus.PENDING,
            action="RESET",
            actor_id=actor_id,
            notes="Credentials changed; the profile needs a new review.",
        )


def upload_credential(session: Session, *, actor: UserOut | None, filename: Any, data: Any) -> DocumentOut:
    profile, user = own_tutor_profile(session, actor)
    content_type, ext = check_upload(data, sniff=sniff_document_type, allowed="a PDF, JPEG or PNG file")
    count = session.exec(
        select(func.count()).select_from(CredentialDocument).where(col(CredentialDocument.tutor_id) == profile.id)
    ).one()
    if count >= MAX_DOCUMENTS:
        raise fail("file", f"at most {MAX_DOCUMENTS} documents; delete one first")
    name = clean_text(filename or "document", "filename", max_len=500) or "document"
    name = name.replace("/", "_").replace("\\", "_")[-200:]
    key = f"credentials/{profile.id}/{uuid.uuid4().hex}-{ext}"
    get_storage().save(key, bytes(data))
    doc = CredentialDocument(
        tutor_id=profile.id or 0,
        original_name=name,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
    )
    session.add(doc)
    session.flush()
    _credentials_changed(session, profile, user.id)
    return document_out(doc)


def delete_credential(session: Session, *, actor: UserOut | None, document_id: Any) -> None:
    profile, user = own_tutor_profile(session, actor)
    doc_id = clean_int(document_id, "document_id", minimum=1)
    doc = session.get(CredentialDocument, doc_id)
    if doc is None or doc.tutor_id != profile.id:
        raise NotFound("Document not found.")
    key = doc.storage_key
    session.delete(doc)
    session.flush()
    _credentials_changed(session, profile, user.id)
    get_storage().delete(key)


def read_credential(session: Session, *, actor: UserOut | None, document_id: Any) -> tuple[DocumentOut, bytes]:
    """The document and its bytes, for its owner or an admin; 404 for anyone else."""
    actor = require_role(actor)
    try:
        doc_id = clean_int(document_id, "document_id", minimum=1)
    except InvalidInput as exc:
        raise NotFound("Document not found.") from exc
    doc = session.get(CredentialDocument, doc_id)
    if doc is None:
        raise NotFound("Document not found.")
    if actor.role != Role.ADMIN:
        profile = session.get(TutorProfile, doc.tutor_id)
        if profile is None or profile.user_id != actor.id:
            raise NotFound("Document not found.")
    try:
        data = get_storage().read(doc.storage_key)
    except (FileNotFoundError, ValueError) as exc:  # file lost from storage, or a bad key
        raise NotFound("Document not found.") from exc
    return document_out(doc), data
