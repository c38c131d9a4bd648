"""Plain data objects describing bookings, and the functions that build them from rows.

Times leave as aware UTC datetimes (`start`, `end`) plus both parties' zones, and — because
every screen needs them — the same instants rendered in each party's zone with their offsets
(`student_start`, `tutor_start`), so the UI can say "17:00 for you · 21:30 for your tutor"
without any arithmetic. `actions` lists what the viewer may do next (buttons to show); the
services still check every action when it arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import inspect
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from tutorhub.integrations.meetings import get_meeting_provider
from tutorhub.models.accounts import Role, StudentProfile, User
from tutorhub.models.bookings import (
    ActorRole,
    Booking,
    BookingEvent,
    BookingStatus,
    OfferStatus,
    RefundStatus,
    ReplacementOffer,
    Review,
)
from tutorhub.models.learning import GuardianBooking
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut
from tutorhub.services.booking.policy import may_reschedule
from tutorhub.services.booking.states import status_label
from tutorhub.services.catalog import subject_label
from tutorhub.services.scheduling.engine.tzclock import clock_for, render, to_minute
from tutorhub.settings import get_settings

START_EARLY = timedelta(minutes=5)  # the tutor may open the lesson this long before its start
_REVIEWABLE = (BookingStatus.COMPLETED, BookingStatus.SETTLED, BookingStatus.DISPUTED)


class BookingOut(BaseModel):
    id: int
    status: str
    status_label: str
    kind: str
    series_id: int | None
    subject: str
    subject_label: str
    mode: str
    start: datetime  # aware UTC
    end: datetime
    duration_min: int
    tutor_id: int  # tutor profile id
    tutor_name: str
    tutor_timezone: str
    tutor_start: str  # ISO 8601 in the tutor's zone, with offset
    student_id: int  # user id
    student_name: str
    student_timezone: str
    student_start: str  # ISO 8601 in the student's zone, with offset
    list_price_minor: int
    price_minor: int
    discount_percent: int
    currency: str
    hold_expires_at: datetime | None
    decision_due_at: datetime | None
    refund_percent: int
    refund_minor: int
    refund_status: str
    cancelled_by: str
    no_show_party: str
    reschedule_count: int
    replaces_booking_id: int | None
    viewer_role: str  # student | tutor | admin: how the viewer relates to this booking
    actions: list[str]
    created_at: datetime
    started_at: datetime | None = None  # when the tutor started the lesson
    ended_at: datetime | None = None  # when it was ended (by its tutor, or completed by the job)
    actual_minutes: int | None = None  # how long it ran when its tutor ended it (evidence in a dispute)


class EventOut(BaseModel):
    action: str
    from_status: str
    to_status: str
    actor_role: str
    actor_name: str
    reason: str
    at: datetime


class ReviewOut(BaseModel):
    id: int
    booking_id: int
    tutor_id: int
    student_name: str
    rating: int
    comment: str
    reply: str
    replied_at: datetime | None
    created_at: datetime


class BookingDetail(BookingOut):
    events: list[EventOut]
    notes: str
    notes_updated_at: datetime | None
    meeting_url: str | None  # only for the two parties, while the lesson is confirmed or running
    review: ReviewOut | None
    open_offers: int  # replacement offers the student can still take
    booked_by: str = ""  # the guardian who booked the lesson for the student and pays for it


class BookingPage(BaseModel):
    items: list[BookingOut]
    total: int
    page: int
    per_page: int
    pages: int


def student_zone(session: Session, user_id: int) -> str:
    """A student's zone: their profile's (kept in sync with the account), else the account's."""
    zone = session.exec(select(col(StudentProfile.timezone)).where(col(StudentProfile.user_id) == user_id)).first()
    if zone:
        return zone
    user = session.get(User, user_id)
    return user.timezone if user else "UTC"


