"""Group classes: create (DRAFT), publish (conflict-checked), search, a class's page, enrol, leave, cancel,
attendance.

Each route parses the body, calls one service inside a unit of work and returns its plain data. Times in
answers are UTC instants (`start`, `end`) with the tutor's local rendering beside them. A class that is
a draft is not found by anyone but its tutor; a class id that is not a number is simply not found.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tutorhub.api.deps import CurrentUser, OptionalUser
from tutorhub.api.schemas import (
    LOCAL_DATE_TIME,
    SUBJECT,
    ErrorOut,
    StrictIn,
    currency,
    error_responses,
    grade,
    need,
    one_of,
    query,
    rule,
    text_rule,
    timezone,
)
from tutorhub.db import session_scope
from tutorhub.services.classes import attendance, class_chat, class_reviews, classes, queries, seats
from tutorhub.services.classes.class_reviews import ClassReviewOut, ClassReviewsOut
from tutorhub.services.classes.views import ClassDetail, ClassPage, ClassSessionOut
from tutorhub.services.currency import CURRENCIES

router = APIRouter(prefix="/api/v1", tags=["classes"])


def _ranged(minimum: int, maximum: int) -> Any:
    return Field(json_schema_extra={"minimum": minimum, "maximum": maximum})


_DAY = "(MO|TU|WE|TH|FR|SA|SU)"
# The common form of the rule (services.classes.schedule accepts any RFC 5545 rule that ends, repeats at
# most daily, yields at most 100 sessions within a year and whose sessions do not overlap).
_RRULE = (f"^FREQ=(DAILY;COUNT=([1-9]|[1-9][0-9]|100)|WEEKLY(;BYDAY={_DAY}(,{_DAY}){{0,6}})?"
          ";COUNT=([1-9]|[1-4][0-9]|5[0-2]))$")


class ClassIn(StrictIn):
    """Rules between fields, stated here since JSON Schema cannot: an online class seats at most 8,
    `min_size` is at most `capacity`, and the first session is in the future."""

    title: str = need(**text_rule(120, required=True))
    subject: str = need(**SUBJECT)
    grade: str | None = rule(**grade(optional=True, blank=True), description="blank or absent: any")
    description: str | None = rule(**text_rule(4000, multiline=True))
    mode: str | None = rule(enum=["online", "home", "centre"])
    capacity: Annotated[int, _ranged(2, 30)]  # online classes: at most 8
    min_size: Annotated[int, _ranged(1, 30)] = 1
    price_minor: Annotated[int, _ranged(0, 10**8)]  # per seat, for the whole course of sessions
    currency: str = need(**currency())
    duration_min: int = Field(json_schema_extra={"enum": list(classes.DURATIONS)})
    timezone: str = need(**timezone(), description="IANA zone the rule is kept in")
    rrule: str = need(pattern=_RRULE, examples=["FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8"],
                      description="RFC 5545 recurrence (EXDATE lines for exceptions); the document states the common form")
    first_start_local: str = need(**LOCAL_DATE_TIME, description="local time in `timezone`, in the future")


class CreatedOut(BaseModel):
    id: int
    status: str
    sessions: list[ClassSessionOut]


class StatusOut(BaseModel):
    status: str


class ConflictOut(ErrorOut):
    conflicts: list[dict[str, Any]] | None = None


class EnrolIn(StrictIn):
    method: str = Field(default="wallet", json_schema_extra={"enum": ["wallet", "credits", "gateway"]})


class EnrolOut(BaseModel):
    status: str  # ENROLLED | WAITLISTED; OFFERED (held) with checkout_url for a card / UPI payment
    enrolment_id: int
    checkout_url: str | None = None


class LeaveOut(BaseModel):
    status: str
    refunded_minor: int
    currency: str
    seat_offered_to_next: bool


class CancelIn(StrictIn):
    reason: str | None = None


class AttendanceIn(StrictIn):
    student_id: int
    status: str = Field(json_schema_extra={"enum": ["present", "late", "absent"]})


class AttendanceOut(BaseModel):
    session_id: int
    student_id: int
    status: str


_OWNER = error_responses(401, 403, 404, 409, 422, e403="Not a tutor", e404="No such class (or not yours)")


@router.post("/classes", response_model=CreatedOut, status_code=201,
             responses=error_responses(401, 403, 422, e403="Not an approved tutor",
                                       e422="A bad field or recurrence rule (`fields`)"))
def create_class(user: CurrentUser, data: ClassIn) -> CreatedOut:
    """A DRAFT class whose sessions are the rule expanded in `timezone` from `first_start_local`."""
    with session_scope() as session:
        out = classes.create_class(session, actor=user, data=data.model_dump())
        return CreatedOut(**out.model_dump())


@router.post("/classes/{class_id}/publish", response_model=StatusOut,
             responses={**_OWNER, 409: {"model": ConflictOut, "description": "Sessions clash with lessons, holds, busy "
                                        "time or other classes (`conflicts`), or the class is not a draft"}})
def publish_class(user: CurrentUser, class_id: str) -> StatusOut:
    """DRAFT → PUBLISHED: the sessions take the tutor's time (1:1 slots there disappear)."""
    with session_scope() as session:
        return StatusOut(**classes.publish_class(session, actor=user, class_id=class_id))


