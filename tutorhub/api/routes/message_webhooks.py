"""Delivery-status callbacks of the SMS / WhatsApp providers (services/messaging/delivery_reports.py).

Public routes whose authentication is the provider's signature over the raw request: 403 when it is
missing or does not verify (nothing changes), 404 for a signed request when that provider's callbacks
are not configured here, 400 for a verified body that is not a status callback, 413 over 1 MiB. A verified callback is
answered 200 even when it names a message we do not know (providers retry anything else).

The Twilio route reads the form itself (not through FastAPI's `Form`): the signature covers every
posted field, including ones this app does not use, so the fields are passed on exactly as posted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from tutorhub.api.schemas import ErrorOut, error_responses
from tutorhub.db import session_scope
from tutorhub.integrations.message_providers import TWILIO_STATUS_PATH, WHATSAPP_WEBHOOK_PATH
from tutorhub.models.base import utcnow
from tutorhub.services.messaging import delivery_reports

router = APIRouter(tags=["messaging"])

_SIGNED = error_responses(
    403, 404, e403="The provider's signature is missing or does not verify (nothing changed)",
    e404="This provider's callbacks are not configured here")
_SIGNED[400] = {"model": ErrorOut, "description": "Verified, but not a status callback"}
_TWILIO_FORM: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object",
        "properties": {name: {"type": "string"} for name in (
            "MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage", "AccountSid", "From", "To")},
        "required": ["MessageSid", "MessageStatus"],
    }}}},
    "parameters": [{"name": "X-Twilio-Signature", "in": "header", "required": True, "schema": {"type": "string"},
                    "description": "Base64 HMAC-SHA1 of the public callback URL and the sorted form fields"}],
}
_CLOUD_JSON: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "description": "A WhatsApp Business Account webhook: entry[].changes[].value.statuses[]"}}}},
    "parameters": [{"name": "X-Hub-Signature-256", "in": "header", "required": True, "schema": {"type": "string"},
                    "description": "sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>"}],
}


class CallbackOut(BaseModel):
    received: bool
    recorded: int  # reports that changed a message's delivery status


def _twilio(params: Sequence[tuple[str, str]], signature: str, query: str) -> int:
    with session_scope() as session:
        return delivery_reports.receive_twilio_status(session, params=params, signature=signature, query=query,
                                                      now=utcnow())


def _cloud(body: bytes, signature: str) -> int:
    with session_scope() as session:
        return delivery_reports.receive_cloud_statuses(session, body=body, signature=signature, now=utcnow())


def _form(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise delivery_reports.BadCallback("The body is not a form.") from exc


@router.post(TWILIO_STATUS_PATH, response_model=CallbackOut, responses=_SIGNED, openapi_extra=_TWILIO_FORM)
async def twilio_status_callback(request: Request) -> CallbackOut:
    """Twilio's message status callback (`X-Twilio-Signature`, checked with the twilio library)."""
    signature = request.headers.get("x-twilio-signature", "")
    params = _form(await request.body())
    recorded = await asyncio.to_thread(_twilio, params, signature, request.url.query)
    return CallbackOut(received=True, recorded=recorded)


@router.post(WHATSAPP_WEBHOOK_PATH, response_model=CallbackOut, responses=_SIGNED, openapi_extra=_CLOUD_JSON)
async def whatsapp_status_callback(request: Request) -> CallbackOut:
    """WhatsApp Cloud API message statuses (`X-Hub-Signature-256` over the raw body)."""
    body = await request.body()
    recorded = await asyncio.to_thread(_cloud, body, request.headers.get("x-hub-signature-256", ""))
    return CallbackOut(received=True, recorded=recorded)


@router.get(WHATSAPP_WEBHOOK_PATH, response_class=PlainTextResponse,
            responses={**_SIGNED, 200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                        "description": "The challenge, echoed"}})
def whatsapp_subscription(mode: Annotated[str, Query(alias="hub.mode", max_length=40)] = "",
                          token: Annotated[str, Query(alias="hub.verify_token", max_length=200)] = "",
                          challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "") -> str:
    """Meta's webhook verification: echoes `hub.challenge` when `hub.verify_token` matches."""
    return delivery_reports.confirm_cloud_subscription(mode=mode, token=token, challenge=challenge)

