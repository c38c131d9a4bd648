"""Guardian accounts: a student invites a guardian by email (`POST /guardians/links`); the guardian
confirms with the emailed code (`POST /guardians/links/{id}/confirm`); then reads the linked
children (`GET /guardians/me/students`) and each child's lessons, books and pays lessons for a child, and
buys lesson minutes (a minute pack) for a child (`POST /guardians/me/students/{id}/packs/{code}/buy`). A child not linked to the
caller, or a link that is not theirs, is 404. Sign up as a guardian with `"role": "guardian"`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body

from tutorhub.api.deps import CurrentUser
from tutorhub.api.routes.plans import BuyPackIn
from tutorhub.api.schemas import DATE_TIME, StrictIn, error_responses, need, one_of, required, rule, text_rule
from tutorhub.db import session_scope
from tutorhub.services.billing import guardian_packs
from tutorhub.services.billing.guardian_packs import ChildMinutesOut
from tutorhub.services.billing.purchases import PurchaseOut
from tutorhub.services.booking.views import BookingOut
from tutorhub.services.checkout import guardian_bookings
from tutorhub.services.checkout.guardian_bookings import GuardianBookingOut
from tutorhub.services.checkout.lesson_payments import PayOut
from tutorhub.services.learning import guardian_requests, guardians
from tutorhub.services.learning.guardian_requests import RequestSentOut
from tutorhub.services.learning.guardians import GuardianLinkOut, LinkedStudentOut

router = APIRouter(prefix="/api/v1", tags=["guardians"])


class InviteIn(StrictIn):
    guardian_email: str = need(format="email", maxLength=254)


class ChildBookingIn(StrictIn):
    tutor_id: int
    start: str = required(**DATE_TIME)
    duration_min: int = required(minimum=1, maximum=24 * 60)
    kind: Literal["single", "trial", ""] = "single"
    subject: str | None = rule(**text_rule(80))
    mode: str | None = rule(**one_of(["online", "home"], optional=True, blank=True))


class ChildPayIn(StrictIn):
    method: Literal["wallet", "gateway"]


class ChildRequestIn(StrictIn):
    student_email: str = need(format="email", maxLength=254)


class AnswerIn(StrictIn):
    accept: bool


class ConfirmIn(StrictIn):
    code: str = need(pattern="^[0-9]{6}$")


@router.post("/guardians/links", response_model=GuardianLinkOut, status_code=201,
             responses=error_responses(401, 403, 409, 422, 429, e403="Not a student",
                                       e409="Already linked to this guardian",
                                       e429="Too many invitations today; retry after the Retry-After header's seconds"))
def invite(user: CurrentUser, data: InviteIn) -> GuardianLinkOut:
    """The student invites a guardian; the code goes to that address by email."""
    with session_scope() as session:
        return guardians.invite_guardian(session, actor=user, guardian_email=data.guardian_email)


@router.post("/guardians/links/{link_id}/confirm", response_model=GuardianLinkOut,
             responses=error_responses(401, 403, 404, 409, 422, e403="Not a guardian",
                                       e404="No such invitation for your email address",
                                       e409="The invitation expired or ran out of attempts",
                                       e422="Wrong code (attempts left in `fields`)"))
def confirm(user: CurrentUser, link_id: str, data: ConfirmIn) -> GuardianLinkOut:
    with session_scope() as session:
        return guardians.confirm_guardian_link(session, actor=user, link_id=link_id, code=data.code)


@router.post("/guardians/requests", response_model=RequestSentOut, status_code=202,
             responses=error_responses(401, 403, 422, 429, e403="Not a guardian",
                                       e429="Too many requests today; retry after the Retry-After header's seconds"))
def request_child(user: CurrentUser, data: ChildRequestIn) -> RequestSentOut:
    """The guardian asks the student with this email to link them; the student accepts or declines
    on their Guardians page. Always `{"status": "sent"}` (whether the address has an account is not told)."""
    with session_scope() as session:
        return guardian_requests.request_child_link(session, actor=user, student_email=data.student_email)


@router.get("/guardians/me/requests", response_model=list[GuardianLinkOut],
            responses=error_responses(401, 403, e403="Not a guardian"))
def my_requests(user: CurrentUser) -> list[GuardianLinkOut]:
    with session_scope(read_only=True) as session:
        return guardian_requests.list_my_requests(session, actor=user)


@router.post("/guardians/links/{link_id}/answer", response_model=GuardianLinkOut,
             responses=error_responses(401, 403, 404, 409, 422, e403="Not a student",
                                       e404="No guardian request addressed to you with this id",
                                       e409="The request expired"))
def answer(user: CurrentUser, link_id: str, data: AnswerIn) -> GuardianLinkOut:
    """The student accepts (`{"accept": true}`, the link becomes active) or declines a guardian's request."""
    with session_scope() as session:
        return guardian_requests.answer_guardian_request(session, actor=user, link_id=link_id, accept=data.accept)


