"""Tutor profiles, what they teach, their credential documents and verification decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class TutorStatus:
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class TutorProfile(SQLModel, table=True):
    __tablename__ = "tutor_profiles"
    __table_args__ = (
        UniqueConstraint("user_id"),
        Index("ix_tutor_profiles_status_rate", "status", "hourly_rate"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    headline: str = Field(default="", max_length=120)
    bio: str = Field(default="", max_length=5000)
    hourly_rate: int = Field(default=0)  # online rate, minor units per hour
    home_rate: int = Field(default=0)  # home tuition rate, minor units per hour
    currency: str = Field(default="USD", max_length=3)
    city: str = Field(default="", max_length=80, index=True)
    locality: str = Field(default="", max_length=120)
    travel_radius_km: int = Field(default=0)
    offers_online: bool = Field(default=True)
    offers_home: bool = Field(default=False)
    timezone: str = Field(default="UTC", max_length=64)
    intro_video_url: str = Field(default="", max_length=500)
    # The profile photo's version (services/tutors/photos.py): 0 = none (initials shown); each upload
    # bumps it, so its public URL changes and browsers may cache a version forever.
    photo_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    status: str = Field(default=TutorStatus.DRAFT, max_length=16, index=True)
    review_notes: str = Field(default="", max_length=2000)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    rating_avg: float = Field(default=0.0)
    rating_count: int = Field(default=0)
    hours_taught: int = Field(default=0)  # whole hours of minutes_taught (shown on profiles)
    minutes_taught: int = Field(default=0)  # booked minutes of completed lessons
    response_rate: int = Field(default=100)  # percent
    response_minutes: int | None = Field(default=None)  # median first-answer time, 90 days (None: no data)
    trust_score: int = Field(default=0)  # 0..100
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TutorSubject(SQLModel, table=True):
    """One (subject, grade level) a tutor teaches; the search index for subject + grade."""

    __tablename__ = "tutor_subjects"
    __table_args__ = (
        UniqueConstraint("tutor_id", "subject", "grade_level"),
        Index("ix_tutor_subjects_subject_grade", "subject", "grade_level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id", index=True)
    subject: str = Field(max_length=60)
    grade_level: str = Field(max_length=32)


class TutorLanguage(SQLModel, table=True):
    __tablename__ = "tutor_languages"
    __table_args__ = (UniqueConstraint("tutor_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id", index=True)
    language: str = Field(max_length=40, index=True)


class CredentialDocument(SQLModel, table=True):
    """A credential file kept in private storage; served only through an authorized route."""

    __tablename__ = "credential_documents"

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id", index=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=40)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200, unique=True)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class VerificationDecision(SQLModel, table=True):
    """History of submissions and admin decisions on a tutor profile."""

    __tablename__ = "verification_decisions"

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id", index=True)
    action: str = Field(max_length=16)  # SUBMITTED | APPROVED | REJECTED | RESET
    notes: str = Field(default="", max_length=2000)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
