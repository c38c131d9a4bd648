"""Claiming a lead: one lead credit opens the conversation with the student.

The rules, and how they hold under concurrent claims on both databases:
- Only a tutor whose inbox holds the enquiry may claim it (else 404).
- A repeat claim by the same tutor costs nothing and answers the same conversation: the claim row
  is inserted first with ON CONFLICT DO NOTHING on UNIQUE(enquiry_id, tutor_id); a concurrent
  double click waits on that unique key and then finds the first claim.
- At most `claim_cap` tutors (lead_settings.py, default 3): a conditional
  `UPDATE enquiries SET claim_count = claim_count + 1 … WHERE claim_count < cap AND status IN
  (OPEN, MATCHED) AND expires_at > now` takes a seat; PostgreSQL re-checks the condition after
  waiting for the row lock, SQLite write transactions are serialized (BEGIN IMMEDIATE). No seat →
  409 and the whole transaction (claim row, conversation) rolls back.
- The credit is spent last (billing/lead_credits.py, idempotent per enquiry, the tutor's ledger
  account locked): no credit → 402 and nothing of the claim is kept; a refused claim never costs.
- The first claim moves the enquiry OPEN → MATCHED. It stays claimable (up to the cap) until the lesson
  held from an accepted proposal is confirmed (held.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from tutorhub.db import rows_matched, upsert_insert
from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.base import utcnow
from tutorhub.models.leads import Enquiry, EnquiryClaim, EnquiryStatus
from tutorhub.services.actor import UserOut
from tutorhub.services.billing.lead_credits import lead_balance, spend_lead_credit
from tutorhub.services.catalog import subject_label
from tutorhub.services.errors import Conflict
from tutorhub.services.leads.inbox import active_tutor, claim_of, matched_lead
from tutorhub.services.leads.lead_settings import claim_cap
from tutorhub.services.leads.outputs import enquiry_channel
from tutorhub.services.leads.settlement import settle_enquiry
from tutorhub.services.leads.views import ClaimOut
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.conversations import ensure_pair_conversation
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.tutors.stats import refresh_tutor_stats


def _ended(enquiry: Enquiry, now: datetime) -> Conflict | None:
    if enquiry.status == EnquiryStatus.CLOSED:
        return Conflict("The student has closed this enquiry.")
    if enquiry.status == EnquiryStatus.EXPIRED or enquiry.expires_at <= now:
        return Conflict("This enquiry has expired.")
    return None


def claim_lead(session: Session, *, actor: UserOut | None, enquiry_id: Any, now: datetime | None = None) -> ClaimOut:
    """Claim an enquiry from the inbox for 1 lead credit (see the module docstring).

    404 not in this tutor's inbox; 409 full, closed or expired; 402 no lead credits."""
    profile = active_tutor(session, actor)
    now = now or utcnow()
    assert profile.id is not None
    enquiry, match = matched_lead(session, profile, enquiry_id)
    assert enquiry.id is not None
    existing = claim_of(session, enquiry.id, profile.id)
    if existing is not None:
        return ClaimOut(enquiry_id=enquiry.id, conversation_id=existing.conversation_id,
                        lead_credits_left=lead_balance(session, profile.user_id), charged=False)
    settle_enquiry(session, enquiry, now=now)  # its lesson was paid meanwhile: closed, not claimable
    ended = _ended(enquiry, now)
    if ended is not None:
        raise ended
    conversation_id = ensure_pair_conversation(session, student_id=enquiry.student_id, tutor_user_id=profile.user_id,
                                               now=now)
    insert = upsert_insert(session)
    minutes = max(0, int((now - match.created_at).total_seconds() // 60))
    # RETURNING, not rowcount: an ORM-table insert's rowcount is not reliable across drivers.
    inserted = session.execute(
        insert(EnquiryClaim).values(enquiry_id=enquiry.id, tutor_id=profile.id, conversation_id=conversation_id,
                                    response_minutes=minutes, created_at=now)
        .on_conflict_do_nothing(index_elements=["enquiry_id", "tutor_id"])
        .returning(col(EnquiryClaim.id))).first()
    if inserted is None:  # a concurrent claim of ours committed first (double click): free, same thread
        first = claim_of(session, enquiry.id, profile.id)
        assert first is not None
        return ClaimOut(enquiry_id=enquiry.id, conversation_id=first.conversation_id,
                        lead_credits_left=lead_balance(session, profile.user_id), charged=False)
    cap = claim_cap(session)
    seated = rows_matched(session.execute(
        update(Enquiry)
        .where(col(Enquiry.id) == enquiry.id, col(Enquiry.status).in_(EnquiryStatus.LIVE),
               col(Enquiry.expires_at) > now, col(Enquiry.claim_count) < cap)
        .values(claim_count=col(Enquiry.claim_count) + 1, status=EnquiryStatus.MATCHED, updated_at=now)))
    if not seated:
        session.refresh(enquiry)
        raise _ended(enquiry, now) or Conflict(f"This enquiry already has its {cap} tutors.")
    left = spend_lead_credit(session, tutor_user_id=profile.user_id, ref=f"enquiry:{enquiry.id}", now=now)
    refresh_tutor_stats(session, profile.id, now=now)  # the claim is an answer: response time moves
    notify(session, user_id=enquiry.student_id, kind="lead",
           title=f"A tutor answered your {subject_label(enquiry.subject)} enquiry",
           body="They can now message you and propose a lesson.", link="/enquiries", now=now)
    publish_after_commit(session, enquiry_channel(enquiry.id), {"type": "enquiry", "id": enquiry.id})
    publish_after_commit(session, user_channel(enquiry.student_id), {"type": "enquiry", "id": enquiry.id})
    return ClaimOut(enquiry_id=enquiry.id, conversation_id=conversation_id, lead_credits_left=left, charged=True)