@router.delete("/guardians/links/{link_id}", response_model=GuardianLinkOut,
               responses=error_responses(401, 403, 404, e403="Not a student or guardian", e404="No such link of yours"))
def unlink(user: CurrentUser, link_id: str) -> GuardianLinkOut:
    """The student (or the guardian) ends the link."""
    with session_scope() as session:
        return guardians.unlink_guardian(session, actor=user, link_id=link_id)


@router.get("/students/me/guardians", response_model=list[GuardianLinkOut],
            responses=error_responses(401, 403, e403="Not a student"))
def my_guardians(user: CurrentUser) -> list[GuardianLinkOut]:
    with session_scope(read_only=True) as session:
        return guardians.list_my_guardians(session, actor=user)


@router.get("/guardians/me/students", response_model=list[LinkedStudentOut],
            responses=error_responses(401, 403, e403="Not a guardian"))
def my_students(user: CurrentUser) -> list[LinkedStudentOut]:
    with session_scope(read_only=True) as session:
        return guardians.list_linked_students(session, actor=user)


@router.get("/guardians/me/students/{student_id}/lessons", response_model=list[BookingOut],
            responses=error_responses(401, 403, 404, e403="Not a guardian", e404="No such child linked to you"))
def child_lessons(user: CurrentUser, student_id: str) -> list[BookingOut]:
    with session_scope(read_only=True) as session:
        return guardians.child_lessons(session, actor=user, student_id=student_id)


@router.post("/guardians/me/students/{student_id}/bookings", response_model=GuardianBookingOut, status_code=201,
             responses=error_responses(401, 403, 404, 409, 422, 429, e403="Not a guardian",
                                       e404="No such child linked to you, or no bookable tutor with this id",
                                       e409="The time is not free, or the child holds 3 unpaid lessons",
                                       e429="Too many hold attempts; retry after the Retry-After header's seconds"))
def book_for_child(user: CurrentUser, student_id: str, data: ChildBookingIn) -> GuardianBookingOut:
    """Hold a slot for a linked child (the lesson is the child's; you booked it and pay for it with
    `POST /guardians/me/bookings/{id}/pay` within 15 minutes)."""
    with session_scope() as session:
        return guardian_bookings.book_for_child(
            session, actor=user, student_id=student_id, tutor_id=data.tutor_id, start=data.start,
            duration_min=data.duration_min, kind=data.kind, subject=data.subject, mode=data.mode)


@router.post("/guardians/me/bookings/{booking_id}/pay", response_model=PayOut,
             responses=error_responses(401, 402, 403, 404, 409, 422, e402="Your wallet does not cover the lesson",
                                       e403="Not a guardian", e404="No lesson you booked for a child linked to you",
                                       e409="The lesson is not waiting for payment"))
def pay_for_child(user: CurrentUser, booking_id: str, data: ChildPayIn) -> PayOut:
    """Pay a lesson you booked for a child from your wallet, or get a card checkout (`checkout_url`)."""
    with session_scope() as session:
        return guardian_bookings.pay_for_child(session, actor=user, booking_id=booking_id, method=data.method)


@router.get("/guardians/me/bookings", response_model=list[GuardianBookingOut],
            responses=error_responses(401, 403, e403="Not a guardian"))
def booked_for_children(user: CurrentUser) -> list[GuardianBookingOut]:
    with session_scope(read_only=True) as session:
        return guardian_bookings.list_booked_for_children(session, actor=user)


_PACK_BUY = error_responses(401, 402, 403, 404, 409, 422, e402="Your wallet does not cover the pack",
                            e403="Not a guardian", e404="No such child linked to you, or no such pack")


@router.get("/guardians/me/students/{student_id}/credits", response_model=ChildMinutesOut,
            responses=error_responses(401, 403, 404, e403="Not a guardian", e404="No such child linked to you"))
def child_credits(user: CurrentUser, student_id: str) -> ChildMinutesOut:
    """The lesson minutes a linked child can still spend."""
    with session_scope(read_only=True) as session:
        return guardian_packs.child_minutes(session, actor=user, student_id=student_id)


@router.post("/guardians/me/students/{student_id}/packs/{code}/buy", response_model=PurchaseOut, responses=_PACK_BUY)
def buy_pack_for_child(user: CurrentUser, student_id: str, code: str,
                       body: Annotated[BuyPackIn | None, Body()] = None) -> PurchaseOut:
    """Buy a minute pack for a linked child, paid by you: `method` "wallet" → paid from your wallet and
    the minutes are the child's now (402 if short); "gateway" → pay at `checkout_url`, the minutes
    reach the child when the payment is confirmed."""
    body = body or BuyPackIn()
    with session_scope() as session:
        return guardian_packs.buy_pack_for_child(session, actor=user, student_id=student_id, pack_code=code,
                                                 method=body.method, promo_code=body.promo_code)
