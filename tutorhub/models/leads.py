"""Enquiries (a student's request for a tutor), the tutors they were matched to, claims and
lesson proposals (PRODUCT.md §2, leads; services/leads/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class EnquiryStatus:
    OPEN = "OPEN"
    MATCHED = "MATCHED"
    CLOSED = "CLOSED"
    EXPIRED = "EXPIRED"
    LIVE = ("OPEN", "MATCHED")


class ProposalStatus:
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"  # the student took it: a lesson held for payment (services/leads/held.py)
    LAPSED = "LAPSED"  # accepted, but its held lesson expired or was cancelled before it was confirmed
    WITHDRAWN = "WITHDRAWN"  # the enquiry closed or expired before the student accepted


class Enquiry(SQLModel, table=True):
    __tablename__ = "enquiries"
    __table_args__ = (
        Index("ix_enquiries_student_created", "student_id", "created_at"),
        Index("ix_enquiries_status_expires", "status", "expires_at"),
        CheckConstraint("claim_count >= 0", name="ck_enquiries_claim_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id")
    subject: str = Field(max_length=60)
    grade: str = Field(max_length=32)
    mode: str = Field(max_length=8)  # online | home
    city: str = Field(default="", max_length=160)  # as the student typed it
    place_name: str = Field(default="", max_length=200)  # the gazetteer place it resolved to
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    budget_max_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    duration_min: int
    message: str = Field(default="", max_length=2000)
    windows: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str = Field(default="UTC", max_length=64)
    status: str = Field(default=EnquiryStatus.OPEN, max_length=8)
    claim_count: int = Field(default=0)
    match_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class EnquiryMatch(SQLModel, table=True):
    """A tutor the enquiry reached (its lead inbox), with the fit computed when it was posted."""

    __tablename__ = "enquiry_matches"
    __table_args__ = (
        UniqueConstraint("enquiry_id", "tutor_id"),
        Index("ix_enquiry_matches_tutor", "tutor_id", "enquiry_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enquiry_id: int = Field(foreign_key="enquiries.id")
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    distance_km: float | None = Field(default=None)
    free_starts: int | None = Field(default=None)  # lesson starts free in the student's windows (14 days)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class EnquiryClaim(SQLModel, table=True):
    __tablename__ = "enquiry_claims"
    __table_args__ = (UniqueConstraint("enquiry_id", "tutor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enquiry_id: int = Field(foreign_key="enquiries.id", index=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id", index=True)
    conversation_id: int = Field(foreign_key="conversations.id")
    response_minutes: int = Field(default=0)  # from the enquiry reaching the inbox to this claim
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class EnquiryProposal(SQLModel, table=True):
    __tablename__ = "enquiry_proposals"

    id: int | None = Field(default=None, primary_key=True)
    enquiry_id: int = Field(foreign_key="enquiries.id", index=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    start_at: datetime = Field(sa_type=UtcDateTime)
    duration_min: int
    price_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(default=ProposalStatus.OFFERED, max_length=10)
    booking_id: int | None = Field(default=None, foreign_key="bookings.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class LeadSettings(SQLModel, table=True):
    """One row (id = 1): the admin-set lead rules."""

    __tablename__ = "lead_settings"
    __table_args__ = (CheckConstraint("claim_cap >= 1 AND claim_cap <= 20", name="ck_lead_settings_cap"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_cap: int = Field(default=3)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
