"""Real transports against local stand-ins: SMTP (aiosmtpd, started here) and the JSON-over-HTTP
SMS / WhatsApp provider (a small http.server). The outbox queue's retry and no-duplicate rules."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.support.booking import at
from tests.support.notify import count, rows
from tutorhub.db import session_scope
from tutorhub.integrations.messaging import DeliveryError, HttpSmsSender, OutgoingMessage, SmtpSender
from tutorhub.models import OutboxMessage, OutboxStatus, ReminderLog, User
from tutorhub.models.base import utcnow
from tutorhub.services import outbox
from tutorhub.services.booking.reminders import run_reminders
from tutorhub.services.messaging import preferences as prefs
from tutorhub.services.messaging.notifications import notify


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


class Provider:
    """The SMS/WhatsApp stand-in: records requests; answers with `self.status`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                provider.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                          "key": self.headers.get("Idempotency-Key"), "json": json.loads(body)})
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "prov-1"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    p = Provider()
    yield p
    p.close()


def _wait(predicate, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_smtp_sender_delivers_after_commit_to_a_real_smtp_server(smtp_server, configure, make_user):
    controller, inbox = smtp_server
    configure(TUTORHUB_SMTP_HOST="127.0.0.1", TUTORHUB_SMTP_PORT=str(controller.port), TUTORHUB_SMTP_STARTTLS="0",
              TUTORHUB_SMTP_FROM="TutorHub <hello@tutorhub.test>")
    user = make_user()
    with session_scope() as session:
        notify(session, user_id=user.id, kind="booking", title="Lesson confirmed", body="See you Thursday.",
               link="/lessons/7", now=utcnow())
        assert inbox.messages == []  # nothing leaves before the commit
    _wait(lambda: inbox.messages)
    mail_from, rcpt, raw = inbox.messages[0]
    parsed = message_from_bytes(raw)
    assert mail_from == "hello@tutorhub.test" and rcpt == [user.email]
    assert parsed["Subject"] == "Lesson confirmed"
    assert "See you Thursday." in parsed.get_payload() and "/lessons/7" in parsed.get_payload()
    [row] = rows(OutboxMessage)
    assert parsed["Message-ID"] == f"<tutorhub-outbox-{row.id}@tutorhub.test>"
    _wait(lambda: rows(OutboxMessage)[0].status == OutboxStatus.SENT)
    assert outbox.deliver_due(now=utcnow() + timedelta(hours=1)).sent == 0  # never twice
    assert len(inbox.messages) == 1


def test_smtp_outage_is_retried_later_not_lost(configure, make_user):
    port = _free_port()  # nothing listens here yet
    configure(TUTORHUB_SMTP_HOST="127.0.0.1", TUTORHUB_SMTP_PORT=str(port), TUTORHUB_SMTP_STARTTLS="0",
              TUTORHUB_DELIVER_IMMEDIATELY="0")
    user = make_user()
    with session_scope() as session:
        notify(session, user_id=user.id, kind="booking", title="Hi", now=utcnow())
    now = utcnow()
    assert outbox.deliver_due(now=now).retry == 1
    [row] = rows(OutboxMessage)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and "SMTP error" in row.last_error
    assert outbox.deliver_due(now=now + timedelta(seconds=5)).as_dict() == {"sent": 0, "retry": 0, "failed": 0}
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert outbox.deliver_due(now=now + timedelta(minutes=1)).sent == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1 and rows(OutboxMessage)[0].status == OutboxStatus.SENT


def test_http_sms_sender_speaks_the_documented_contract(provider):
    sender = HttpSmsSender(provider.base, "key-123")
    accepted = sender.deliver(OutgoingMessage(id=42, channel="whatsapp", recipient="+4915112345678", subject="s",
                                              body="Hello"))
    assert accepted == "prov-1"  # the provider's id, kept on the outbox row
    [req] = provider.requests
    assert req == {"path": "/v1/messages", "auth": "Bearer key-123", "key": "tutorhub-outbox-42",
                   "json": {"to": "+4915112345678", "channel": "whatsapp", "body": "Hello"}}
    provider.status = 503
    with pytest.raises(DeliveryError) as temporary:
        sender.deliver(OutgoingMessage(id=43, channel="sms", recipient="+1", subject="", body="x"))
    assert not temporary.value.permanent
    provider.status = 400
    with pytest.raises(DeliveryError) as permanent:
        sender.deliver(OutgoingMessage(id=44, channel="sms", recipient="+1", subject="", body="x"))
    assert permanent.value.permanent


def test_unreachable_provider_and_smtp_raise_delivery_errors():
    with pytest.raises(DeliveryError):
        HttpSmsSender(f"http://127.0.0.1:{_free_port()}", "k", timeout=2).deliver(
            OutgoingMessage(id=1, channel="sms", recipient="+1", subject="", body="x"))
    with pytest.raises(DeliveryError):
        SmtpSender("127.0.0.1", _free_port(), starttls=False, timeout=2).deliver(
            OutgoingMessage(id=1, channel="email", recipient="a@b.example", subject="", body="x"))


def test_sms_reminder_survives_a_provider_failure_and_is_sent_exactly_once(env, provider, configure):
    configure(TUTORHUB_SMS_API_BASE=provider.base, TUTORHUB_SMS_API_KEY="key-123", TUTORHUB_DELIVER_IMMEDIATELY="0")
    with session_scope() as session:
        student = session.get(User, env.student.id)
        student.phone = "+12125550123"
        session.add(student)
        prefs.save_preferences(session, actor=env.student, enabled=["reminder:sms"])
    lesson = env.book(at(3, 10), confirm=True)
    due = at(2, 10)
    provider.status = 500
    assert run_reminders(now=due)["sent"] == 2
    assert outbox.deliver_due(now=due).retry == 1  # the provider is down
    assert run_reminders(now=due + timedelta(minutes=1))["sent"] == 0  # the reminder is not re-created
    provider.status = 200
    assert outbox.deliver_due(now=due + timedelta(minutes=2)).sent == 1
    assert outbox.deliver_due(now=due + timedelta(minutes=3)).sent == 0
    sms = [r for r in provider.requests if r["json"]["channel"] == "sms"]
    assert len(sms) == 2 and sms[0]["key"] == sms[1]["key"]  # one failed try + one success, same idempotency key
    assert sms[1]["json"]["to"] == "+12125550123" and "24 hours" in sms[1]["json"]["body"]
    assert count(ReminderLog, ReminderLog.booking_id == lesson.id) == 2


def test_permanent_failure_is_marked_failed_and_given_up(provider, configure, make_user):
    configure(TUTORHUB_SMS_API_BASE=provider.base, TUTORHUB_SMS_API_KEY="k", TUTORHUB_DELIVER_IMMEDIATELY="0")
    provider.status = 400
    user = make_user()
    with session_scope() as session:
        u = session.get(User, user.id)
        u.phone = "+4915112345678"
        session.add(u)
        prefs.save_preferences(session, actor=user, enabled=["system:sms"])
        notify(session, user_id=user.id, kind="system", title="x", now=utcnow())
    assert outbox.deliver_due().failed == 1
    assert rows(OutboxMessage)[0].status == OutboxStatus.FAILED
    assert outbox.deliver_due(now=utcnow() + timedelta(days=1)).as_dict()["sent"] == 0
    assert len(provider.requests) == 1
