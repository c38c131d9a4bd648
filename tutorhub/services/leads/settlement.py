"""Writing down what happened to the lesson held from an accepted proposal (held.py says why leads
reads the booking rather than being told by it).

- booked → the enquiry CLOSED like any close (end_enquiry: open proposals withdrawn, claimers told);
- lapsed → the proposal LAPSED (a conditional ACCEPTED → LAPSED update: written and told once) and
  the enquiry stays MATCHED: the student may accept another proposal, tutors may propose again.

`settle_enquiry` runs first in the leads transitions on one enquiry (claim, propose, accept), so
each decides on the real state; `settle_held_lessons` is the sweep the minutely job runs right after
holds expire (jobs/tasks.booking_minutely). Both are idempotent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.leads import Enquiry, EnquiryProposal, EnquiryStatus, ProposalStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.catalog import subject_label
from tutorhub.services.leads.enquiries import end_enquiry
from tutorhub.services.leads.held import BOOKED, LAPSED, Held, outcomes, resolved_clause
from tutorhub.services.leads.outputs import enquiry_channel
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.notifications import notify


def settle_enquiry(session: Session, enquiry: Enquiry, *, now: datetime) -> None:
    """Bring one live enquiry up to date with its held lessons (no-op when there is nothing to write)."""
    if enquiry.status in EnquiryStatus.LIVE and enquiry.id is not None:
        _apply(session, enquiry, outcomes(session, [enquiry.id]), now)


def settle_held_lessons(session: Session, *, now: datetime, limit: int = 500) -> int:
    """The sweep: every live enquiry whose held lesson was confirmed or lapsed; returns how many."""
    due = session.exec(select(Enquiry).where(col(Enquiry.status).in_(EnquiryStatus.LIVE), resolved_clause())
                       .order_by(col(Enquiry.id)).limit(limit)).all()
    held = outcomes(session, [e.id for e in due if e.id is not None])
    for enquiry in due:
        _apply(session, enquiry, [h for h in held if h.enquiry_id == enquiry.id], now)
    return len(due)


def _apply(session: Session, enquiry: Enquiry, held: list[Held], now: datetime) -> None:
    assert enquiry.id is not None
    for h in held:
        if h.outcome == LAPSED:
            _lapse(session, enquiry, h, now)
    if any(h.outcome == BOOKED for h in held):
        end_enquiry(session, enquiry, status=EnquiryStatus.CLOSED, now=now, reason="booked")


def _lapse(session: Session, enquiry: Enquiry, h: Held, now: datetime) -> None:
    won = rows_matched(session.execute(
        update(EnquiryProposal).where(col(EnquiryProposal.id) == h.proposal_id,
                                      col(EnquiryProposal.status) == ProposalStatus.ACCEPTED)
        .values(status=ProposalStatus.LAPSED)))
    if not won:
        return
    assert enquiry.id is not None
    tutor_user = session.exec(select(col(TutorProfile.user_id)).where(col(TutorProfile.id) == h.tutor_id)).first()
    if tutor_user is not None:
        notify(session, user_id=tutor_user, kind="lead",
               title=f"The accepted lesson was not paid: {subject_label(enquiry.subject)}",
               body="The enquiry is open again; you can propose another time.", link="/leads", now=now)
        publish_after_commit(session, user_channel(tutor_user), {"type": "lead", "id": enquiry.id})
    publish_after_commit(session, enquiry_channel(enquiry.id), {"type": "enquiry", "id": enquiry.id})
    publish_after_commit(session, user_channel(enquiry.student_id), {"type": "enquiry", "id": enquiry.id})
