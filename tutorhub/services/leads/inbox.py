"""A tutor's lead inbox: the live enquiries that reached them, newest first, with the fit.

Only enquiries matched to this tutor (enquiry_matches, see matching.py) are visible, and only
while the tutor is approved and not suspended; any other id is NotFound, exactly like a missing
one. The student's name, email and phone are never part of a lead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.leads import Enquiry, EnquiryClaim, EnquiryMatch, EnquiryStatus
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing.lead_credits import lead_balance
from tutorhub.services.errors import NotFound
from tutorhub.services.leads.held import LAPSED, booked_clause, booked_ids, outcomes
from tutorhub.services.leads.lead_settings import claim_cap
from tutorhub.services.leads.outputs import lead_out, proposal_view, proposals_of, tutor_names
from tutorhub.services.leads.views import LeadDetail, LeadPage
from tutorhub.services.validation import clean_id, clean_int

PAGE = 20
NOT_IN_INBOX = "This enquiry is not in your lead inbox."


def active_tutor(session: Session, actor: UserOut | None) -> TutorProfile:
    """The caller's tutor profile if approved and not suspended; NotFound otherwise (no inbox)."""
    user = require_role(actor, Role.TUTOR)
    row = session.exec(select(TutorProfile, col(User.is_suspended)).join(User, col(User.id) == col(TutorProfile.user_id))
                       .where(col(TutorProfile.user_id) == user.id)).first()
    if row is None or row[0].status != TutorStatus.APPROVED or row[1]:
        raise NotFound("The lead inbox opens once your profile is approved.")
    return row[0]


def lead_inbox(session: Session, *, actor: UserOut | None, before: Any = None, limit: Any = PAGE,
               now: datetime | None = None) -> LeadPage:
    """One page of the tutor's live leads (OPEN or MATCHED, not past expiry), newest first.

    Paged by enquiry id (`before`): the tutor's matches are walked newest first on the
    (tutor_id, enquiry_id) index in small batches (`_live_matches`), so a page costs the same with
    ten or ten thousand open enquiries (a join would let the planner start from every live enquiry)."""
    profile = active_tutor(session, actor)
    now = now or utcnow()
    size = clean_int(PAGE if limit in (None, "") else limit, "limit", minimum=1, maximum=50)
    cursor = None if before in (None, "") else clean_int(before, "before", minimum=1, maximum=2**62)
    assert profile.id is not None
    rows = _live_matches(session, profile.id, cursor, size + 1, now)
    more = len(rows) > size
    rows = rows[:size]
    ids = [e.id for e, _ in rows]
    claimed = {c.enquiry_id: c for c in session.exec(select(EnquiryClaim).where(
        col(EnquiryClaim.tutor_id) == profile.id, col(EnquiryClaim.enquiry_id).in_(ids)))} if ids else {}
    cap = claim_cap(session)
    assert profile.id is not None
    return LeadPage(items=[lead_out(e, m, claimed.get(e.id or 0), cap) for e, m in rows],
                    next_before=rows[-1][0].id if more and rows else None,
                    lead_credits=lead_balance(session, profile.user_id))


def _live_matches(session: Session, tutor_id: int, before: int | None, want: int,
                  now: datetime) -> list[tuple[Enquiry, EnquiryMatch]]:
    out: list[tuple[Enquiry, EnquiryMatch]] = []
    batch_size = max(2 * want, 20)
    while len(out) < want:
        query = select(EnquiryMatch).where(col(EnquiryMatch.tutor_id) == tutor_id)
        if before is not None:
            query = query.where(col(EnquiryMatch.enquiry_id) < before)
        batch = list(session.exec(query.order_by(col(EnquiryMatch.enquiry_id).desc()).limit(batch_size)).all())
        if not batch:
            break
        live = {e.id: e for e in session.exec(select(Enquiry).where(
            col(Enquiry.id).in_([m.enquiry_id for m in batch]), col(Enquiry.status).in_(EnquiryStatus.LIVE),
            col(Enquiry.expires_at) > now, ~booked_clause())).all()}
        out.extend((live[m.enquiry_id], m) for m in batch if m.enquiry_id in live)
        before = batch[-1].enquiry_id
        if len(batch) < batch_size:
            break
    return out[:want]


def matched_lead(session: Session, profile: TutorProfile, enquiry_id: Any) -> tuple[Enquiry, EnquiryMatch]:
    eid = clean_id(enquiry_id, NOT_IN_INBOX)
    row = session.exec(select(Enquiry, EnquiryMatch).join(EnquiryMatch, col(EnquiryMatch.enquiry_id) == col(Enquiry.id))
                       .where(col(Enquiry.id) == eid, col(EnquiryMatch.tutor_id) == profile.id)).first()
    if row is None:
        raise NotFound(NOT_IN_INBOX)
    return row[0], row[1]


def claim_of(session: Session, enquiry_id: int, tutor_id: int) -> EnquiryClaim | None:
    return session.exec(select(EnquiryClaim).where(col(EnquiryClaim.enquiry_id) == enquiry_id,
                                                   col(EnquiryClaim.tutor_id) == tutor_id)).first()


def get_lead(session: Session, *, actor: UserOut | None, enquiry_id: Any) -> LeadDetail:
    """One lead of the tutor's inbox (also after it closed, if they claimed it), with their proposals."""
    profile = active_tutor(session, actor)
    assert profile.id is not None
    enquiry, match = matched_lead(session, profile, enquiry_id)
    assert enquiry.id is not None
    claim = claim_of(session, enquiry.id, profile.id)
    held = outcomes(session, [enquiry.id])
    booked = bool(booked_ids(held))
    if claim is None and (enquiry.status not in EnquiryStatus.LIVE or booked):
        raise NotFound(NOT_IN_INBOX)
    props = proposals_of(session, enquiry.id, tutor_id=profile.id)
    names = tutor_names(session, {profile.id})
    base = lead_out(enquiry, match, claim, claim_cap(session), booked=booked)
    lapsed = {h.proposal_id for h in held if h.outcome == LAPSED}
    return LeadDetail(**base.model_dump(), proposals=[proposal_view(p, profile.timezone, names, lapsed) for p in props])
