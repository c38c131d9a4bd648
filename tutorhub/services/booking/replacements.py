"""The rescheduling workflow after a tutor cancels.

At the moment of the cancellation (in the same transaction) the student is notified and offered
up to `replacement_offer_count` (3) other tutors who teach the same subject, in the same mode
and currency, and are free for the same lesson length at the same time — or, failing that, at
the nearest time within three days either side (ranked: exact time first, then the smallest
shift, then trust score). Offers are not holds: taking one re-checks the replacement tutor's
slot through the guarded booking path and may answer "no longer free" (409).

Money (recorded on the cancelled booking; escrow, services/checkout/escrow.py, moves it):
- while offers are open, `refund_status` is PENDING_REPLACEMENT (100% refund kept aside);
- the student takes one → TRANSFERRED: the original payment pays for the new booking, which is
  marked paid at once (CONFIRMED, or REQUESTED if that tutor approves requests);
- the student declines all, or `replacement_offer_hours` (24 h) pass, or no tutor was found →
  DUE: "credited back" automatically (timeouts.py expires offers).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import (
    ActorRole,
    Booking,
    BookingKind,
    BookingStatus,
    OfferStatus,
    RefundStatus,
    ReplacementOffer,
)
from tutorhub.models.tutors import TutorProfile, TutorStatus, TutorSubject
from tutorhub.services.actor import UserOut
from tutorhub.services.booking import policy
from tutorhub.services.booking.access import load_for_view
from tutorhub.services.booking.bookings import bookable_tutor, mark_paid, place_hold
from tutorhub.services.booking.guard import lock_tutors, release_stale_holds
from tutorhub.services.booking.notify import notify_student
from tutorhub.services.booking.states import Actor
from tutorhub.services.booking.views import BookingOut, booking_out, student_zone
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.scheduling.calendar_store import busy_spans, load_calendars
from tutorhub.services.scheduling.engine.slot_engine import slot_starts
from tutorhub.services.scheduling.engine.tzclock import MINUTES_PER_DAY, clock_for, from_minute, render, to_minute
from tutorhub.services.validation import clean_id
from tutorhub.settings import get_settings

SEARCH_DAYS = 3  # look for the nearest free time up to this far either side
MAX_CANDIDATES = 200  # best-trusted candidates examined (keeps the cancellation fast at scale)


class OfferOut(BaseModel):
    id: int
    tutor_id: int
    tutor_name: str
    headline: str
    rating_avg: float
    rating_count: int
    trust_score: int
    start: datetime  # aware UTC
    end: datetime
    student_start: str  # in the student's zone, with offset
    tutor_start: str  # in the replacement tutor's zone
    tutor_timezone: str
    same_time: bool
    status: str
    expires_at: datetime


def _candidates(session: Session, booking: Booking) -> dict[int, str]:
    """Replacement tutors worth examining: {tutor id: zone}."""
    query = (
        select(col(TutorProfile.id), col(TutorProfile.timezone))
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(
            col(TutorProfile.status) == TutorStatus.APPROVED,
            col(User.is_suspended) == False,  # noqa: E712
            col(TutorProfile.id) != booking.tutor_id,
            col(TutorProfile.currency) == booking.currency,
            col(TutorProfile.id).in_(
                select(col(TutorSubject.tutor_id)).where(col(TutorSubject.subject) == booking.subject)
            ),
        )
        .order_by(col(TutorProfile.trust_score).desc(), col(TutorProfile.rating_avg).desc(), col(TutorProfile.id))
        .limit(MAX_CANDIDATES)
    )
    if booking.mode == "home":
        query = query.where(col(TutorProfile.offers_home) == True)  # noqa: E712
    else:
        query = query.where(col(TutorProfile.offers_online) == True)  # noqa: E712
    return {tid: zone for tid, zone in session.exec(query).all() if tid is not None}


def find_replacements(session: Session, booking: Booking, *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """Up to `limit` (tutor id, start minute) pairs, best first (see the module docstring)."""
    zones = _candidates(session, booking)
    if not zones or limit <= 0:
        return []
    target = to_minute(booking.start_at)
    lo, hi = target - SEARCH_DAYS * MINUTES_PER_DAY, target + SEARCH_DAYS * MINUTES_PER_DAY
    pad = 2 * MINUTES_PER_DAY
    calendars = load_calendars(session, list(zones), lo, hi + booking.duration_min, zones=zones)
    busy = busy_spans(session, list(zones), lo - pad, hi + pad)
    ranked: list[tuple[int, int, int]] = []  # (distance, order, tutor) — order keeps trust ranking
    order = {tid: i for i, tid in enumerate(zones)}
    for tid, cal in calendars.items():
        if booking.duration_min not in cal.lesson_lengths:
            continue
        starts = slot_starts(cal, busy.get(tid, []), duration=booking.duration_min, lo=lo,
                             hi=hi + booking.duration_min, now=to_minute(now))
        if starts:
            best = min(starts, key=lambda t: (abs(t - target), t))
            ranked.append((abs(best - target), order[tid], best))
    ranked.sort()
    by_order = {i: tid for tid, i in order.items()}
    return [(by_order[o], start) for _, o, start in ranked[:limit]]


def offer_replacements(session: Session, booking: Booking, *, now: datetime) -> int:
    """Create the offers for a booking the tutor just cancelled and tell the student; returns
    how many were offered (0 → the refund is due at once: credited back)."""
    settings = get_settings()
    found = find_replacements(session, booking, now=now, limit=settings.replacement_offer_count)
    expires = now + timedelta(hours=settings.replacement_offer_hours)
    lines = []
    zone = student_zone(session, booking.student_id)
    for rank, (tutor_id, start) in enumerate(found):
        start_at = from_minute(start)
        session.add(
            ReplacementOffer(
                booking_id=booking.id or 0,
                tutor_id=tutor_id,
                start_at=start_at,
                end_at=start_at + timedelta(minutes=booking.duration_min),
                rank=rank,
                expires_at=min(expires, start_at),
                created_at=now,
            )
        )
        local = render(start, clock_for(zone))
        lines.append(f"{local[:10]} {local[11:16]}")
    booking.refund_status = RefundStatus.PENDING_REPLACEMENT if found else RefundStatus.DUE
    session.add(booking)
    session.flush()
    if found:
        text = (
            f"Your tutor cancelled. We found {len(found)} other tutor(s) for you "
            f"({', '.join(lines)}, {zone}); open the lesson to take one, or you will be credited back in full."
        )
    else:
        text = "Your tutor cancelled. You will be credited back in full."
    notify_student(session, booking, "Your lesson was cancelled by the tutor", text, invite="CANCEL")
    return len(found)


def _offers(session: Session, booking_id: int) -> list[ReplacementOffer]:
    return list(
        session.exec(
            select(ReplacementOffer).where(col(ReplacementOffer.booking_id) == booking_id).order_by(col(ReplacementOffer.rank))
        ).all()
    )


def list_replacement_offers(
    session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None
) -> list[OfferOut]:
    """The replacement offers of a lesson the tutor cancelled (its student only)."""
    booking, party = load_for_view(session, actor, booking_id)
    if party.role != ActorRole.STUDENT:
        raise Forbidden("Only the student of this lesson can see its replacement offers.")
    offers = _offers(session, booking.id or 0)
    if not offers:
        return []
    profiles = {
        p.id: p
        for p in session.exec(
            select(TutorProfile).where(col(TutorProfile.id).in_({o.tutor_id for o in offers}))
        ).all()
    }
    users = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({p.user_id for p in profiles.values()}))).all()
    }
    zone = student_zone(session, booking.student_id)
    out = []
    for offer in offers:
        profile = profiles[offer.tutor_id]
        user = users.get(profile.user_id)
        minute = to_minute(offer.start_at)
        out.append(
            OfferOut(
                id=offer.id or 0,
                tutor_id=offer.tutor_id,
                tutor_name=user.full_name if user else "",
                headline=profile.headline,
                rating_avg=profile.rating_avg,
                rating_count=profile.rating_count,
                trust_score=profile.trust_score,
                start=offer.start_at,
                end=offer.end_at,
                student_start=render(minute, clock_for(zone)),
                tutor_start=render(minute, clock_for(profile.timezone)),
                tutor_timezone=profile.timezone,
                same_time=offer.start_at == booking.start_at,
                status=offer.status,
                expires_at=offer.expires_at,
            )
        )
    return out


def _locked_original(session: Session, actor: UserOut | None, booking_id: Any) -> tuple[Booking, UserOut]:
    booking, party = load_for_view(session, actor, booking_id)
    if party.role != ActorRole.STUDENT:
        raise Forbidden("Only the student of this lesson can choose a replacement.")
    # Serialize choices for one cancelled lesson (two clicks must not make two bookings).
    locked = session.exec(
        select(Booking).where(col(Booking.id) == booking.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if locked.status != BookingStatus.CANCELLED or locked.refund_status != RefundStatus.PENDING_REPLACEMENT:
        raise Conflict("There are no open replacement offers for this lesson.")
    return locked, party.user


def take_replacement_offer(
    session: Session, *, actor: UserOut | None, booking_id: Any, offer_id: Any, now: datetime | None = None
) -> BookingOut:
    """Book the offered tutor in place of the cancelled lesson; the original payment moves to
    the new booking (paid at once). 409 when the offer expired or that time was taken since."""
    now = now or utcnow()
    booking, user = _locked_original(session, actor, booking_id)
    oid = clean_id(offer_id, "Offer not found.")
    offers = _offers(session, booking.id or 0)
    offer = next((o for o in offers if o.id == oid), None)
    if offer is None:
        raise NotFound("Offer not found.")
    if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise Conflict("This offer is no longer open.")
    try:
        profile = bookable_tutor(session, offer.tutor_id)
    except NotFound as exc:
        raise Conflict("This tutor is no longer available.") from exc
    lock_tutors(session, [offer.tutor_id])
    release_stale_holds(session, offer.tutor_id, now)
    quote = policy.Quote(booking.list_price_minor, booking.price_minor, booking.discount_percent, booking.currency)
    try:
        new = place_hold(
            session,
            student_id=booking.student_id,
            profile=profile,
            start_at=offer.start_at,
            duration=booking.duration_min,
            kind=BookingKind.SINGLE,
            subject=booking.subject,
            mode=booking.mode,
            quote=quote,
            now=now,
            replaces_booking_id=booking.id,
        )
    except InvalidInput as exc:  # e.g. the offered time is now inside the tutor's notice
        raise Conflict("This tutor can no longer take the lesson at that time.") from exc
    mark_paid(session, booking=new, payment_ref=f"transfer:{booking.id}", now=now, actor=_student(user))
    for other in offers:
        if other.status == OfferStatus.OPEN:
            other.status = OfferStatus.TAKEN if other.id == offer.id else OfferStatus.DECLINED
            session.add(other)
    offer.taken_booking_id = new.id
    booking.refund_status = RefundStatus.TRANSFERRED
    booking.refund_minor = 0
    session.add_all([offer, booking])
    session.flush()
    return booking_out(session, new, user, now)


def _student(user: UserOut) -> Actor:
    return Actor(user.id, ActorRole.STUDENT)


def decline_replacement_offers(
    session: Session, *, actor: UserOut | None, booking_id: Any, now: datetime | None = None
) -> None:
    """The student wants none of the offers: close them and credit the full price back."""
    booking, _ = _locked_original(session, actor, booking_id)
    _credit_back(session, booking, OfferStatus.DECLINED, now=now or utcnow())


def _credit_back(session: Session, booking: Booking, offer_status: str, *, now: datetime) -> None:
    for offer in _offers(session, booking.id or 0):
        if offer.status == OfferStatus.OPEN:
            offer.status = offer_status
            session.add(offer)
    booking.refund_status = RefundStatus.DUE
    booking.refund_minor = booking.price_minor
    booking.updated_at = now
    session.add(booking)
    session.flush()
    notify_student(session, booking, "Credited back", "No replacement was taken: the full price is credited back.")


def expire_replacement_offers(session: Session, *, now: datetime | None = None) -> int:
    """Job: close offers past their time; lessons left with none are credited back. Returns the
    number of lessons credited back."""
    now = now or utcnow()
    ids = session.exec(
        select(col(ReplacementOffer.booking_id))
        .where(col(ReplacementOffer.status) == OfferStatus.OPEN, col(ReplacementOffer.expires_at) <= now)
        .distinct()
    ).all()
    credited = 0
    for booking_id in ids:
        booking = session.exec(
            select(Booking).where(col(Booking.id) == booking_id).with_for_update().execution_options(populate_existing=True)
        ).one()
        offers = _offers(session, booking_id)
        for offer in offers:
            if offer.status == OfferStatus.OPEN and offer.expires_at <= now:
                offer.status = OfferStatus.EXPIRED
                session.add(offer)
        session.flush()
        still_open = any(o.status == OfferStatus.OPEN for o in offers)
        if booking.refund_status == RefundStatus.PENDING_REPLACEMENT and not still_open:
            _credit_back(session, booking, OfferStatus.EXPIRED, now=now)
            credited += 1
    return credited

