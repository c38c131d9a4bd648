"""The lead marketplace when an admin suspends an account (services/ops/suspension.py calls these):
a suspended student's open enquiries close (the tutors who claimed them are told, like any close),
a suspended tutor's lesson proposals still waiting for an answer are withdrawn. Matching and the
lead inbox already leave suspended tutors out (matching.py, inbox.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.leads import Enquiry, EnquiryProposal, EnquiryStatus, ProposalStatus
from tutorhub.services.leads.enquiries import end_enquiry
from tutorhub.services.leads.outputs import enquiry_channel


def close_student_enquiries(session: Session, *, student_id: int, now: datetime) -> int:
    """Close the student's OPEN/MATCHED enquiries; returns how many closed."""
    live = session.exec(select(Enquiry).where(col(Enquiry.student_id) == student_id,
                                              col(Enquiry.status).in_(EnquiryStatus.LIVE))).all()
    return sum(1 for enquiry in live
               if end_enquiry(session, enquiry, status=EnquiryStatus.CLOSED, now=now, reason="closed by TutorHub"))


def withdraw_tutor_proposals(session: Session, *, tutor_id: int) -> int:
    """Withdraw the tutor's proposals still OFFERED (their enquiries' pages refresh); returns how many."""
    enquiry_ids = session.exec(select(EnquiryProposal.enquiry_id).where(
        col(EnquiryProposal.tutor_id) == tutor_id, col(EnquiryProposal.status) == ProposalStatus.OFFERED)).all()
    changed = rows_matched(session.execute(
        update(EnquiryProposal).where(col(EnquiryProposal.tutor_id) == tutor_id,
                                      col(EnquiryProposal.status) == ProposalStatus.OFFERED)
        .values(status=ProposalStatus.WITHDRAWN)))
    for enquiry_id in set(enquiry_ids):
        publish_after_commit(session, enquiry_channel(enquiry_id), {"type": "enquiry", "id": enquiry_id})
    return changed
