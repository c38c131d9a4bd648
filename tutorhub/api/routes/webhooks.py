"""Payment provider webhooks and the sandbox gateway's test endpoints.

Webhooks read the RAW body (`await request.body()`): signatures are computed over the exact bytes,
so the body must never be parsed and re-serialized before verification. The service stores the
event id under a unique constraint and applies it once; the answer is a fast
200 `{"received": true}` (also for duplicates) as soon as the verified event is stored; it is
applied right after the response (services/checkout/webhooks.py explains the sweeper that covers a crash
in between). 401 when the signature header is missing (the signature is the authentication:
providers send no bearer token), 400 for a signature, timestamp or body that does not verify
(logged, nothing stored), 404 for a gateway that is not configured here.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from tutorhub.api.schemas import ErrorOut, error_responses
from tutorhub.db import session_scope
from tutorhub.integrations.payments.base import WebhookSignatureError
from tutorhub.models.base import utcnow
from tutorhub.models.gateways import WebhookOutcome
from tutorhub.services.checkout.webhooks import WebhookReceipt, apply_stored_event, receive_webhook

router = APIRouter(prefix="/api/v1", tags=["payments"])
log = logging.getLogger("tutorhub.webhooks")

_HOOK = {
    **error_responses(404, e404="This gateway is not configured here"),
    400: {"model": ErrorOut, "description": "Signature, timestamp or body does not verify (nothing applied)"},
    401: {"model": ErrorOut, "description": "No signature header (nothing applied)"},
}
SIGNATURE_HEADERS = {"stripe": "Stripe-Signature", "razorpay": "X-Razorpay-Signature",
                     "sandbox": "TutorHub-Sandbox-Signature"}


class ReceivedOut(BaseModel):
    received: bool
    duplicate: bool = False


def _receive(gateway: str, body: bytes, headers: dict[str, str], now: datetime) -> WebhookReceipt:
    with session_scope() as session:
        return receive_webhook(session, gateway, body, headers, now, apply=False)


def _apply_after_response(row_id: int) -> None:
    """Runs once the 200 is sent; on failure the event stays pending for the sweeper job."""
    try:
        with session_scope() as session:
            apply_stored_event(session, row_id, now=utcnow())
    except Exception:  # noqa: BLE001  (logged; `apply_pending_webhooks` retries)
        log.exception("deferred webhook apply failed (event row %s); the sweeper will retry", row_id)


async def _webhook(gateway: str, request: Request) -> JSONResponse:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        receipt = await asyncio.to_thread(_receive, gateway, body, headers, utcnow())
    except WebhookSignatureError as exc:
        header = SIGNATURE_HEADERS[gateway]
        if header.lower() not in headers:
            return JSONResponse({"detail": f"Webhook rejected: no {header} header"}, status_code=401,
                                headers={"WWW-Authenticate": f'Signature header="{header}"'})
        return JSONResponse({"detail": f"Webhook rejected: {exc}"}, status_code=400)
    task = None
    if not receipt.duplicate and receipt.outcome == WebhookOutcome.PENDING and receipt.row_id is not None:
        task = BackgroundTask(_apply_after_response, receipt.row_id)
    return JSONResponse({"received": True, "duplicate": receipt.duplicate}, background=task)


@router.post("/webhooks/stripe", response_model=ReceivedOut, responses=_HOOK)
async def stripe_webhook(request: Request) -> JSONResponse:
    """Stripe events (`Stripe-Signature`, verified with the stripe library)."""
    return await _webhook("stripe", request)


@router.post("/webhooks/razorpay", response_model=ReceivedOut, responses=_HOOK)
async def razorpay_webhook(request: Request) -> JSONResponse:
    """Razorpay events (`X-Razorpay-Signature`, verified with the razorpay library)."""
    return await _webhook("razorpay", request)


@router.post("/webhooks/sandbox", response_model=ReceivedOut, responses=_HOOK)
async def sandbox_webhook(request: Request) -> JSONResponse:
    """Sandbox gateway events (`TutorHub-Sandbox-Signature: t=…,v1=…`)."""
    return await _webhook("sandbox", request)

