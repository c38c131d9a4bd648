"""Plain data objects describing tutors, and the functions that build them from rows.

Three views with different audiences: `TutorPrivate` (the tutor and admins), `TutorPublic`
(anyone; no email, phone, documents or review notes) and `TutorCard` (search results).
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.tutors import (
    CredentialDocument,
    TutorLanguage,
    TutorProfile,
    TutorSubject,
    VerificationDecision,
)
from tutorhub.services.catalog import grade_label, subject_label
from tutorhub.services.tutors.photos import photo_url
from tutorhub.services.tutors.stats import response_text


class SubjectOut(BaseModel):
    subject: str
    subject_label: str
    grade_level: str
    grade_label: str


class DocumentOut(BaseModel):
    id: int
    original_name: str
    content_type: str
    size_bytes: int
    uploaded_at: str


class DecisionOut(BaseModel):
    action: str
    notes: str
    created_at: str


class TutorPublic(BaseModel):
    id: int
    full_name: str
    headline: str
    bio: str
    hourly_rate: int
    home_rate: int
    currency: str
    city: str
    locality: str
    travel_radius_km: int
    modes: list[str]
    timezone: str
    intro_video_url: str
    photo_url: str = ""  # public, 400×400 WebP (services/tutors/photos.py); "" = none, show initials
    photo_thumb_url: str = ""  # the 96×96 version
    subjects: list[SubjectOut]
    languages: list[str]
    rating_avg: float
    rating_count: int
    hours_taught: int
    response_rate: int
    response_minutes: int | None = None  # median first-answer time (services/tutors/stats.py)
    response_text: str = ""  # "usually replies within 2 hours"; "" without data
    trust_score: int


class TutorPrivate(TutorPublic):
    user_id: int
    email: str | None
    status: str
    review_notes: str
    submitted_at: str | None
    reviewed_at: str | None
    documents: list[DocumentOut]
    history: list[DecisionOut]


class TutorCard(BaseModel):
    id: int
    full_name: str
    headline: str
    hourly_rate: int
    home_rate: int
    currency: str
    city: str
    modes: list[str]
    subjects: list[str]
    languages: list[str]
    rating_avg: float
    rating_count: int
    trust_score: int
    photo_thumb_url: str = ""  # 96×96 WebP; "" = none, show initials
    score: float  # the match score, 0–100 (services/tutors/ranking.py); same as match_score
    match_score: float = 0.0
    distance_km: float | None = None  # from the searched place, when one was given
    # The rates converted into the search's display currency (≈, for showing only; 0 = not offered).
    display_currency: str = ""
    hourly_rate_display: int = 0
    home_rate_display: int = 0


class SearchPage(BaseModel):
    items: list[TutorCard]
    total: int
    page: int
    per_page: int
    pages: int
    place: str = ""  # the searched place as understood ("Bengaluru, India"); "" when none or unknown
    place_suggestions: list[str] = []  # close known names when the searched place is unknown


def modes_of(profile: TutorProfile) -> list[str]:
    modes = []
    if profile.offers_online:
        modes.append("online")
    if profile.offers_home:
        modes.append("home")
    return modes


def load_subjects(session: Session, tutor_ids: list[int]) -> dict[int, list[SubjectOut]]:
    result: dict[int, list[SubjectOut]] = defaultdict(list)
    if not tutor_ids:
        return result
    rows = session.exec(
        select(TutorSubject).where(col(TutorSubject.tutor_id).in_(tutor_ids)).order_by(col(TutorSubject.id))
    ).all()
    for row in rows:
        result[row.tutor_id].append(
            SubjectOut(
                subject=row.subject,
                subject_label=subject_label(row.subject),
                grade_level=row.grade_level,
                grade_label="All levels" if row.grade_level == "all" else grade_label(row.grade_level),
            )
        )
    return result


def load_languages(session: Session, tutor_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    if not tutor_ids:
        return result
    rows = session.exec(
        select(TutorLanguage).where(col(TutorLanguage.tutor_id).in_(tutor_ids)).order_by(col(TutorLanguage.id))
    ).all()
    for row in rows:
        result[row.tutor_id].append(row.language)
    return result


def _public_fields(profile: TutorProfile, user: User, subjects: list[SubjectOut], languages: list[str]) -> dict:
    assert profile.id is not None
    return {
        "id": profile.id,
        "full_name": user.full_name,
        "headline": profile.headline,
        "bio": profile.bio,
        "hourly_rate": profile.hourly_rate,
        "home_rate": profile.home_rate,
        "currency": profile.currency,
        "city": profile.city,
        "locality": profile.locality,
        "travel_radius_km": profile.travel_radius_km,
        "modes": modes_of(profile),
        "timezone": profile.timezone,
        "intro_video_url": profile.intro_video_url,
        "photo_url": photo_url(profile.id, profile.photo_version),
        "photo_thumb_url": photo_url(profile.id, profile.photo_version, "small"),
        "subjects": subjects,
        "languages": languages,
        "rating_avg": round(profile.rating_avg, 2),
        "rating_count": profile.rating_count,
        "hours_taught": profile.hours_taught,
        "response_rate": profile.response_rate,
        "response_minutes": profile.response_minutes,
        "response_text": response_text(profile.response_minutes),
        "trust_score": profile.trust_score,
    }


def build_public(session: Session, profile: TutorProfile, user: User) -> TutorPublic:
    assert profile.id is not None
    subjects = load_subjects(session, [profile.id])[profile.id]
    languages = load_languages(session, [profile.id])[profile.id]
    return TutorPublic(**_public_fields(profile, user, subjects, languages))


def build_private(session: Session, profile: TutorProfile, user: User) -> TutorPrivate:
    assert profile.id is not None
    subjects = load_subjects(session, [profile.id])[profile.id]
    languages = load_languages(session, [profile.id])[profile.id]
    docs = session.exec(
        select(CredentialDocument)
        .where(col(CredentialDocument.tutor_id) == profile.id)
        .order_by(col(CredentialDocument.id))
    ).all()
    history = session.exec(
        select(VerificationDecision)
        .where(col(VerificationDecision.tutor_id) == profile.id)
        .order_by(col(VerificationDecision.id).desc())
    ).all()
    return TutorPrivate(
        **_public_fields(profile, user, subjects, languages),
        user_id=user.id or 0,
        email=user.email,
        status=profile.status,
        review_notes=profile.review_notes,
        submitted_at=profile.submitted_at.isoformat() if profile.submitted_at else None,
        reviewed_at=profile.reviewed_at.isoformat() if profile.reviewed_at else None,
        documents=[document_out(d) for d in docs],
        history=[DecisionOut(action=h.action, notes=h.notes, created_at=h.created_at.isoformat()) for h in history],
    )


def document_out(doc: CredentialDocument) -> DocumentOut:
    return DocumentOut(
        id=doc.id or 0,
        original_name=doc.original_name,
        content_type=doc.content_type,
        size_bytes=doc.size_bytes,
        uploaded_at=doc.uploaded_at.isoformat(),
    )
