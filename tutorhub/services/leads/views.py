"""What the lead services return (plain pydantic data; never ORM rows, never contact details)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tutorhub.services.scheduling.student_windows import WindowItem


class ClaimRef(BaseModel):
    tutor_id: int
    conversation_id: int
    tutor_name: str = ""
    claimed_at: datetime | None = None


class ProposalView(BaseModel):
    id: int
    tutor_id: int
    tutor_name: str = ""
    start: datetime  # UTC instant
    start_local: str  # in the enquiry's (student's) zone, e.g. "Tue 3 Mar, 17:00 (Asia/Kolkata)"
    duration_min: int
    price_minor: int
    currency: str
    price_text: str
    status: str  # OFFERED | ACCEPTED (its lesson held or booked) | LAPSED (held, never confirmed) | WITHDRAWN
    booking_id: int | None = None


class EnquiryOut(BaseModel):
    id: int
    status: str  # OPEN | MATCHED | CLOSED | EXPIRED
    subject: str
    subject_label: str
    grade: str
    grade_label: str
    mode: str  # online | home
    city: str
    place_name: str
    budget_max_minor: int
    currency: str
    budget_text: str
    duration_min: int
    message: str
    windows: list[WindowItem]
    timezone: str
    match_count: int  # tutors it reached
    claim_count: int
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None


class EnquiryDetail(EnquiryOut):
    claims: list[ClaimRef]
    proposals: list[ProposalView]


class EnquiryList(BaseModel):
    items: list[EnquiryOut]


class LeadOut(BaseModel):
    """One enquiry as a matching tutor sees it: the request and the fit, no contact details."""

    id: int
    status: str
    subject: str
    subject_label: str
    grade: str
    grade_label: str
    mode: str
    place_name: str
    budget_max_minor: int
    currency: str
    budget_text: str
    duration_min: int
    message: str
    windows: list[WindowItem]
    timezone: str
    distance_km: float | None = None
    free_starts: int | None = None
    fit: list[str]  # "4.2 km away", "6 of your free times fall in their windows", ...
    claimed: bool
    conversation_id: int | None = None
    claims_left: int
    created_at: datetime
    expires_at: datetime


class LeadPage(BaseModel):
    items: list[LeadOut]
    next_before: int | None = None  # pass as `before` for older leads; None at the end
    lead_credits: int


class LeadDetail(LeadOut):
    proposals: list[ProposalView]


class ClaimOut(BaseModel):
    enquiry_id: int
    conversation_id: int
    lead_credits_left: int
    charged: bool  # False when this tutor had already claimed it (a repeat costs nothing)


class ProposalCreated(BaseModel):
    id: int
    enquiry_id: int
    start: datetime
    duration_min: int
    price_minor: int
    currency: str


class AcceptOut(BaseModel):
    booking_id: int
    status: str  # PENDING_PAYMENT: pay through the normal lesson payment path
    enquiry_id: int
    hold_expires_at: datetime | None = None