def actions_for(booking: Booking, role: str, now: datetime, *, reviewed: bool, replied: bool) -> list[str]:
    """What `role` may do with the booking at `now` (the services enforce the same rules)."""
    s = booking.status
    out: list[str] = []
    started = now >= booking.start_at
    if role == ActorRole.STUDENT:
        if s == BookingStatus.PENDING_PAYMENT:
            out += ["confirm", "cancel"]
        if s in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED) and not started:
            out.append("cancel")
            if may_reschedule(booking.start_at, booking.reschedule_count, now) is None:
                out.append("reschedule")
        if s == BookingStatus.CONFIRMED and started:
            out.append("no_show")
        if s in (BookingStatus.COMPLETED, BookingStatus.SETTLED) and not reviewed:
            out.append("review")
        if s in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW) and booking.settle_after and now < booking.settle_after:
            if s == BookingStatus.COMPLETED or booking.no_show_party == ActorRole.STUDENT:
                out.append("dispute")
        if s == BookingStatus.CANCELLED and booking.refund_status == RefundStatus.PENDING_REPLACEMENT:
            out.append("replacements")
    elif role == ActorRole.TUTOR:
        if s == BookingStatus.REQUESTED and not started:
            out += ["accept", "decline"]
        if s == BookingStatus.CONFIRMED:
            if not started:
                out.append("cancel")
                if may_reschedule(booking.start_at, booking.reschedule_count, now) is None:
                    out.append("reschedule")
            if booking.start_at - START_EARLY <= now < booking.end_at:
                out.append("start")
            if started:
                out.append("no_show")
        if s == BookingStatus.IN_PROGRESS:
            out += ["complete", "no_show"]
        if s == BookingStatus.NO_SHOW and booking.no_show_party == ActorRole.TUTOR:
            if booking.settle_after and now < booking.settle_after:
                out.append("dispute")
        if reviewed and not replied:
            out.append("reply")
    if role in (ActorRole.STUDENT, ActorRole.TUTOR) and s not in BookingStatus.RELEASED:
        out.append("notes")
    return out


def _parties(session: Session, bookings: Sequence[Booking]) -> tuple[dict[int, User], dict[int, TutorProfile], dict[int, str]]:
    """Tutor profiles, users (students and tutors) and students' zones: two queries at most.

    Profiles this session already holds are taken from its identity map (a write path has just
    read the tutor's): a query would hand back those same objects unchanged."""
    tutor_ids = {b.tutor_id for b in bookings}
    profiles: dict[int, TutorProfile] = {}
    for tid in tutor_ids:
        held = session.identity_map.get(identity_key(TutorProfile, tid))
        if isinstance(held, TutorProfile):
            state = inspect(held)
            if not state.expired_attributes and not (state.deleted or state.was_deleted):
                profiles[tid] = held
    missing = tutor_ids - profiles.keys()
    if missing:
        profiles.update({
            p.id: p for p in session.exec(select(TutorProfile).where(col(TutorProfile.id).in_(missing))).all() if p.id
        })
    user_ids = {b.student_id for b in bookings} | {p.user_id for p in profiles.values()}
    users: dict[int, User] = {}
    zones: dict[int, str] = {}
    for user, zone in session.exec(
        select(User, col(StudentProfile.timezone))
        .outerjoin(StudentProfile, col(StudentProfile.user_id) == col(User.id))
        .where(col(User.id).in_(user_ids))
    ).all():
        users[user.id or 0] = user
        if zone:
            zones[user.id or 0] = zone
    return users, profiles, zones


def bookings_out(
    session: Session, bookings: Sequence[Booking], *, viewer_id: int, viewer_is_admin: bool, now: datetime
) -> list[BookingOut]:
    """BookingOut for each row (a handful of queries whatever the count)."""
    if not bookings:
        return []
    users, profiles, zones = _parties(session, bookings)
    # Only lessons that can have been reviewed are looked up (saves a query on every new booking).
    ids = [b.id for b in bookings if b.id is not None and b.status in _REVIEWABLE]
    reviews = {} if not ids else {
        booking_id: reply
        for booking_id, reply in session.exec(
            select(col(Review.booking_id), col(Review.reply)).where(col(Review.booking_id).in_(ids))
        ).all()
    }
    out = []
    for b in bookings:
        profile = profiles.get(b.tutor_id)
        tutor_user = users.get(profile.user_id) if profile else None
        student = users.get(b.student_id)
        tutor_zone = profile.timezone if profile else "UTC"
        s_zone = zones.get(b.student_id) or (student.timezone if student else "UTC")
        if b.student_id == viewer_id:
            role = ActorRole.STUDENT
        elif profile is not None and profile.user_id == viewer_id:
            role = ActorRole.TUTOR
        else:
            role = ActorRole.ADMIN if viewer_is_admin else ""
        minute = to_minute(b.start_at)
        out.append(
            BookingOut(
                id=b.id or 0,
                status=b.status,
                status_label=status_label(b.status),
                kind=b.kind,
                series_id=b.series_id,
                subject=b.subject,
                subject_label=subject_label(b.subject) if b.subject else "",
                mode=b.mode,
                start=b.start_at,
                end=b.end_at,
                duration_min=b.duration_min,
                tutor_id=b.tutor_id,
                tutor_name=tutor_user.full_name if tutor_user else "",
                tutor_timezone=tutor_zone,
                tutor_start=render(minute, clock_for(tutor_zone)),
                student_id=b.student_id,
                student_name=student.full_name if student else "",
                student_timezone=s_zone,
                student_start=render(minute, clock_for(s_zone)),
                list_price_minor=b.list_price_minor,
                price_minor=b.price_minor,
                discount_percent=b.discount_percent,
                currency=b.currency,
                hold_expires_at=b.hold_expires_at,
                decision_due_at=b.decision_due_at,
                refund_percent=b.refund_percent,
                refund_minor=b.refund_minor,
                refund_status=b.refund_status,
                cancelled_by=b.cancelled_by,
                no_show_party=b.no_show_party,
                reschedule_count=b.reschedule_count,
                replaces_booking_id=b.replaces_booking_id,
                viewer_role=role,
                actions=actions_for(b, role, now, reviewed=b.id in reviews, replied=bool(reviews.get(b.id or 0))),
                created_at=b.created_at,
                started_at=b.started_at,
                ended_at=b.ended_at,
                actual_minutes=b.actual_minutes,
            )
        )
    return out