@router.get("/classes", response_model=ClassPage, responses=error_responses(422))
def search_classes(
    user: OptionalUser,
    subject: Annotated[str | None, Query(max_length=60)] = None,
    grade: Annotated[str | None, Query(max_length=32)] = None,
    mode: Annotated[Literal["online", "home", "centre"] | None, Query()] = None,
    max_price_minor: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    page: Annotated[int, Query(ge=1, le=99_999)] = 1,
    display_currency: Annotated[str | None, query(**one_of(CURRENCIES, blank=True),
                                                  description="Currency of `max_price_minor` (default USD); every "
                                                  "class's price is converted to compare")] = None,
) -> ClassPage:
    """Published classes open for enrolment, soonest first, 20 a page: `{"items", "total", "page", "pages"}`."""
    with session_scope(read_only=True) as session:
        return queries.search_classes(session, subject=subject, grade=grade, mode=mode,
                                      max_price_minor=max_price_minor, page=page, display_currency=display_currency)


@router.get("/classes/{class_id}", response_model=ClassDetail, responses=error_responses(404))
def get_class(user: OptionalUser, class_id: str) -> ClassDetail:
    """A class with its `sessions`, `seats_left` and the caller's own seat (`my_status`)."""
    with session_scope(read_only=True) as session:
        return queries.get_class(session, viewer=user, class_id=class_id)


@router.post("/classes/{class_id}/enrol", response_model=EnrolOut, status_code=201,
             responses={**error_responses(401, 403, 404, 409, 422, e403="Not a student",
                                          e409="Already enrolled or waitlisted, or the class is not open",
                                          e422="Unknown or unavailable payment method"),
                        402: {"model": ErrorOut, "description": "The wallet or the credits do not cover the seat"}})
def enrol(user: CurrentUser, class_id: str, data: EnrolIn | None = None) -> EnrolOut:
    """Take a seat and pay for it (ENROLLED), or join the waitlist when full (WAITLISTED, nothing charged).
    `gateway`: the seat is held for the returned `checkout_url` and enrolled when the payment arrives."""
    with session_scope() as session:
        out = seats.enrol(session, actor=user, class_id=class_id, method=(data or EnrolIn()).method)
        return EnrolOut(status=out["status"], enrolment_id=out["enrolment_id"], checkout_url=out.get("checkout_url"))


@router.post("/classes/{class_id}/leave", response_model=LeaveOut,
             responses=error_responses(401, 403, 404, 409, e403="Not a student", e409="Not enrolled in this class"))
def leave(user: CurrentUser, class_id: str) -> LeaveOut:
    """Leave the class or its waitlist; sessions a day or more ahead are refunded the way the seat was paid."""
    with session_scope() as session:
        return LeaveOut(**seats.leave(session, actor=user, class_id=class_id))


