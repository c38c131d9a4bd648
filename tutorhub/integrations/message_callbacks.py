"""Delivery-status callbacks of the message providers: signature checks and parsing, nothing else.

- Twilio posts a form (`MessageSid`, `MessageStatus`, `ErrorCode`, ...) to the `status_callback` URL the
  sender gave it, signed in `X-Twilio-Signature` (HMAC-SHA1 of the URL Twilio requested + the sorted
  form fields, keyed with the account's auth token), checked here with the SDK's own
  `RequestValidator`. The URL must be the one Twilio signed: the public one (TUTORHUB_PUBLIC_URL), never
  the address the request reached behind a proxy. Only auth-token (HMAC-SHA1) signatures are accepted: a
  request signed with a Twilio SharedKey (`X-Twilio-Webhooks-Signature-Settings`) does not verify here.
- Meta's WhatsApp Cloud API posts JSON (`entry[].changes[].value.statuses[]`) signed in
  `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>`, compared in
  constant time before the body is parsed.

Both parse into `StatusReport`s with the provider's status mapped onto DeliveryStatus; what a report
changes is decided in services/messaging/delivery_reports.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from twilio.request_validator import RequestValidator

from tutorhub.models.notifications import DeliveryStatus

TWILIO_PROVIDER, CLOUD_PROVIDER = "twilio", "whatsapp-cloud"  # the senders' `name`s, kept on outbox rows

# Twilio MessageStatus → ours ("sending" / "accepted" / "scheduled" are still on their way).
_TWILIO = {
    "accepted": DeliveryStatus.QUEUED, "scheduled": DeliveryStatus.QUEUED, "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED, "sent": DeliveryStatus.SENT, "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ, "undelivered": DeliveryStatus.UNDELIVERED, "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED, "partially_delivered": DeliveryStatus.DELIVERED,
}
_CLOUD = {"sent": DeliveryStatus.SENT, "delivered": DeliveryStatus.DELIVERED, "read": DeliveryStatus.READ,
          "failed": DeliveryStatus.FAILED}
MAX_REPORTS = 200  # one Cloud API callback batches a few statuses; more is not a real callback


class CallbackRejected(Exception):
    """The body is not a status callback we understand (after its signature verified)."""


@dataclass(frozen=True)
class StatusReport:
    provider: str
    message_id: str
    raw_status: str
    status: str  # DeliveryStatus
    error: str = ""
    at: datetime | None = None  # the provider's time, when it gives one


def twilio_signature_ok(auth_token: str, url: str, params: Sequence[tuple[str, str]], signature: str) -> bool:
    """`params` as posted (repeated names kept). False for a missing or wrong signature."""
    if not signature or not auth_token:
        return False
    multi: dict[str, list[str]] = {}
    for key, value in params:
        multi.setdefault(key, []).append(value)
    return bool(RequestValidator(auth_token).validate(url, _MultiDict(multi), signature))


class _MultiDict(dict[str, list[str]]):
    """What RequestValidator reads repeated form fields from (it calls `getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def parse_twilio_status(params: Sequence[tuple[str, str]]) -> StatusReport | None:
    """The report in a status callback; None for a status that says nothing about delivery."""
    form = dict(params)
    sid, raw = form.get("MessageSid") or form.get("SmsSid") or "", (form.get("MessageStatus") or "").lower()
    if not sid or len(sid) > 64 or not raw or len(raw) > 24:
        raise CallbackRejected("not a Twilio message status callback (MessageSid, MessageStatus)")
    if raw not in _TWILIO:
        return None
    code = (form.get("ErrorCode") or "").strip()
    text = (form.get("ErrorMessage") or "").strip()
    error = " ".join(part for part in (f"error {code}" if code and code != "0" else "", text) if part)
    return StatusReport(TWILIO_PROVIDER, sid, raw, _TWILIO[raw], error[:300])


def meta_signature_ok(app_secret: str, body: bytes, header: str) -> bool:
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def parse_cloud_statuses(body: bytes) -> list[StatusReport]:
    """Every message status in a Cloud API webhook (incoming messages and other fields are ignored)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CallbackRejected("the body is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        raise CallbackRejected("not a WhatsApp Business webhook")
    reports: list[StatusReport | None] = []
    for entry in payload.get("entry") or []:
        for change in _dicts(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value")
            for item in _dicts(value.get("statuses") if isinstance(value, dict) else None):
                reports.append(_cloud_report(item))
    if len(reports) > MAX_REPORTS:
        raise CallbackRejected(f"more than {MAX_REPORTS} statuses in one callback")
    return [r for r in reports if r is not None]


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _cloud_report(item: Mapping[str, Any]) -> StatusReport | None:
    message_id, raw = item.get("id"), item.get("status")
    if not isinstance(message_id, str) or not message_id or len(message_id) > 128 or not isinstance(raw, str):
        raise CallbackRejected("a status without a message id or a status")
    raw = raw.lower()
    if raw not in _CLOUD:  # e.g. "deleted", "warning": nothing about delivery
        return None
    errors = _dicts(item.get("errors"))
    error = ""
    if errors:
        first = errors[0]
        details = first.get("error_data", {}).get("details", "") if isinstance(first.get("error_data"), dict) else ""
        error = f"error {first.get('code', '')}: {first.get('title') or first.get('message') or ''} {details}"
    return StatusReport(CLOUD_PROVIDER, message_id, raw, _CLOUD[raw], error.strip()[:300], _unix_time(item.get("timestamp")))


def _unix_time(value: Any) -> datetime | None:
    try:
        seconds = int(str(value))
    except (TypeError, ValueError):
        return None
    if not 0 < seconds < 2**33:
        return None
    return datetime.fromtimestamp(seconds, UTC)