def booking_out(session: Session, booking: Booking, viewer: UserOut, now: datetime) -> BookingOut:
    """One booking as `viewer` sees it: what every use case returns after changing a booking."""
    return bookings_out(session, [booking], viewer_id=viewer.id, viewer_is_admin=viewer.role == Role.ADMIN, now=now)[0]


def review_out(review: Review, student_name: str) -> ReviewOut:
    return ReviewOut(
        id=review.id or 0,
        booking_id=review.booking_id,
        tutor_id=review.tutor_id,
        student_name=student_name,
        rating=review.rating,
        comment=review.comment,
        reply=review.reply,
        replied_at=review.replied_at,
        created_at=review.created_at,
    )


def booking_detail(
    session: Session, booking: Booking, *, viewer_id: int, viewer_is_admin: bool, now: datetime
) -> BookingDetail:
    """Everything the lesson page shows: the booking, its history, notes, link and review."""
    base = bookings_out(session, [booking], viewer_id=viewer_id, viewer_is_admin=viewer_is_admin, now=now)[0]
    events = session.exec(
        select(BookingEvent).where(col(BookingEvent.booking_id) == booking.id).order_by(col(BookingEvent.id))
    ).all()
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {
        uid: name
        for uid, name in session.exec(select(col(User.id), col(User.full_name)).where(col(User.id).in_(actor_ids))).all()
    }
    review = session.exec(select(Review).where(col(Review.booking_id) == booking.id)).first()
    open_offers = len(
        session.exec(
            select(col(ReplacementOffer.id)).where(
                col(ReplacementOffer.booking_id) == booking.id, col(ReplacementOffer.status) == OfferStatus.OPEN
            )
        ).all()
    )
    party = base.viewer_role in (ActorRole.STUDENT, ActorRole.TUTOR)
    live = booking.status in (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
    return BookingDetail(
        **base.model_dump(),
        events=[
            EventOut(
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                actor_role=e.actor_role,
                actor_name=names.get(e.actor_id, "") if e.actor_id is not None else "TutorHub",
                reason=e.reason,
                at=e.created_at,
            )
            for e in events
        ],
        notes=booking.notes if party or viewer_is_admin else "",
        notes_updated_at=booking.notes_updated_at,
        meeting_url=get_meeting_provider().room_url(booking.room_key) if party and live else None,
        review=review_out(review, base.student_name) if review else None,
        open_offers=open_offers if base.viewer_role == ActorRole.STUDENT else 0,
        booked_by=_guardian_name(session, booking),
    )


def _guardian_name(session: Session, booking: Booking) -> str:
    """Who booked this lesson for the student, if a guardian did: the parties see it on the lesson page."""
    name = session.exec(select(col(User.full_name)).join(GuardianBooking, col(GuardianBooking.guardian_id) == col(User.id))
                        .where(col(GuardianBooking.booking_id) == booking.id)).first()
    return name or ""


def default_per_page() -> int:
    return get_settings().page_size
