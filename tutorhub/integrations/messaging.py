"""Message transports: how a queued email / SMS / WhatsApp leaves the system.

Pure transports: each takes one `OutgoingMessage` and hands it to a provider, raising
`DeliveryError` (temporary or permanent) when it was not accepted. The durable queue, the
after-commit kick and the retries live in services/outbox.py; with no transport configured for a
channel (`get_transport` returns None) messages are only recorded there.

- `SmtpSender`: email through any SMTP server, when TUTORHUB_SMTP_HOST is set;
- `HttpSmsSender`: SMS / WhatsApp, when TUTORHUB_SMS_API_BASE is set (the default provider "http");
- `TwilioSender` (SMS, WhatsApp) and `WhatsAppCloudSender` (WhatsApp): real providers in
  message_providers.py, when TUTORHUB_SMS_PROVIDER / TUTORHUB_WHATSAPP_PROVIDER choose them.

Both pass a stable per-row id (SMTP Message-ID, HTTP Idempotency-Key) so the provider can drop a
repeat after a crash between its acceptance and the outbox's "sent" mark.

HTTP SMS / WhatsApp provider contract (`HttpSmsSender`), implemented by any small adapter service:

    POST {TUTORHUB_SMS_API_BASE}/messages
    Authorization: Bearer {TUTORHUB_SMS_API_KEY}
    Idempotency-Key: tutorhub-outbox-{row id}
    Content-Type: application/json
    {"to": "+4915112345678", "channel": "sms" | "whatsapp", "body": "text"}

    2xx (JSON {"id": "<provider id>"} optional)  → sent
    408, 429, 5xx, network errors, timeouts        → temporary: retried later
    any other 4xx                                  → permanent: marked failed, not retried
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import urlsplit

import httpx

from tutorhub.integrations.message_providers import TWILIO_STATUS_PATH, TwilioSender, WhatsAppCloudSender
from tutorhub.integrations.message_types import Attachment, DeliveryError, OutgoingMessage, Transport
from tutorhub.settings import get_settings

__all__ = ["Attachment", "DeliveryError", "HttpSmsSender", "OutgoingMessage", "SmtpSender", "Transport",
           "get_transport"]


class SmtpSender:
    """Email through any SMTP server (smtplib), STARTTLS and login when configured."""

    name = "smtp"

    def __init__(self, host: str, port: int, *, user: str | None = None, password: str | None = None,
                 sender: str = "TutorHub <no-reply@localhost>", starttls: bool = True, timeout: float = 15.0) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.starttls, self.timeout = sender, starttls, timeout

    def deliver(self, message: OutgoingMessage) -> str | None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject or "TutorHub"
        email["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "tutorhub.local"
        email["Message-ID"] = f"<tutorhub-outbox-{message.id}@{domain}>"
        email.set_content(message.body)
        for item in message.attachments:
            _attach(email, item)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP error: {exc}") from exc
        return None


def _attach(email: EmailMessage, item: Attachment) -> None:
    """A text attachment with its declared type and parameters (calendar clients read `method`)."""
    kind, _, rest = item.content_type.partition(";")
    maintype, _, subtype = kind.strip().partition("/")
    if maintype != "text":  # add_attachment(str) makes text/* parts; binary files are not mailed
        raise DeliveryError(f"only text attachments can be mailed, not {item.content_type}", permanent=True)
    params = dict(
        (key.strip().lower(), value.strip().strip('"'))
        for key, _, value in (p.partition("=") for p in rest.split(";") if "=" in p)
    )
    email.add_attachment(item.content, subtype=subtype or "plain", filename=item.filename, params=params)


class HttpSmsSender:
    """SMS and WhatsApp through the JSON-over-HTTP provider contract in the module docstring."""

    name = "http-sms"

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0) -> None:
        self.base_url, self.api_key, self.timeout = base_url.rstrip("/"), api_key, timeout

    def deliver(self, message: OutgoingMessage) -> str | None:
        try:
            response = httpx.post(
                f"{self.base_url}/messages",
                json={"to": message.recipient, "channel": message.channel, "body": message.body},
                headers={"Authorization": f"Bearer {self.api_key}",
                         "Idempotency-Key": f"tutorhub-outbox-{message.id}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{message.channel} provider unreachable: {type(exc).__name__}") from exc
        if 200 <= response.status_code < 300:
            return _provider_id(response)
        temporary = response.status_code in (408, 429) or response.status_code >= 500
        raise DeliveryError(f"{message.channel} provider answered {response.status_code}: {response.text[:200]}",
                            permanent=not temporary)


def _provider_id(response: httpx.Response) -> str | None:
    try:
        found = response.json().get("id")
    except (ValueError, AttributeError):
        return None
    return str(found)[:128] if isinstance(found, (str, int)) and found != "" else None


def _status_callback(public_url: str) -> str | None:
    """Where Twilio posts delivery reports; none for a loopback public URL, which Twilio cannot reach
    (and may refuse as a StatusCallback, failing every message of a local setup with real credentials)."""
    host = (urlsplit(public_url).hostname or "").lower()
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost"):
        return None
    return public_url + TWILIO_STATUS_PATH


def get_transport(channel: str) -> Transport | None:
    """The configured transport for `channel`, or None (outbox only)."""
    settings = get_settings()
    if channel == "email" and settings.smtp_host:
        return SmtpSender(settings.smtp_host, settings.smtp_port, user=settings.smtp_user,
                          password=settings.smtp_password, sender=settings.smtp_from, starttls=settings.smtp_starttls)
    if channel not in ("sms", "whatsapp"):
        return None
    provider = settings.sms_provider if channel == "sms" else settings.whatsapp_provider
    if provider == "http":
        if settings.sms_api_base and settings.sms_api_key and channel in settings.sms_channels:
            return HttpSmsSender(settings.sms_api_base, settings.sms_api_key)
        return None
    if provider == "twilio":
        return TwilioSender(
            settings.twilio_account_sid or "", settings.twilio_auth_token or "",
            sender=(settings.twilio_from_number if channel == "sms" else settings.twilio_whatsapp_from) or "",
            whatsapp=channel == "whatsapp", content_sid=settings.twilio_whatsapp_content_sid,
            api_base=settings.twilio_api_base, status_callback=_status_callback(settings.public_url))
    return WhatsAppCloudSender(
        settings.whatsapp_cloud_token or "", settings.whatsapp_cloud_phone_number_id or "",
        template=settings.whatsapp_cloud_template or "", language=settings.whatsapp_cloud_template_language,
        api_base=settings.whatsapp_cloud_api_base)