@router.post("/classes/{class_id}/cancel", response_model=StatusOut, responses=_OWNER)
def cancel_class(user: CurrentUser, class_id: str, data: CancelIn | None = None) -> StatusOut:
    """The tutor calls the class off: every seat is refunded the sessions not yet started."""
    with session_scope() as session:
        return StatusOut(**classes.cancel_class(session, actor=user, class_id=class_id,
                                                reason=(data or CancelIn()).reason))


class SessionCancelOut(BaseModel):
    status: str  # the class's status afterwards
    refunded_seats: int


@router.post("/classes/{class_id}/sessions/{session_id}/cancel", response_model=SessionCancelOut, responses=_OWNER)
def cancel_session(user: CurrentUser, class_id: str, session_id: str) -> SessionCancelOut:
    """The tutor calls off one session not yet started: its time is freed, every seat gets its share back."""
    with session_scope() as session:
        return SessionCancelOut(**classes.cancel_session(session, actor=user, class_id=class_id,
                                                         session_id=session_id))


@router.post("/classes/{class_id}/sessions/{session_id}/attendance", response_model=AttendanceOut,
             responses=_OWNER)
def mark_attendance(user: CurrentUser, class_id: str, session_id: str, data: AttendanceIn) -> AttendanceOut:
    """Mark an enrolled student present, late or absent for a session that has begun."""
    with session_scope() as session:
        return AttendanceOut(**attendance.mark_attendance(session, actor=user, class_id=class_id,
                                                          session_id=session_id, student_id=data.student_id,
                                                          status=data.status))


class BroadcastIn(StrictIn):
    body: str = Field(json_schema_extra={"minLength": 1, "maxLength": 4000})


class BroadcastOut(BaseModel):
    conversation_id: int
    message_id: int
    recipients: int  # enrolled students notified


class ChatOut(BaseModel):
    conversation_id: int  # use the /conversations/{id}/messages routes


@router.post("/classes/{class_id}/broadcast", response_model=BroadcastOut,
             responses={**_OWNER, **error_responses(429, e429="Sending too fast (see Retry-After)")})
def broadcast(user: CurrentUser, class_id: str, data: BroadcastIn) -> BroadcastOut:
    """The tutor's update: a message in the class chat and a notification to every enrolled student
    (in-app, and by email / SMS / WhatsApp as each chose)."""
    with session_scope() as session:
        return BroadcastOut(**class_chat.broadcast(session, actor=user, class_id=class_id, body=data.body))


@router.get("/classes/{class_id}/chat", response_model=ChatOut,
            responses=error_responses(401, 404, e404="No such class, or you are not its tutor or enrolled in it"))
def get_class_chat(user: CurrentUser, class_id: str) -> ChatOut:
    """The class conversation (members only: the tutor and enrolled students)."""
    with session_scope() as session:
        return ChatOut(conversation_id=class_chat.class_chat(session, actor=user, class_id=class_id))


class ClassReviewIn(StrictIn):
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


@router.post("/classes/{class_id}/reviews", response_model=ClassReviewOut, status_code=201,
             responses=error_responses(401, 403, 404, 409, 422, e403="Not a student who attended a session",
                                       e409="Already reviewed"))
def review_class(user: CurrentUser, class_id: str, data: ClassReviewIn) -> ClassReviewOut:
    """Rate a class you attended (present or late at a session at least), 1–5 with a comment, once."""
    with session_scope() as session:
        return class_reviews.review_class(session, actor=user, class_id=class_id, rating=data.rating,
                                          comment=data.comment)


@router.get("/classes/{class_id}/reviews", response_model=ClassReviewsOut, responses=error_responses(404))
def list_class_reviews(user: OptionalUser, class_id: str) -> ClassReviewsOut:
    """A class's reviews and their average (newest first); `can_review` for the viewing student."""
    with session_scope(read_only=True) as session:
        return class_reviews.class_reviews(session, viewer=user, class_id=class_id)
