"""Enquiries and the lead marketplace (issue #13): students post and manage enquiries; tutors read
their lead inbox, claim leads for a lead credit and propose lessons; students accept a proposal."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import DATE_TIME, StrictIn, error_responses, need, ranged, rule, timezone
from tutorhub.db import session_scope
from tutorhub.services.currency import CURRENCIES
from tutorhub.services.leads import claims, enquiries, inbox, proposals
from tutorhub.services.leads.views import (
    AcceptOut,
    ClaimOut,
    EnquiryDetail,
    EnquiryList,
    EnquiryOut,
    LeadDetail,
    LeadPage,
    ProposalCreated,
)
from tutorhub.services.scheduling.slots import BestTimes

router = APIRouter(prefix="/api/v1", tags=["leads"])

_STUDENT = error_responses(401, 403, 422, e403="Not a student")
_TUTOR_404 = "Not in this tutor's lead inbox (or the tutor is not approved)"


class WindowIn(StrictIn):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[03]0$", description="HH:MM on the 30-minute grid")
    end: str = Field(pattern=r"^(([01][0-9]|2[0-3]):[03]0|24:00)$", description="after start; 24:00 allowed")


class EnquiryIn(StrictIn):
    subject: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9]{2}[A-Za-z0-9+#&/.-]*( [A-Za-z0-9+#&/.-]+)*$",
                         description='e.g. "Maths", "Physics", "Computer Science"')
    grade: Literal["primary", "middle", "high", "senior", "university", "adult", "1", "2", "3", "4", "5", "6", "7",
                   "8", "9", "10", "11", "12"]
    mode: Literal["online", "home"]
    city: str | None = Field(default=None, max_length=160, description="a place the gazetteer knows (else 422 with "
                             "`suggestions`); required for home tuition")
    budget_max_minor: int = Field(ge=1, le=10**9)
    currency: str = Field(pattern=r"^[A-Z]{3}$", json_schema_extra={"enum": list(CURRENCIES)})
    duration_min: Literal[30, 45, 60, 90]  # schedule_input.LESSON_LENGTHS
    message: str = Field(min_length=1, max_length=2000, pattern=r"^[A-Za-z0-9][ -~\n]*$")
    windows: list[WindowIn] | None = None
    timezone: str | None = rule(**timezone(optional=True))


class ProposalIn(StrictIn):
    start: str = need(**DATE_TIME, description="a future whole minute the tutor has free (else 422 / 409)")
    duration_min: int | None = rule(minimum=15, maximum=240)
    price_minor: int | None = rule(minimum=0, maximum=10**9)


class CreatedId(BaseModel):
    id: int


@router.post("/students/enquiries", status_code=201, response_model=EnquiryDetail,
             responses=error_responses(401, 403, 409, 422, e403="Not a student",
                                       e409="Too many open enquiries"))
def post_enquiry(user: CurrentUser, body: EnquiryIn) -> EnquiryDetail:
    """Post an enquiry; it reaches matching tutors' lead inboxes at once. `windows` are weekly times
    in `timezone` (default: the student's saved windows and zone). An unknown `city` is 422 with
    `suggestions`."""
    data = body.model_dump(exclude_none=True)
    if body.windows is not None:
        data["windows"] = [w.model_dump() for w in body.windows]
    with session_scope() as session:
        return enquiries.post_enquiry(session, actor=user, data=data)


@router.get("/students/enquiries", response_model=EnquiryList, responses=_STUDENT)
def list_enquiries(user: CurrentUser) -> EnquiryList:
    """The student's own enquiries, newest first."""
    with session_scope(read_only=True) as session:
        return enquiries.list_my_enquiries(session, actor=user)


@router.get("/students/enquiries/{enquiry_id}", response_model=EnquiryDetail,
            responses=error_responses(401, 403, 404, e403="Not a student", e404="Not one of your enquiries"))
def get_enquiry(user: CurrentUser, enquiry_id: int) -> EnquiryDetail:
    """One of the student's enquiries with `claims` (tutor and conversation) and `proposals`."""
    with session_scope(read_only=True) as session:
        return enquiries.get_my_enquiry(session, actor=user, enquiry_id=enquiry_id)


@router.post("/students/enquiries/{enquiry_id}/close", response_model=EnquiryOut,
             responses=error_responses(401, 403, 404, 409, e403="Not a student", e409="Already closed or expired"))
def close_enquiry(user: CurrentUser, enquiry_id: int) -> EnquiryOut:
    """Close the enquiry by hand (tutors who claimed it are told)."""
    with session_scope() as session:
        return enquiries.close_enquiry(session, actor=user, enquiry_id=enquiry_id)


@router.post("/students/enquiries/{enquiry_id}/proposals/{proposal_id}/accept", status_code=201,
             response_model=AcceptOut,
             responses=error_responses(401, 403, 404, 409, 429, e403="Not a student",
                                       e409="Proposal no longer open, enquiry ended, time taken or too many unpaid holds"))
def accept_proposal(user: CurrentUser, enquiry_id: int, proposal_id: int) -> AcceptOut:
    """Accept a tutor's proposal: a lesson held in PENDING_PAYMENT at the proposed time and price
    (pay it through /bookings/{id}/pay); the enquiry becomes CLOSED."""
    with session_scope() as session:
        return proposals.accept_proposal(session, actor=user, enquiry_id=enquiry_id, proposal_id=proposal_id)


@router.get("/tutors/leads/inbox", response_model=LeadPage,
            responses=error_responses(401, 403, 404, 422, e403="Not a tutor", e404="Profile not approved"))
def lead_inbox(user: CurrentUser, before: Annotated[int | None, ranged(1, 2**62)] = None,
               limit: Annotated[int | None, ranged(1, 50)] = None) -> LeadPage:
    """Matching OPEN/MATCHED enquiries, newest first, with the fit; never contact details.
    Page with `before` = the previous page's `next_before`."""
    with session_scope(read_only=True) as session:
        return inbox.lead_inbox(session, actor=user, before=before, limit=limit)


@router.get("/tutors/leads/{enquiry_id}", response_model=LeadDetail,
            responses=error_responses(401, 403, 404, e403="Not a tutor", e404=_TUTOR_404))
def get_lead(user: CurrentUser, enquiry_id: int) -> LeadDetail:
    """One lead of the inbox, with this tutor's proposals."""
    with session_scope(read_only=True) as session:
        return inbox.get_lead(session, actor=user, enquiry_id=enquiry_id)


@router.get("/tutors/leads/{enquiry_id}/times", response_model=BestTimes,
            responses=error_responses(401, 403, 404, 422, e403="Not a tutor", e404=_TUTOR_404))
def proposal_times(user: CurrentUser, enquiry_id: int) -> BestTimes:
    """The engine's best free starts inside the student's windows (student's zone and tutor's zone)."""
    with session_scope(read_only=True) as session:
        return proposals.proposal_times(session, actor=user, enquiry_id=enquiry_id)


@router.post("/tutors/leads/{enquiry_id}/claim", response_model=ClaimOut,
             responses=error_responses(401, 402, 403, 404, 409, e402="No lead credits: buy some at /billing/leads",
                                       e403="Not a tutor", e404=_TUTOR_404,
                                       e409="Enquiry full, closed or expired"))
def claim_lead(user: CurrentUser, enquiry_id: int) -> ClaimOut:
    """Claim a lead for 1 lead credit: opens the conversation with the student. Claiming again
    costs nothing."""
    with session_scope() as session:
        return claims.claim_lead(session, actor=user, enquiry_id=enquiry_id)


@router.post("/tutors/leads/{enquiry_id}/proposals", status_code=201, response_model=ProposalCreated,
             responses=error_responses(401, 403, 404, 409, 422, e403="Not a tutor", e404=_TUTOR_404,
                                       e409="Not claimed, enquiry ended, time not free or too many proposals"))
def propose_lesson(user: CurrentUser, enquiry_id: int, body: ProposalIn) -> ProposalCreated:
    """Propose a lesson time (ISO 8601 with offset) to the student of a claimed enquiry; `price_minor`
    defaults to your rate for the length."""
    with session_scope() as session:
        return proposals.propose_lesson(session, actor=user, enquiry_id=enquiry_id, start=body.start,
                                        duration_min=body.duration_min, price_minor=body.price_minor)
