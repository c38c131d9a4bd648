"""Building the plain outputs of enquiries, leads and proposals from rows (shared by the use cases)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.leads import Enquiry, EnquiryClaim, EnquiryMatch, EnquiryProposal, EnquiryStatus, ProposalStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.catalog import grade_label, subject_label
from tutorhub.services.currency import format_money, format_rate
from tutorhub.services.leads.held import LAPSED, PENDING, booked_ids, outcomes
from tutorhub.services.leads.views import ClaimRef, EnquiryDetail, EnquiryOut, LeadOut, ProposalView
from tutorhub.services.scheduling.schedule_input import format_hhmm
from tutorhub.services.scheduling.student_windows import WindowItem
from tutorhub.services.timefmt import format_local

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def enquiry_channel(enquiry_id: int) -> str:
    return f"enquiry:{enquiry_id}"


def windows_of(e: Enquiry) -> list[WindowItem]:
    return [WindowItem(weekday=int(w), start=format_hhmm(int(s)), end=format_hhmm(int(t))) for w, s, t in e.windows]


def windows_text(e: Enquiry) -> str:
    return ", ".join(f"{WEEKDAYS[w.weekday]} {w.start}–{w.end}" for w in windows_of(e))


def shown_status(e: Enquiry, booked: bool, *, held_open: bool = False, now: datetime | None = None) -> str:
    """What the enquiry is now, before the jobs have written it: CLOSED as soon as its held lesson
    is confirmed (settlement.py, held.py); EXPIRED as soon as its 7 days are up, unless a lesson held
    from it may still be paid (`held_open`; expire_enquiries waits for it the same way)."""
    if e.status not in EnquiryStatus.LIVE:
        return e.status
    if booked:
        return EnquiryStatus.CLOSED
    if not held_open and e.expires_at <= (now or utcnow()):
        return EnquiryStatus.EXPIRED
    return e.status


def enquiry_out(e: Enquiry, *, booked: bool = False, held_open: bool = False, now: datetime | None = None) -> EnquiryOut:
    assert e.id is not None
    return EnquiryOut(
        id=e.id, status=shown_status(e, booked, held_open=held_open, now=now), subject=e.subject, subject_label=subject_label(e.subject), grade=e.grade,
        grade_label=grade_label(e.grade), mode=e.mode, city=e.city, place_name=e.place_name,
        budget_max_minor=e.budget_max_minor, currency=e.currency,
        budget_text=f"up to {format_rate(e.budget_max_minor, e.currency)}", duration_min=e.duration_min,
        message=e.message, windows=windows_of(e), timezone=e.timezone, match_count=e.match_count,
        claim_count=e.claim_count, created_at=e.created_at, expires_at=e.expires_at, closed_at=e.closed_at,
    )


def tutor_names(session: Session, tutor_ids: set[int]) -> dict[int, str]:
    if not tutor_ids:
        return {}
    rows = session.exec(
        select(col(TutorProfile.id), col(User.full_name)).join(User, col(User.id) == col(TutorProfile.user_id))
        .where(col(TutorProfile.id).in_(tutor_ids))
    ).all()
    return {int(tid or 0): name for tid, name in rows}


def proposal_view(p: EnquiryProposal, zone: str, names: dict[int, str], lapsed: set[int] | None = None) -> ProposalView:
    assert p.id is not None
    return ProposalView(
        id=p.id, tutor_id=p.tutor_id, tutor_name=names.get(p.tutor_id, ""), start=p.start_at,
        start_local=format_local(p.start_at.isoformat(), zone), duration_min=p.duration_min,
        price_minor=p.price_minor, currency=p.currency, price_text=format_money(p.price_minor, p.currency),
        status=ProposalStatus.LAPSED if lapsed and p.id in lapsed else p.status, booking_id=p.booking_id,
    )


def proposals_of(session: Session, enquiry_id: int, *, tutor_id: int | None = None) -> list[EnquiryProposal]:
    query = select(EnquiryProposal).where(col(EnquiryProposal.enquiry_id) == enquiry_id)
    if tutor_id is not None:
        query = query.where(col(EnquiryProposal.tutor_id) == tutor_id)
    return list(session.exec(query.order_by(col(EnquiryProposal.id))).all())


def enquiry_detail(session: Session, e: Enquiry) -> EnquiryDetail:
    assert e.id is not None
    claims = list(session.exec(select(EnquiryClaim).where(col(EnquiryClaim.enquiry_id) == e.id)
                               .order_by(col(EnquiryClaim.id))).all())
    props = proposals_of(session, e.id)
    names = tutor_names(session, {c.tutor_id for c in claims} | {p.tutor_id for p in props})
    held = outcomes(session, [e.id])
    lapsed = {h.proposal_id for h in held if h.outcome == LAPSED}
    return EnquiryDetail(
        **enquiry_out(e, booked=bool(booked_ids(held)), held_open=any(h.outcome == PENDING for h in held)).model_dump(),
        claims=[ClaimRef(tutor_id=c.tutor_id, conversation_id=c.conversation_id, tutor_name=names.get(c.tutor_id, ""),
                         claimed_at=c.created_at) for c in claims],
        proposals=[proposal_view(p, e.timezone, names, lapsed) for p in props],
    )


def fit_lines(e: Enquiry, m: EnquiryMatch) -> list[str]:
    lines = []
    if m.distance_km is not None:
        lines.append(f"{m.distance_km:.1f} km away" + (" (from the city centre)" if "centre)" in e.place_name else ""))
    if m.free_starts is not None:
        lines.append(f"{m.free_starts} of your free lesson times in the next 2 weeks fall in their windows")
    elif not e.windows:
        lines.append("No preferred times given")
    lines.append(f"Budget {format_rate(e.budget_max_minor, e.currency)} covers your rate")
    return lines


def lead_out(e: Enquiry, m: EnquiryMatch, claim: EnquiryClaim | None, cap: int, *, booked: bool = False) -> LeadOut:
    assert e.id is not None
    return LeadOut(
        id=e.id, status=shown_status(e, booked, held_open=True), subject=e.subject, subject_label=subject_label(e.subject), grade=e.grade,
        grade_label=grade_label(e.grade), mode=e.mode, place_name=e.place_name,
        budget_max_minor=e.budget_max_minor, currency=e.currency,
        budget_text=f"up to {format_rate(e.budget_max_minor, e.currency)}", duration_min=e.duration_min,
        message=e.message, windows=windows_of(e), timezone=e.timezone, distance_km=m.distance_km,
        free_starts=m.free_starts, fit=fit_lines(e, m), claimed=claim is not None,
        conversation_id=claim.conversation_id if claim else None, claims_left=max(0, cap - e.claim_count),
        created_at=e.created_at, expires_at=e.expires_at,
    )
