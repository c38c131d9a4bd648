"""Bookings: holds, series, "my lessons", the lesson's actions, reviews, replacement offers.

Each route parses the body, calls one service inside a unit of work, and returns its plain data;
the services decide who may do what: a stranger to a booking gets 404 (ids cannot be probed),
the other party 403, an illegal state change 409 with the reason, invalid input 422. A booking
id that is not a number is simply not found. Times in bodies are ISO 8601 with an offset;
times in answers are UTC (`start`, `end`) plus each party's local rendering.

Paying held lessons is one use case (services/checkout/lesson_payments.py): `POST
/bookings/{id}/confirm` and `POST /bookings/series/{id}/confirm` pay from the wallet (the series
also with credits and a promo code) and answer with the bookings; `POST /bookings/{id}/pay` (money
routes) also starts a card checkout.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import (
    DATE_TIME,
    DATE_TIME_OR_BLANK,
    PROMO_CODE,
    SUBJECT_OR_BLANK,
    ErrorOut,
    StrictIn,
    error_responses,
    one_of,
    query,
    ranged,
    required,
    rule,
    text_rule,
    timezone,
)
from tutorhub.db import session_scope
from tutorhub.models.bookings import BookingStatus
from tutorhub.services.booking import bookings, replacements
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking import queries as booking_queries
from tutorhub.services.booking import series as booking_series
from tutorhub.services.booking.replacements import OfferOut
from tutorhub.services.booking.series import SeriesOut, SeriesPreview
from tutorhub.services.booking.views import BookingDetail, BookingOut, BookingPage, ReviewOut
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.learning import lessons, reviews

router = APIRouter(prefix="/api/v1", tags=["bookings"])

_ACT = error_responses(401, 403, 404, 409, 422, e403="The other party's action", e404="No such lesson (or not yours)",
                       e409="Not allowed in the lesson's current status (the reason is in `detail`)")
_CREATE = error_responses(401, 403, 404, 409, 422, e403="Not a student", e404="No bookable tutor with this id",
                          e409="The time is not free", e422="Outside the tutor's hours, notice, window or lengths")
_HOLD = {**_CREATE, **error_responses(
    409, 429, e409="The time is not free, or you already hold 3 lessons awaiting payment (`unpaid_holds`)",
    e429="More than 20 hold attempts in an hour; retry after the Retry-After header's seconds")}


class BookingIn(StrictIn):
    tutor_id: int
    start: str = required(**DATE_TIME)
    duration_min: int = required(minimum=1, maximum=24 * 60)
    kind: Literal["single", "trial", ""] = "single"
    subject: str | None = rule(**SUBJECT_OR_BLANK, description="one the tutor teaches; blank: their first")
    mode: str | None = rule(**one_of(["online", "home"], optional=True, blank=True))


class SeriesIn(StrictIn):
    tutor_id: int
    start: str = required(**DATE_TIME)
    duration_min: int = required(minimum=1, maximum=24 * 60)
    count: int = required(minimum=1, maximum=booking_series.MAX_OCCURRENCES)
    timezone: str | None = rule(**timezone(optional=True, blank=True), description="zone the weekly time is kept in; default the tutor's")
    skip_conflicts: bool = False
    subject: str | None = rule(**SUBJECT_OR_BLANK, description="one the tutor teaches; blank: their first")


class ReasonIn(StrictIn):
    reason: str | None = rule(**text_rule(500))


class DisputeIn(StrictIn):
    reason: str = required(**text_rule(500, required=True))


class RescheduleIn(StrictIn):
    start: str = required(**DATE_TIME)


class ReviewIn(StrictIn):
    rating: int = required(minimum=1, maximum=5)
    comment: str | None = rule(**text_rule(reviews.MAX_COMMENT, multiline=True))


class ReplyIn(StrictIn):
    reply: str = required(**text_rule(reviews.MAX_COMMENT, required=True, multiline=True))


class NotesIn(StrictIn):
    notes: str = required(**text_rule(lessons.MAX_NOTES, multiline=True))


class OkOut(BaseModel):
    detail: str


OptionalReason = Annotated[ReasonIn | None, Body()]
_STATUS = f"({'|'.join(BookingStatus.ALL)})"
_STATUSES = f"^({_STATUS}(,{_STATUS})*)?$"


@router.post("/bookings", response_model=BookingOut, status_code=201, responses=_HOLD)
def create_booking(user: CurrentUser, data: BookingIn) -> BookingOut:
    """Hold a slot: `{"tutor_id", "start", "duration_min", "kind": "single"|"trial"}` → 201
    PENDING_PAYMENT for 15 minutes. Confirm it with `POST /bookings/{id}/confirm`. At most 3 unpaid
    holds at a time (409) and 20 hold attempts an hour (429 + Retry-After)."""
    with session_scope() as session:
        return bookings.create_booking(
            session, actor=user, tutor_id=data.tutor_id, start=data.start, duration_min=data.duration_min,
            kind=data.kind, subject=data.subject, mode=data.mode,
        )


@router.post("/bookings/series/preview", response_model=SeriesPreview, responses=_CREATE)
def preview_series(user: CurrentUser, data: SeriesIn) -> SeriesPreview:
    """Which weekly occurrences are free, with up to 3 alternatives for each conflict (no writes)."""
    with session_scope(read_only=True) as session:
        return booking_series.preview_series(
            session, actor=user, tutor_id=data.tutor_id, start=data.start, duration_min=data.duration_min,
            count=data.count, timezone=data.timezone,
        )


@router.post("/bookings/series", response_model=SeriesOut, status_code=201,
             responses={**error_responses(401, 403, 404, 409, 422, e409="Some occurrences conflict: `conflicts` lists "
                                        "them with `alternatives` (nothing was booked)"),
                        402: {"model": ErrorOut, "description": "The wallet or credits do not cover every lesson "
                              "(`missing_minor` in `currency` to top up)"},
                        **error_responses(429, e429=_HOLD[429]["description"])})
def create_series(user: CurrentUser, data: SeriesIn) -> SeriesOut:
    """Hold a weekly series `{"tutor_id","start","duration_min","count"}` (count ≤ 52) at the same
    local time each week → 201 with the occurrences; 409 `{"detail","conflicts","occurrences"}`
    when any occurrence is not free (or, with `skip_conflicts`, when none is); 402 unless the wallet
    (in the tutor's currency) or the credits cover every lesson — a series is paid with them."""
    with session_scope() as session:
        return booking_series.create_series(
            session, actor=user, tutor_id=data.tutor_id, start=data.start, duration_min=data.duration_min,
            count=data.count, timezone=data.timezone, skip_conflicts=data.skip_conflicts, subject=data.subject,
        )


_SERIES_PAY = {**_ACT, 402: {"model": ErrorOut, "description": "The wallet or credits do not cover every held lesson"}}


class SeriesPayIn(StrictIn):
    method: Literal["wallet", "credits"] = "wallet"
    promo_code: str | None = rule(**PROMO_CODE, description="discounts the earliest lesson")


@router.post("/bookings/series/{series_id}/confirm", response_model=list[BookingOut], responses=_SERIES_PAY)
def confirm_series(user: CurrentUser, series_id: str, data: SeriesPayIn | None = None) -> list[BookingOut]:
    """Confirm (pay for) every held occurrence of your series — from the wallet by default, or
    `{"method": "credits"}`; an optional `"promo_code"` discounts the earliest lesson. All or
    nothing: 402 when the wallet or credits do not cover every lesson."""
    body = data or SeriesPayIn()
    with session_scope() as session:
        return lesson_payments.confirm_series(session, actor=user, series_id=series_id, method=body.method,
                                              promo_code=body.promo_code)


@router.get("/bookings", response_model=BookingPage, responses=error_responses(401, 403, 422))
def list_bookings(
    user: CurrentUser,
    role: Annotated[str | None, query(**one_of(["student", "tutor"], blank=True), description="default your role")] = None,
    status: Annotated[str | None, query(pattern=_STATUSES, description="comma-separated statuses")] = None,
    start_from: Annotated[str | None, Query(alias="from", description="lessons starting at or after",
                                            json_schema_extra=DATE_TIME_OR_BLANK)] = None,
    start_to: Annotated[str | None, Query(alias="to", description="lessons starting before",
                                          json_schema_extra=DATE_TIME_OR_BLANK)] = None,
    when: Annotated[str | None, query(**one_of(["upcoming", "past"], blank=True))] = None,
    page: Annotated[int | None, ranged(1, 100_000)] = None,
    per_page: Annotated[int | None, ranged(1, booking_queries.MAX_PER_PAGE)] = None,
) -> BookingPage:
    """Your lessons (only yours), with both parties' local times."""
    with session_scope(read_only=True) as session:
        return booking_queries.list_bookings(
            session, actor=user, role=role, status=status, start=start_from, end=start_to, when=when, page=page,
            per_page=per_page,
        )


@router.get("/bookings/{booking_id}", response_model=BookingDetail, responses=_ACT)
def get_booking(user: CurrentUser, booking_id: str) -> BookingDetail:
    """The lesson page: status history, shared notes, meeting link (parties, when confirmed), review."""
    with session_scope(read_only=True) as session:
        return booking_queries.get_booking(session, actor=user, booking_id=booking_id)


@router.post("/bookings/{booking_id}/confirm", response_model=BookingOut, responses=_ACT)
def confirm_booking(user: CurrentUser, booking_id: str) -> BookingOut:
    """The student confirms a held booking by paying it from their wallet (402 when it does not
    cover the price): CONFIRMED with instant booking, otherwise REQUESTED for the tutor to accept
    within 24 h. Card / UPI and credits go through the payments routes."""
    with session_scope() as session:
        return lesson_payments.confirm_booking(session, actor=user, booking_id=booking_id)


@router.post("/bookings/{booking_id}/accept", response_model=BookingOut, responses=_ACT)
def accept_booking(user: CurrentUser, booking_id: str) -> BookingOut:
    """The tutor accepts a request."""
    with session_scope() as session:
        return bookings.accept_booking(session, actor=user, booking_id=booking_id)


@router.post("/bookings/{booking_id}/decline", response_model=BookingOut, responses=_ACT)
def decline_booking(user: CurrentUser, booking_id: str, data: OptionalReason = None) -> BookingOut:
    """The tutor declines a request (`{"reason"}` optional); the student is refunded in full."""
    with session_scope() as session:
        return bookings.decline_booking(session, actor=user, booking_id=booking_id, reason=data.reason if data else "")


@router.post("/bookings/{booking_id}/cancel", response_model=BookingOut, responses=_ACT)
def cancel_booking(user: CurrentUser, booking_id: str, data: OptionalReason = None) -> BookingOut:
    """Cancel (`{"reason"}` optional). Student: 100% ≥24 h before, 50% 12–24 h, 0 <12 h. Tutor:
    100% refund, a reliability strike, and replacement offers for the student."""
    with session_scope() as session:
        return booking_changes.cancel_booking(
            session, actor=user, booking_id=booking_id, reason=data.reason if data else ""
        )


@router.post("/bookings/{booking_id}/reschedule", response_model=BookingOut, responses=_ACT)
def reschedule_booking(user: CurrentUser, booking_id: str, data: RescheduleIn) -> BookingOut:
    """Move the lesson to `{"start"}` — once, at least 12 h before it, into a free slot."""
    with session_scope() as session:
        return booking_changes.reschedule_booking(session, actor=user, booking_id=booking_id, start=data.start)


@router.post("/bookings/{booking_id}/start", response_model=BookingOut, responses=_ACT)
def start_lesson(user: CurrentUser, booking_id: str) -> BookingOut:
    """The tutor starts the lesson (from 5 minutes before its start)."""
    with session_scope() as session:
        return lessons.start_lesson(session, actor=user, booking_id=booking_id)


@router.post("/bookings/{booking_id}/complete", response_model=BookingOut, responses=_ACT)
def complete_lesson(user: CurrentUser, booking_id: str, end_early: bool = False) -> BookingOut:
    """The tutor ends the lesson; the minutes it ran are recorded (`actual_minutes`) and counted.
    Before the scheduled end this is refused (409) unless `end_early=true`: the student is then told
    the lesson ended early."""
    with session_scope() as session:
        return lessons.complete_lesson(session, actor=user, booking_id=booking_id, end_early=end_early)


@router.post("/bookings/{booking_id}/no-show", response_model=BookingOut, responses=_ACT)
def report_no_show(user: CurrentUser, booking_id: str, data: OptionalReason = None) -> BookingOut:
    """Report that the other party did not come (after the start time)."""
    with session_scope() as session:
        return lessons.report_no_show(session, actor=user, booking_id=booking_id, reason=data.reason if data else "")


@router.post("/bookings/{booking_id}/dispute", response_model=BookingOut, responses=_ACT)
def dispute_lesson(user: CurrentUser, booking_id: str, data: DisputeIn) -> BookingOut:
    """Dispute a completed lesson (student) or a no-show report (the reported party) within 48 h."""
    with session_scope() as session:
        return lessons.dispute_lesson(session, actor=user, booking_id=booking_id, reason=data.reason)


@router.put("/bookings/{booking_id}/notes", response_model=BookingDetail, responses=_ACT)
def update_notes(user: CurrentUser, booking_id: str, data: NotesIn) -> BookingDetail:
    """Replace the lesson's shared notes (either party)."""
    with session_scope() as session:
        return lessons.update_notes(session, actor=user, booking_id=booking_id, notes=data.notes)


@router.post("/bookings/{booking_id}/review", response_model=ReviewOut, status_code=201, responses=_ACT)
def add_review(user: CurrentUser, booking_id: str, data: ReviewIn) -> ReviewOut:
    """Rate a completed lesson: `{"rating": 1..5, "comment"}` (once per lesson)."""
    with session_scope() as session:
        return reviews.add_review(session, actor=user, booking_id=booking_id, rating=data.rating, comment=data.comment)


@router.post("/bookings/{booking_id}/review/reply", response_model=ReviewOut, responses=_ACT)
def reply_to_review(user: CurrentUser, booking_id: str, data: ReplyIn) -> ReviewOut:
    """The tutor replies to the lesson's review (once)."""
    with session_scope() as session:
        return reviews.reply_to_review(session, actor=user, booking_id=booking_id, reply=data.reply)


@router.get("/bookings/{booking_id}/replacements", response_model=list[OfferOut], responses=_ACT)
def list_replacements(user: CurrentUser, booking_id: str) -> list[OfferOut]:
    """Replacement tutors offered after your tutor cancelled."""
    with session_scope(read_only=True) as session:
        return replacements.list_replacement_offers(session, actor=user, booking_id=booking_id)


@router.post("/bookings/{booking_id}/replacements/decline", response_model=OkOut, responses=_ACT)
def decline_replacements(user: CurrentUser, booking_id: str) -> OkOut:
    """Take none of the offers: the full price is credited back."""
    with session_scope() as session:
        replacements.decline_replacement_offers(session, actor=user, booking_id=booking_id)
    return OkOut(detail="Credited back.")


@router.post("/bookings/{booking_id}/replacements/{offer_id}/take", response_model=BookingOut, status_code=201,
             responses=_ACT)
def take_replacement(user: CurrentUser, booking_id: str, offer_id: str) -> BookingOut:
    """Book the offered tutor instead; your payment moves to the new lesson."""
    with session_scope() as session:
        return replacements.take_replacement_offer(session, actor=user, booking_id=booking_id, offer_id=offer_id)


@router.get("/tutors/{tutor_id}/reviews", response_model=reviews.ReviewPage,
            responses=error_responses(404, 422, e404="No approved tutor with this id"), tags=["tutors"])
def list_tutor_reviews(
    tutor_id: str,
    page: Annotated[int | None, ranged(1, 100_000)] = None,
    per_page: Annotated[int | None, ranged(1, 50)] = None,
) -> reviews.ReviewPage:
    """A tutor's reviews, newest first (public)."""
    with session_scope(read_only=True) as session:
        return reviews.list_tutor_reviews(session, tutor_id=tutor_id, page=page, per_page=per_page)
