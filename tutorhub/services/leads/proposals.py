"""Lesson proposals: a tutor who claimed an enquiry proposes a time; the student accepts it and gets
the normal hold (PENDING_PAYMENT, then the usual pay → escrow → CONFIRMED path).

- Proposing checks the time against the tutor's calendar through the booking guard (rules, notice,
  free time) so a proposal is bookable when made; the engine's best times inside the student's
  windows are offered by `proposal_times`. The price defaults to the tutor's rate for the mode and
  length; the tutor may offer less or more (the student sees it before accepting).
- The proposal is posted into the pair's conversation too, so the student sees it in the chat.
- Accepting takes the slot through `booking.bookings.place_hold` (the one guarded path); the enquiry
  stays MATCHED until that lesson is confirmed (paid), then it is CLOSED and the other proposals are
  withdrawn; if the hold expires or is cancelled unpaid the proposal LAPSED and the enquiry is
  answerable again (held.py, settlement.py). One accepted lesson waits for payment at a time. A
  time taken meanwhile is 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import BookingKind
from tutorhub.models.leads import EnquiryProposal, EnquiryStatus, ProposalStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking import policy
from tutorhub.services.booking.bookings import bookable_tutor, lesson_mode, lesson_subject, place_hold
from tutorhub.services.booking.guard import check_slot
from tutorhub.services.booking.hold_limits import check_unpaid_holds, hold_attempt
from tutorhub.services.currency import format_money
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.leads.enquiries import own_enquiry
from tutorhub.services.leads.held import PENDING, outcomes
from tutorhub.services.leads.inbox import active_tutor, claim_of, matched_lead
from tutorhub.services.leads.outputs import enquiry_channel
from tutorhub.services.leads.settlement import settle_enquiry
from tutorhub.services.leads.views import AcceptOut, ProposalCreated
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.conversations import access
from tutorhub.services.messaging.messages import insert_message
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.services.scheduling.slots import BestTimes, best_times
from tutorhub.services.timefmt import format_local
from tutorhub.services.validation import clean_id, clean_int, fail_fields

MAX_OPEN_PROPOSALS = 5  # per tutor and enquiry


def proposal_times(session: Session, *, actor: UserOut | None, enquiry_id: Any, now: datetime | None = None) -> BestTimes:
    """The engine's best starts with this tutor inside the student's windows (rendered in the
    student's zone, with the tutor's own time beside it). Empty when the student gave no windows."""
    profile = active_tutor(session, actor)
    enquiry, _ = matched_lead(session, profile, enquiry_id)
    rows = [{"weekday": w, "start": f"{s // 60:02d}:{s % 60:02d}", "end": f"{e // 60:02d}:{e % 60:02d}"}
            for w, s, e in enquiry.windows]
    if not rows:
        rows = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
    try:
        return best_times(session, tutor_id=profile.id, tz=enquiry.timezone, duration=enquiry.duration_min, windows=rows,
                          limit=6, viewer=actor, now=now)
    except InvalidInput:  # the tutor does not offer this lesson length: fall back to their default
        return best_times(session, tutor_id=profile.id, tz=enquiry.timezone, windows=rows, limit=6, viewer=actor,
                          now=now)


def propose_lesson(session: Session, *, actor: UserOut | None, enquiry_id: Any, start: Any, duration_min: Any = None,
                   price_minor: Any = None, now: datetime | None = None) -> ProposalCreated:
    """A tutor who claimed the enquiry proposes a lesson time (and optionally a price).

    404 not in the inbox; 409 not claimed by this tutor, enquiry ended, time not free, or too many
    open proposals; 422 invalid time / length / price or against the tutor's rules."""
    profile = active_tutor(session, actor)
    now = now or utcnow()
    assert profile.id is not None
    enquiry, _ = matched_lead(session, profile, enquiry_id)
    assert enquiry.id is not None
    claim = claim_of(session, enquiry.id, profile.id)
    if claim is None:
        raise Conflict("Claim this enquiry before proposing a lesson.")
    settle_enquiry(session, enquiry, now=now)
    if enquiry.status not in EnquiryStatus.LIVE or enquiry.expires_at <= now:
        raise Conflict("This enquiry has ended.")
    errors: dict[str, str] = {}
    start_at = duration = price = None
    try:
        start_at = parse_instant(start, "start")
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        duration = enquiry.duration_min if duration_min in (None, "") else clean_int(
            duration_min, "duration_min", minimum=15, maximum=240)
    except InvalidInput as exc:
        errors.update(exc.fields)
    mode, rate = lesson_mode(profile, enquiry.mode) if enquiry.mode in ("online", "home") else ("online", 0)
    try:
        price = None if price_minor in (None, "") else clean_int(price_minor, "price_minor", minimum=0,
                                                                  maximum=10**9)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise fail_fields(errors)
    assert start_at is not None and duration is not None
    if start_at <= now:
        raise fail_fields({"start": "must be in the future"})
    open_count = len(session.exec(select(col(EnquiryProposal.id)).where(
        col(EnquiryProposal.enquiry_id) == enquiry.id, col(EnquiryProposal.tutor_id) == profile.id,
        col(EnquiryProposal.status) == ProposalStatus.OFFERED)).all())
    if open_count >= MAX_OPEN_PROPOSALS:
        raise Conflict(f"You already have {MAX_OPEN_PROPOSALS} open proposals on this enquiry.")
    check_slot(session, tutor_id=profile.id, zone=profile.timezone, start_at=start_at, duration=duration, now=now)
    amount = policy.lesson_price(rate, duration) if price is None else price
    row = EnquiryProposal(enquiry_id=enquiry.id, tutor_id=profile.id, start_at=start_at, duration_min=duration,
                          price_minor=amount, currency=profile.currency, created_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    when = format_local(start_at.isoformat(), enquiry.timezone)
    got = access(session, actor, claim.conversation_id)
    insert_message(session, got, f"Lesson proposal: {when}, {duration} min, {format_money(amount, profile.currency)} "
                                 f"({mode}). Accept it on your enquiries page: /enquiries", now)
    notify(session, user_id=enquiry.student_id, kind="lead", title="A tutor proposed a lesson time",
           body=f"{when}, {duration} min", link="/enquiries", now=now)
    publish_after_commit(session, enquiry_channel(enquiry.id), {"type": "enquiry", "id": enquiry.id})
    publish_after_commit(session, user_channel(enquiry.student_id), {"type": "enquiry", "id": enquiry.id})
    return ProposalCreated(id=row.id, enquiry_id=enquiry.id, start=start_at, duration_min=duration, price_minor=amount,
                           currency=profile.currency)


def accept_proposal(session: Session, *, actor: UserOut | None, enquiry_id: Any, proposal_id: Any,
                    now: datetime | None = None) -> AcceptOut:
    """The student accepts a proposal: a PENDING_PAYMENT hold at the proposed time and price (pay it
    like any lesson). The enquiry closes once that lesson is confirmed, not here (module docstring).
    404 not theirs; 409 ended, already decided, another accepted lesson still waiting for payment,
    or time taken."""
    user = require_role(actor, Role.STUDENT)
    now = now or utcnow()
    enquiry = own_enquiry(session, user, enquiry_id)
    pid = clean_id(proposal_id, "Proposal not found.")
    proposal = session.get(EnquiryProposal, pid)
    if proposal is None or proposal.enquiry_id != enquiry.id:
        raise NotFound("Proposal not found.")
    assert enquiry.id is not None
    settle_enquiry(session, enquiry, now=now)
    session.refresh(proposal)
    if proposal.status != ProposalStatus.OFFERED or enquiry.status not in EnquiryStatus.LIVE:
        raise Conflict("This proposal is no longer open.")
    with hold_attempt(session, student_id=user.id, kind=BookingKind.SINGLE, now=now):
        # Under the student's lock (hold_attempt): a concurrent second accept sees the first one.
        session.refresh(proposal)
        if proposal.status != ProposalStatus.OFFERED:
            raise Conflict("This proposal is no longer open.")
        if any(h.outcome == PENDING for h in outcomes(session, [enquiry.id])):
            raise Conflict("You already accepted a lesson time for this enquiry: pay for that lesson, "
                           "or wait until its hold lapses.")
        check_unpaid_holds(session, user.id, now)
        profile = bookable_tutor(session, proposal.tutor_id)
        mode = enquiry.mode if enquiry.mode in ("online", "home") else "online"
        try:
            subject: str | None = lesson_subject(session, profile, enquiry.subject)
        except InvalidInput:
            subject = None
        quote = policy.Quote(list_price_minor=proposal.price_minor, price_minor=proposal.price_minor,
                             discount_percent=0, currency=proposal.currency)
        booking = place_hold(session, student_id=user.id, profile=profile, start_at=proposal.start_at,
                             duration=proposal.duration_min, kind=BookingKind.SINGLE, subject=subject, mode=mode,
                             quote=quote, now=now)
    assert booking.id is not None and enquiry.id is not None
    proposal.status = ProposalStatus.ACCEPTED
    proposal.booking_id = booking.id
    session.add(proposal)
    session.flush()
    notify(session, user_id=profile.user_id, kind="lead", title="Your lesson proposal was accepted",
           body=f"{format_local(proposal.start_at.isoformat(), profile.timezone)}, waiting for the student's payment",
           link=f"/lessons/{booking.id}", now=now)
    publish_after_commit(session, user_channel(profile.user_id), {"type": "lead", "id": enquiry.id})
    publish_after_commit(session, enquiry_channel(enquiry.id), {"type": "enquiry", "id": enquiry.id})
    publish_after_commit(session, user_channel(enquiry.student_id), {"type": "enquiry", "id": enquiry.id})
    return AcceptOut(booking_id=booking.id, status=booking.status, enquiry_id=enquiry.id,
                     hold_expires_at=booking.hold_expires_at)
