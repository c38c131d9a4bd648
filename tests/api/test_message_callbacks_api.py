"""Signed delivery-status callbacks (Twilio, WhatsApp Cloud API) through the real routes: messages are
sent through the real SDKs to the local stand-ins, the callbacks are signed with the real algorithms
(twilio's RequestValidator, HMAC-SHA256 as Meta signs) and must move the outbox row's delivery status
only upwards, once, and never for a bad signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.api.conftest import db_snapshot, fresh
from tests.support.message_standins import CLOUD_PHONE_ID, CLOUD_TOKEN, TWILIO_SID, TWILIO_TOKEN, MessageProviderStandIn
from tests.support.notify import rows
from tutorhub.db import session_scope
from tutorhub.models import DeliveryStatus, OutboxDeliveryEvent, OutboxMessage, OutboxStatus, User
from tutorhub.models.base import utcnow
from tutorhub.services import outbox
from tutorhub.services.messaging import preferences as prefs
from tutorhub.services.messaging.notifications import notify
from tutorhub.settings import reset_settings

PUBLIC = "https://tutorhub.example"
TWILIO_URL = f"{PUBLIC}/api/v1/webhooks/twilio/status"
APP_SECRET, VERIFY_TOKEN = "meta-app-secret-for-tests", "verify-me-please"
PHONE = "+4915112345678"


@pytest.fixture
def standin():
    s = MessageProviderStandIn()
    yield s
    s.close()


@pytest.fixture
def providers(standin, monkeypatch):
    """SMS through Twilio and WhatsApp through the Cloud API, both at the stand-in, public URL PUBLIC."""
    env = {"TUTORHUB_PUBLIC_URL": PUBLIC, "TUTORHUB_SMS_PROVIDER": "twilio", "TUTORHUB_WHATSAPP_PROVIDER": "cloud",
           "TUTORHUB_TWILIO_ACCOUNT_SID": TWILIO_SID, "TUTORHUB_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
           "TUTORHUB_TWILIO_FROM_NUMBER": "+15005550006", "TUTORHUB_TWILIO_API_BASE": standin.base,
           "TUTORHUB_WHATSAPP_CLOUD_TOKEN": CLOUD_TOKEN, "TUTORHUB_WHATSAPP_CLOUD_PHONE_NUMBER_ID": CLOUD_PHONE_ID,
           "TUTORHUB_WHATSAPP_CLOUD_TEMPLATE": "tutorhub_update", "TUTORHUB_WHATSAPP_CLOUD_API_BASE": standin.base,
           "TUTORHUB_WHATSAPP_APP_SECRET": APP_SECRET, "TUTORHUB_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
           "TUTORHUB_DELIVER_IMMEDIATELY": "0"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    yield standin
    monkeypatch.undo()
    reset_settings()


def _sent(make_user, channel: str, phone: str = PHONE) -> OutboxMessage:
    """A user who chose `channel` for system messages, notified once and delivered: the outbox row."""
    user = make_user()
    with session_scope() as session:
        u = session.get(User, user.id)
        u.phone = phone
        session.add(u)
        prefs.save_preferences(session, actor=user, enabled=[f"system:{channel}"])
        notify(session, user_id=user.id, kind="system", title="Lesson moved", body="Your lesson moved.",
               link="/lessons/9", now=utcnow())
    assert outbox.deliver_due().sent == 1
    [row] = [r for r in rows(OutboxMessage) if r.channel == channel and r.user_id == user.id]
    return row


def _twilio(client, params: dict[str, str], *, url: str = TWILIO_URL, signature: str | None = None,
            token: str = TWILIO_TOKEN):
    sig = RequestValidator(token).compute_signature(url, params) if signature is None else signature
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if sig:
        headers["X-Twilio-Signature"] = sig
    return client.post("/api/v1/webhooks/twilio/status", content=urlencode(params), headers=headers)


def _status(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status, "AccountSid": TWILIO_SID,
            "From": "+15005550006", "To": PHONE, "ApiVersion": "2010-04-01", **extra}


def _cloud_body(message_id: str, status: str, *, timestamp: int = 1796644800, errors=None) -> bytes:
    item = {"id": message_id, "status": status, "timestamp": str(timestamp), "recipient_id": PHONE.lstrip("+")}
    if errors:
        item["errors"] = errors
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1029384756", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
                                       "metadata": {"display_phone_number": "15550001111", "phone_number_id": CLOUD_PHONE_ID},
                                       "statuses": [item]}}]}]}).encode()


def _cloud(client, body: bytes, *, secret: str = APP_SECRET, signature: str | None = None):
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() if signature is None else signature
    headers = {"Content-Type": "application/json"}
    if sig:
        headers["X-Hub-Signature-256"] = sig
    return client.post("/api/v1/webhooks/whatsapp", content=body, headers=headers)


def _row(row_id: int) -> OutboxMessage:
    [found] = [r for r in rows(OutboxMessage) if r.id == row_id]
    return found


def test_twilio_keeps_the_sid_and_is_given_the_public_status_callback(providers, make_user):
    row = _sent(make_user, "sms")
    [req] = providers.requests
    assert req["form"]["StatusCallback"] == TWILIO_URL
    assert row.provider == "twilio" and row.provider_message_id.startswith("SM")
    assert row.delivery_status == "" and row.status == OutboxStatus.SENT


def test_twilio_callbacks_move_the_status_up_only_and_once(client, providers, make_user, db):
    row = _sent(make_user, "sms")
    sid = row.provider_message_id
    res = _twilio(client, _status(sid, "sent"))
    assert res.status_code == 200 and res.json() == {"received": True, "recorded": 1}
    assert _row(row.id).delivery_status == DeliveryStatus.SENT
    assert _twilio(client, _status(sid, "delivered")).json()["recorded"] == 1
    delivered = _row(row.id)
    assert delivered.delivery_status == DeliveryStatus.DELIVERED and delivered.delivery_at is not None
    # replayed and late callbacks change nothing
    fresh(db)
    before = db_snapshot()
    for late in ("delivered", "sent", "queued", "sending"):
        res = _twilio(client, _status(sid, late))
        assert res.status_code == 200 and res.json()["recorded"] == 0, late
    after = db_snapshot()
    assert after["outbox_messages"] == before["outbox_messages"]
    assert len(after["outbox_delivery_events"]) == len(before["outbox_delivery_events"]) + 2  # queued, sending: new, no move
    assert _row(row.id).delivery_status == DeliveryStatus.DELIVERED
    assert sorted(e.raw_status for e in rows(OutboxDeliveryEvent)) == ["delivered", "queued", "sending", "sent"]


def test_twilio_out_of_order_failure_lands_on_the_same_final_state(client, providers, make_user):
    one, two = _sent(make_user, "sms"), _sent(make_user, "sms", phone="+4915112345679")
    order_a = [("undelivered", {"ErrorCode": "30003"}), ("sent", {}), ("queued", {})]
    for status, extra in order_a:
        assert _twilio(client, _status(one.provider_message_id, status, **extra)).status_code == 200
    for status, extra in reversed(order_a):
        assert _twilio(client, _status(two.provider_message_id, status, **extra)).status_code == 200
    for row_id in (one.id, two.id):
        final = _row(row_id)
        assert final.delivery_status == DeliveryStatus.UNDELIVERED and final.delivery_error == "error 30003"


def test_a_failed_sms_falls_back_to_email_once(client, providers, make_user):
    row = _sent(make_user, "sms")
    for _ in range(2):
        assert _twilio(client, _status(row.provider_message_id, "failed", ErrorCode="30006")).status_code == 200
    assert _twilio(client, _status(row.provider_message_id, "undelivered", ErrorCode="30005")).status_code == 200
    emails = [r for r in rows(OutboxMessage) if r.channel == "email"]
    assert len(emails) == 1
    [email] = emails
    assert email.fallback_of == row.id and email.user_id == row.user_id and email.body == row.body
    assert email.subject == "Lesson moved"


def test_twilio_bad_signatures_are_refused_and_change_nothing(client, providers, make_user, db):
    row = _sent(make_user, "sms")
    params = _status(row.provider_message_id, "delivered")
    fresh(db)
    before = db_snapshot()
    internal = "http://testserver/api/v1/webhooks/twilio/status"  # the URL the app sees, not the one Twilio signed
    attempts = [
        _twilio(client, params, signature=""),  # missing
        _twilio(client, params, signature="bm90IGEgc2lnbmF0dXJl"),  # forged
        _twilio(client, params, token="another-accounts-token"),
        _twilio(client, params, url=internal),
        _twilio(client, params, url=f"{PUBLIC}/api/v1/webhooks/other"),
    ]
    signed = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_URL, params)
    tampered = {**params, "MessageStatus": "read"}  # a signature for another body
    attempts.append(_twilio(client, tampered, signature=signed))
    assert [r.status_code for r in attempts] == [403] * 6
    assert db_snapshot() == before


def test_twilio_unknown_ids_and_garbage(client, providers, make_user, db):
    _sent(make_user, "sms")
    fresh(db)
    before = db_snapshot()
    res = _twilio(client, _status("SM" + "f" * 32, "delivered"))
    assert res.status_code == 200 and res.json()["recorded"] == 0
    assert _twilio(client, {"Hello": "world"}).status_code == 400  # signed, but not a status callback
    assert _twilio(client, _status("SM" + "e" * 32, "receiving")).json()["recorded"] == 0  # says nothing about delivery
    raw = b"\xff\xfe" * 10
    assert client.post("/api/v1/webhooks/twilio/status", content=raw,
                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                "X-Twilio-Signature": "x"}).status_code == 400
    huge = client.post("/api/v1/webhooks/twilio/status", content=b"a=" + b"b" * (2 * 1024 * 1024),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    assert db_snapshot() == before


def test_cloud_api_keeps_the_wamid_and_its_signed_statuses_move_up_only(client, providers, make_user, db):
    row = _sent(make_user, "whatsapp")
    wamid = row.provider_message_id
    assert row.provider == "whatsapp-cloud" and wamid.startswith("wamid.")
    assert _cloud(client, _cloud_body(wamid, "delivered", timestamp=1796644860)).json() == {"received": True,
                                                                                             "recorded": 1}
    assert _cloud(client, _cloud_body(wamid, "sent", timestamp=1796644800)).json()["recorded"] == 0  # late
    assert _cloud(client, _cloud_body(wamid, "read", timestamp=1796644900)).json()["recorded"] == 1
    assert _cloud(client, _cloud_body(wamid, "read", timestamp=1796644900)).json()["recorded"] == 0  # replay
    final = _row(row.id)
    assert final.delivery_status == DeliveryStatus.READ
    assert int(final.delivery_at.timestamp()) == 1796644900  # the provider's time
    fresh(db)
    before = db_snapshot()
    body = _cloud_body(wamid, "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    refused = [
        _cloud(client, body, signature=""),
        _cloud(client, body, signature="sha256=" + "0" * 64),
        _cloud(client, body, secret="another-app-secret"),
        _cloud(client, body, signature="sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()),
        _cloud(client, body.replace(b"failed", b"delivered"),
               signature="sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert _cloud(client, b"{not json").status_code == 400
    assert _cloud(client, b'{"entry": [{"changes": [{"value": {"statuses": [{"status": "sent"}]}}]}]}').status_code == 400
    assert _cloud(client, _cloud_body("wamid.unknown", "delivered")).json()["recorded"] == 0
    assert _cloud(client, json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()).status_code == 200
    assert _cloud(client, b"x" * (2 * 1024 * 1024), signature="sha256=00").status_code == 413
    assert db_snapshot()["outbox_messages"] == before["outbox_messages"]


def test_cloud_api_failure_records_the_error(client, providers, make_user):
    row = _sent(make_user, "whatsapp")
    body = _cloud_body(row.provider_message_id, "failed",
                       errors=[{"code": 131026, "title": "Message undeliverable",
                                "error_data": {"details": "Receiver is incapable of receiving this message"}}])
    assert _cloud(client, body).json()["recorded"] == 1
    final = _row(row.id)
    assert final.delivery_status == DeliveryStatus.FAILED
    assert final.delivery_error.startswith("error 131026: Message undeliverable Receiver is incapable")
    assert [r.fallback_of for r in rows(OutboxMessage) if r.channel == "email"] == [row.id]


def test_whatsapp_subscription_handshake(client, providers):
    ok = client.get("/api/v1/webhooks/whatsapp",
                    params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444" and ok.headers["content-type"].startswith("text/plain")
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                   {"hub.challenge": "1"}):
        assert client.get("/api/v1/webhooks/whatsapp", params=params).status_code == 403, params


def test_callbacks_answer_404_when_not_configured(client):
    assert _twilio(client, _status("SM" + "a" * 32, "sent")).status_code == 404
    assert _cloud(client, _cloud_body("wamid.x", "sent")).status_code == 404
    assert _twilio(client, _status("SM" + "a" * 32, "sent"), signature="").status_code == 403  # unsigned: 403 always
    assert _cloud(client, _cloud_body("wamid.x", "sent"), signature="").status_code == 403
    assert client.get("/api/v1/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "x",
                                                           "hub.challenge": "1"}).status_code == 404


def test_openapi_describes_the_callbacks(client):
    doc = client.get("/api/v1/openapi.json").json()
    twilio = doc["paths"]["/api/v1/webhooks/twilio/status"]["post"]
    assert "application/x-www-form-urlencoded" in twilio["requestBody"]["content"]
    assert {"200", "403", "404"} <= set(twilio["responses"])
    whatsapp = doc["paths"]["/api/v1/webhooks/whatsapp"]
    assert {"get", "post"} <= set(whatsapp)
    assert {p["name"] for p in whatsapp["get"]["parameters"]} >= {"hub.mode", "hub.verify_token", "hub.challenge"}
    assert any(p["name"] == "X-Hub-Signature-256" for p in whatsapp["post"]["parameters"])
