"""The sandbox gateway's test endpoints (development mode only; 404 in production mode).

`POST /api/v1/sandbox/payments/{payment_id}/succeed|fail` (payment_id = our Payment.reference)
completes a sandbox checkout exactly as its page /pay/sandbox/{reference} does: it signs the
provider event with the sandbox secret and feeds it to the same `receive_webhook` that serves
POST /api/v1/webhooks/sandbox. No bearer token, like the hosted page: the link is the capability.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from tutorhub.api.schemas import error_responses
from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.errors import NotFound
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["payments"])


class SandboxResultOut(BaseModel):
    payment_id: str
    status: str
    redirect_url: str


def _complete(payment_id: str, outcome: str) -> SandboxResultOut:
    if get_settings().is_production:
        raise NotFound("Not Found")
    with session_scope() as session:
        result = sandbox_checkout.complete_checkout(session, reference=payment_id, outcome=outcome, now=utcnow())
    return SandboxResultOut(payment_id=result.reference, status=result.status, redirect_url=result.redirect_url)


_SANDBOX = error_responses(404, 409, e404="No such sandbox payment (or production mode)",
                           e409="The checkout already ended the other way")


@router.post("/sandbox/payments/{payment_id}/succeed", response_model=SandboxResultOut, responses=_SANDBOX)
def sandbox_succeed(payment_id: str) -> SandboxResultOut:
    """Development only: pay a pending sandbox checkout (delivers a signed payment.succeeded webhook)."""
    return _complete(payment_id, "succeed")


@router.post("/sandbox/payments/{payment_id}/fail", response_model=SandboxResultOut, responses=_SANDBOX)
def sandbox_fail(payment_id: str) -> SandboxResultOut:
    """Development only: decline a pending sandbox checkout (delivers a signed payment.failed webhook)."""
    return _complete(payment_id, "fail")
