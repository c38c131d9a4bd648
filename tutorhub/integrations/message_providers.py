"""SMS / WhatsApp through real providers, chosen by TUTORHUB_SMS_PROVIDER / TUTORHUB_WHATSAPP_PROVIDER
(see `messaging.get_transport`):

- `TwilioSender`: SMS and WhatsApp through the official `twilio` SDK (Programmable Messaging,
  `POST /2010-04-01/Accounts/{sid}/Messages.json`, HTTP Basic auth with the account SID and auth token).
  WhatsApp goes to `whatsapp:+number`; with TUTORHUB_TWILIO_WHATSAPP_CONTENT_SID the message is sent as
  that approved Content template with the notification text as variable {{1}} (needed for
  business-initiated WhatsApp outside the 24 h customer-service window), otherwise as free text.
- `WhatsAppCloudSender`: the Meta WhatsApp Cloud API through `pywa`
  (`POST /v{version}/{phone_number_id}/messages`, Bearer token). TutorHub's messages are
  business-initiated, so they are always sent as the approved template TUTORHUB_WHATSAPP_CLOUD_TEMPLATE
  (language TUTORHUB_WHATSAPP_CLOUD_TEMPLATE_LANGUAGE) whose body has one parameter: the notification text.

Both accept a base-URL override (TUTORHUB_TWILIO_API_BASE, TUTORHUB_WHATSAPP_CLOUD_API_BASE) for a
self-hoster's egress proxy and for the tests' local stand-ins: the libraries build absolute provider
URLs, so the override swaps the scheme and host (and prepends any path) of each request in the library's
own pluggable HTTP layer (a `TwilioHttpClient` subclass; an httpx transport for pywa) — everything
else (auth, paths, bodies, error parsing) stays the library's.

Each returns the provider's id for the accepted message (Twilio's `sid`, the Cloud API's `messages[0].id`),
which the outbox keeps so signed delivery callbacks (message_callbacks.py) can find the row. Twilio is
told where to send them (`status_callback`, the public URL + TWILIO_STATUS_PATH); the Cloud API sends
them to the app's webhook configured in Meta's dashboard (WHATSAPP_WEBHOOK_PATH).

Errors map onto the outbox's rules like the generic sender: 408, 429, 5xx and network errors are
temporary (retried with backoff), any other 4xx is permanent. Neither API takes an idempotency key on
sends, so a crash (or a lost answer) between the provider's acceptance and the outbox's "sent" mark could
repeat a message. Twilio's sender narrows that: on a retry it first lists the recipient's newest messages
from our sender (`messages.list(to=, from_=)`) and takes one created since the row was queued with our
text as the earlier attempt's. The Cloud API has no such listing, so a repeat stays possible there.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import requests
from pywa import WhatsApp
from pywa.errors import WhatsAppError
from pywa.types.templates import BodyText, TemplateLanguage
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client as TwilioClient

from tutorhub.integrations.message_types import DeliveryError, OutgoingMessage

# Meta refuses template parameters with newlines, tabs or more than 4 spaces in a row (error 132018),
# and caps a body parameter's length; notification texts carry a link on its own line.
_TEMPLATE_PARAM_MAX = 1000
TWILIO_STATUS_PATH = "/api/v1/webhooks/twilio/status"
_LOOKBACK = 20  # messages to the recipient searched for an earlier attempt's (newest first)
_CLOCK_SKEW = timedelta(minutes=5)
WHATSAPP_WEBHOOK_PATH = "/api/v1/webhooks/whatsapp"


def _temporary(status: int | None) -> bool:
    return status is None or status in (408, 429) or status >= 500


def _rebase(url: str, base: str) -> str:
    """`url` with its scheme and host replaced by `base` (whose path, if any, is prefixed)."""
    parts = urlsplit(url)
    return f"{base.rstrip('/')}{parts.path}" + (f"?{parts.query}" if parts.query else "")


class _RebasedTwilioHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending to `base` instead of https://api.twilio.com."""

    def __init__(self, base: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = base

    def request(self, method: str, url: str, *args, **kwargs) -> TwilioResponse:  # type: ignore[no-untyped-def]
        return super().request(method, _rebase(url, self.base), *args, **kwargs)


class TwilioSender:
    """SMS or WhatsApp (one channel per instance) through Twilio Programmable Messaging."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, *, sender: str, whatsapp: bool = False,
                 content_sid: str | None = None, api_base: str | None = None, status_callback: str | None = None,
                 timeout: float = 10.0) -> None:
        self.whatsapp, self.content_sid, self.status_callback = whatsapp, content_sid, status_callback
        self.sender = _whatsapp_address(sender) if whatsapp else sender
        http_client = (_RebasedTwilioHttpClient(api_base, timeout=timeout) if api_base
                       else TwilioHttpClient(timeout=timeout))
        # environment={}: only our settings choose the account, region and edge (not stray TWILIO_* variables)
        self.client = TwilioClient(account_sid, auth_token, http_client=http_client, environment={})

    def deliver(self, message: OutgoingMessage) -> str | None:
        to = _whatsapp_address(message.recipient) if self.whatsapp else message.recipient
        if message.attempt > 1 and (earlier := self._accepted_before(message, to)):
            return earlier
        callback = self.status_callback or values.unset
        try:
            if self.whatsapp and self.content_sid:
                created = self.client.messages.create(
                    to=to, from_=self.sender, content_sid=self.content_sid, status_callback=callback,
                    content_variables=json.dumps({"1": _template_text(message.body)}))
            else:
                created = self.client.messages.create(to=to, from_=self.sender, body=message.body,
                                                      status_callback=callback)
        except TwilioRestException as exc:
            raise DeliveryError(f"Twilio answered {exc.status} (error {exc.code}): {exc.msg}"[:300],
                                permanent=not _temporary(exc.status)) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise DeliveryError(f"Twilio unreachable: {type(exc).__name__}") from exc
        return created.sid


    def _accepted_before(self, message: OutgoingMessage, to: str) -> str | None:
        """The SID of this message if Twilio already accepted it (an earlier attempt whose answer we lost):
        the newest messages to the recipient from our sender, created since the row was queued, whose text
        holds ours. A failed look-up is not an error: the message is then sent as usual."""
        text = _template_text(message.body) if self.whatsapp and self.content_sid else message.body
        since = message.queued_at - _CLOCK_SKEW if message.queued_at else None
        try:
            for earlier in self.client.messages.list(to=to, from_=self.sender, limit=_LOOKBACK):
                created = earlier.date_created
                if text and text in (earlier.body or "") and (since is None or (created is not None and created >= since)):
                    return earlier.sid
        except (TwilioException, requests.RequestException):
            return None
        return None


def _whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def _template_text(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= _TEMPLATE_PARAM_MAX else text[: _TEMPLATE_PARAM_MAX - 1] + "…"


class _RebasedTransport(httpx.BaseTransport):
    """httpx transport sending pywa's requests (built for https://graph.facebook.com) to `base`."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = httpx.URL(self.base + request.url.raw_path.decode("ascii"))
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class WhatsAppCloudSender:
    """WhatsApp through Meta's Cloud API (pywa), as an approved template with the text as its parameter."""

    name = "whatsapp-cloud"

    def __init__(self, token: str, phone_number_id: str, *, template: str, language: str = "en_US",
                 api_base: str | None = None, timeout: float = 10.0) -> None:
        self.token, self.phone_number_id, self.template = token, phone_number_id, template
        self.language, self.api_base, self.timeout = language, api_base, timeout

    def deliver(self, message: OutgoingMessage) -> str | None:
        try:
            language = TemplateLanguage(self.language)
        except ValueError as exc:
            raise DeliveryError(f"unknown WhatsApp template language {self.language!r}", permanent=True) from exc
        # A fresh client per message: pywa binds its token to the httpx.Client it is given.
        session = httpx.Client(timeout=self.timeout,
                               transport=_RebasedTransport(self.api_base) if self.api_base else None)
        try:
            wa = WhatsApp(phone_id=self.phone_number_id, token=self.token, session=session)
            sent = wa.send_template(to=message.recipient, name=self.template, language=language,
                             # pywa 4.5 declares `params` without @staticmethod, so mypy reads the text as `self`
                             params=[BodyText.params(_template_text(message.body))])  # type: ignore[arg-type]
        except WhatsAppError as exc:
            status = exc.status_code
            raise DeliveryError(f"WhatsApp Cloud API answered {status} (error {exc.code}): {exc.message}"[:300],
                                permanent=not (_temporary(status) or exc.is_transient)) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"WhatsApp Cloud API unreachable: {type(exc).__name__}") from exc
        finally:
            session.close()
        return sent.id
