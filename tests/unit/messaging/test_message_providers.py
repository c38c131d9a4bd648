"""Twilio (SMS, WhatsApp) and the WhatsApp Cloud API (pywa), through the real SDKs against a local
stand-in that checks what each provider checks and answers in its shapes; chosen by settings, queued and
retried by the outbox exactly like the generic HTTP sender."""

from __future__ import annotations

import base64
import json
import socket
from datetime import timedelta

import pytest

from tests.support.message_standins import (
    CLOUD_PHONE_ID,
    CLOUD_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    MessageProviderStandIn,
    cloud_error,
    twilio_error,
)
from tests.support.notify import rows
from tutorhub.db import session_scope
from tutorhub.env_values import SettingsError
from tutorhub.integrations.message_providers import TwilioSender, WhatsAppCloudSender
from tutorhub.integrations.messaging import DeliveryError, HttpSmsSender, OutgoingMessage, get_transport
from tutorhub.models import OutboxMessage, OutboxStatus, User
from tutorhub.models.base import utcnow
from tutorhub.services import outbox
from tutorhub.services.messaging import preferences as prefs
from tutorhub.services.messaging.notifications import notify
from tutorhub.settings import get_settings

PHONE = "+4915112345678"


@pytest.fixture
def standin():
    s = MessageProviderStandIn()
    yield s
    s.close()


def _twilio_env(standin: MessageProviderStandIn, **extra: str) -> dict[str, str]:
    return {"TUTORHUB_TWILIO_ACCOUNT_SID": TWILIO_SID, "TUTORHUB_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TUTORHUB_TWILIO_FROM_NUMBER": "+15005550006", "TUTORHUB_TWILIO_WHATSAPP_FROM": "+14155238886",
            "TUTORHUB_TWILIO_API_BASE": standin.base, "TUTORHUB_DELIVER_IMMEDIATELY": "0", **extra}


def _cloud_env(standin: MessageProviderStandIn, **extra: str) -> dict[str, str]:
    return {"TUTORHUB_WHATSAPP_PROVIDER": "cloud", "TUTORHUB_WHATSAPP_CLOUD_TOKEN": CLOUD_TOKEN,
            "TUTORHUB_WHATSAPP_CLOUD_PHONE_NUMBER_ID": CLOUD_PHONE_ID,
            "TUTORHUB_WHATSAPP_CLOUD_TEMPLATE": "tutorhub_update", "TUTORHUB_WHATSAPP_CLOUD_TEMPLATE_LANGUAGE": "de",
            "TUTORHUB_WHATSAPP_CLOUD_API_BASE": standin.base, "TUTORHUB_DELIVER_IMMEDIATELY": "0", **extra}


def _notify_by(make_user, channel: str, body: str = "Your lesson moved.\nOpen it:") -> int:
    """A user with a phone who chose `channel` for system messages, notified once; returns the user id."""
    user = make_user()
    with session_scope() as session:
        u = session.get(User, user.id)
        u.phone = PHONE
        session.add(u)
        prefs.save_preferences(session, actor=user, enabled=[f"system:{channel}"])
        notify(session, user_id=user.id, kind="system", title="Lesson moved", body=body, link="/lessons/9",
               now=utcnow())
    return user.id


def _message(channel: str = "sms", body: str = "Hello") -> OutgoingMessage:
    return OutgoingMessage(id=7, channel=channel, recipient=PHONE, subject="s", body=body)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_twilio_sms_leaves_the_outbox_through_the_sdk(standin, configure, make_user):
    configure(TUTORHUB_SMS_PROVIDER="twilio", TUTORHUB_PUBLIC_URL="https://tutorhub.example", **_twilio_env(standin))
    assert isinstance(get_transport("sms"), TwilioSender)
    assert get_transport("whatsapp") is None  # WhatsApp stays on the (unconfigured) default provider
    _notify_by(make_user, "sms")
    assert outbox.deliver_due().sent == 1
    [req] = standin.requests
    assert req["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert req["headers"]["Authorization"] == "Basic " + base64.b64encode(
        f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert req["form"]["To"] == PHONE and req["form"]["From"] == "+15005550006"
    assert req["form"]["Body"].startswith("Your lesson moved.\nOpen it:") and "/lessons/9" in req["form"]["Body"]
    [row] = rows(OutboxMessage)
    assert row.status == OutboxStatus.SENT and row.channel == "sms"
    assert row.provider == "twilio" and row.provider_message_id.startswith("SM")
    assert req["form"]["StatusCallback"] == "https://tutorhub.example/api/v1/webhooks/twilio/status"
    assert outbox.deliver_due(now=utcnow() + timedelta(hours=1)).sent == 0 and len(standin.requests) == 1


def test_twilio_whatsapp_uses_whatsapp_addresses_and_the_approved_content_template(standin):
    free_text = TwilioSender(TWILIO_SID, TWILIO_TOKEN, sender="+14155238886", whatsapp=True, api_base=standin.base)
    assert free_text.deliver(_message("whatsapp", "Hi there")).startswith("SM")  # the SID, kept for callbacks
    templated = TwilioSender(TWILIO_SID, TWILIO_TOKEN, sender="whatsapp:+14155238886", whatsapp=True,
                             content_sid="HX" + "a" * 32, api_base=standin.base)
    templated.deliver(_message("whatsapp", "Class moved.\n\nSee   /classes/3"))
    first, second = (r["form"] for r in standin.requests)
    assert first == {"To": f"whatsapp:{PHONE}", "From": "whatsapp:+14155238886", "Body": "Hi there"}
    assert second["To"] == f"whatsapp:{PHONE}" and second["ContentSid"] == "HX" + "a" * 32
    assert "Body" not in second
    assert json.loads(second["ContentVariables"]) == {"1": "Class moved. See /classes/3"}  # one line, as Meta requires


def test_twilio_errors_are_temporary_or_permanent_like_the_outbox_expects(standin):
    sender = TwilioSender(TWILIO_SID, TWILIO_TOKEN, sender="+15005550006", api_base=standin.base)
    standin.fail = twilio_error(503, 20503, "Service unavailable")
    with pytest.raises(DeliveryError) as temporary:
        sender.deliver(_message())
    assert not temporary.value.permanent and "503" in str(temporary.value)
    standin.fail = twilio_error(429, 20429, "Too Many Requests")
    with pytest.raises(DeliveryError) as throttled:
        sender.deliver(_message())
    assert not throttled.value.permanent
    standin.fail = twilio_error(400, 21211, "Invalid 'To' Phone Number")
    with pytest.raises(DeliveryError) as permanent:
        sender.deliver(_message())
    assert permanent.value.permanent and "21211" in str(permanent.value)
    standin.fail = None
    with pytest.raises(DeliveryError) as refused:  # a wrong auth token is refused by the stand-in's Basic check
        TwilioSender(TWILIO_SID, "wrong", sender="+15005550006", api_base=standin.base).deliver(_message())
    assert refused.value.permanent and "20003" in str(refused.value)
    with pytest.raises(DeliveryError) as unreachable:
        TwilioSender(TWILIO_SID, TWILIO_TOKEN, sender="+1", api_base=f"http://127.0.0.1:{_free_port()}",
                     timeout=2).deliver(_message())
    assert not unreachable.value.permanent


def test_cloud_api_whatsapp_sends_the_approved_template_with_the_text_as_its_parameter(standin, configure, make_user):
    configure(**_cloud_env(standin))
    assert isinstance(get_transport("whatsapp"), WhatsAppCloudSender)
    _notify_by(make_user, "whatsapp")
    assert outbox.deliver_due().sent == 1
    [req] = standin.requests
    assert req["path"].endswith(f"/{CLOUD_PHONE_ID}/messages") and req["path"].startswith("/v")
    assert req["headers"]["Authorization"] == f"Bearer {CLOUD_TOKEN}"
    body = req["json"]
    assert body["messaging_product"] == "whatsapp" and body["type"] == "template" and body["to"] == PHONE
    assert body["template"]["name"] == "tutorhub_update" and body["template"]["language"] == {"code": "de"}
    [component] = body["template"]["components"]
    assert component["type"].lower() == "body"
    [param] = component["parameters"]
    assert param["type"] == "text" and "\n" not in param["text"]
    assert param["text"].startswith("Your lesson moved. Open it:") and "/lessons/9" in param["text"]
    [row] = rows(OutboxMessage)
    assert row.status == OutboxStatus.SENT and row.provider == "whatsapp-cloud"
    assert row.provider_message_id.startswith("wamid.")


def test_cloud_api_outage_is_retried_and_a_refusal_is_final(standin, configure, make_user):
    configure(**_cloud_env(standin))
    _notify_by(make_user, "whatsapp")
    now = utcnow()
    standin.fail = cloud_error(500, 131000, "Something went wrong")
    assert outbox.deliver_due(now=now).retry == 1
    [row] = rows(OutboxMessage)
    assert row.status == OutboxStatus.PENDING and "500" in row.last_error and "131000" in row.last_error
    standin.fail = None
    assert outbox.deliver_due(now=now + timedelta(minutes=5)).sent == 1
    assert len(standin.requests) == 2 and rows(OutboxMessage)[0].status == OutboxStatus.SENT

    sender = WhatsAppCloudSender(CLOUD_TOKEN, CLOUD_PHONE_ID, template="tutorhub_update", api_base=standin.base)
    standin.fail = cloud_error(400, 132001, "Template name does not exist in the translation")
    with pytest.raises(DeliveryError) as permanent:
        sender.deliver(_message("whatsapp"))
    assert permanent.value.permanent and "132001" in str(permanent.value)
    standin.fail = cloud_error(429, 130429, "Rate limit hit")
    with pytest.raises(DeliveryError) as throttled:
        sender.deliver(_message("whatsapp"))
    assert not throttled.value.permanent
    standin.fail = None
    with pytest.raises(DeliveryError) as bad_token:
        WhatsAppCloudSender("wrong", CLOUD_PHONE_ID, template="t", api_base=standin.base).deliver(_message("whatsapp"))
    assert bad_token.value.permanent and "190" in str(bad_token.value)
    with pytest.raises(DeliveryError) as unreachable:
        WhatsAppCloudSender(CLOUD_TOKEN, CLOUD_PHONE_ID, template="t", api_base=f"http://127.0.0.1:{_free_port()}",
                            timeout=2).deliver(_message("whatsapp"))
    assert not unreachable.value.permanent


def test_providers_are_chosen_per_channel_and_must_be_fully_configured(standin, configure):
    configure(TUTORHUB_SMS_API_BASE="http://127.0.0.1:9/v1", TUTORHUB_SMS_API_KEY="k", **_cloud_env(standin))
    assert isinstance(get_transport("sms"), HttpSmsSender)  # the default provider keeps carrying SMS
    assert isinstance(get_transport("whatsapp"), WhatsAppCloudSender)
    configure(TUTORHUB_WHATSAPP_PROVIDER="twilio", **_twilio_env(standin))
    whatsapp = get_transport("whatsapp")
    assert isinstance(whatsapp, TwilioSender) and whatsapp.sender == "whatsapp:+14155238886"
    for bad in ({"TUTORHUB_SMS_PROVIDER": "twilio", "TUTORHUB_TWILIO_FROM_NUMBER": ""},
                {"TUTORHUB_WHATSAPP_PROVIDER": "cloud", "TUTORHUB_WHATSAPP_CLOUD_TEMPLATE": ""},
                {"TUTORHUB_WHATSAPP_CLOUD_TEMPLATE_LANGUAGE": "english"},
                {"TUTORHUB_SMS_PROVIDER": "cloud"}):
        configure(**bad)
        with pytest.raises(SettingsError):
            get_settings()
        configure(TUTORHUB_SMS_PROVIDER="http", TUTORHUB_WHATSAPP_PROVIDER="http",
                  TUTORHUB_TWILIO_FROM_NUMBER="+15005550006", TUTORHUB_WHATSAPP_CLOUD_TEMPLATE="tutorhub_update",
                  TUTORHUB_WHATSAPP_CLOUD_TEMPLATE_LANGUAGE="de")
        get_settings()


def test_a_lost_twilio_answer_is_not_sent_twice(standin, configure, make_user):
    """Twilio accepted the message but its answer was lost (a 500 here): the retry finds the message among
    those Twilio holds for the recipient and records its SID instead of sending it again."""
    configure(TUTORHUB_SMS_PROVIDER="twilio", **_twilio_env(standin))  # a local public URL: no status callback
    _notify_by(make_user, "sms")
    now = utcnow()
    standin.lose_answer = True
    assert outbox.deliver_due(now=now).retry == 1
    [accepted] = standin.twilio_messages
    assert outbox.deliver_due(now=now + timedelta(minutes=5)).sent == 1
    assert standin.twilio_messages == [accepted]  # no second message
    [row] = rows(OutboxMessage)
    assert row.status == OutboxStatus.SENT and row.provider_message_id == accepted["sid"] and row.attempts == 2
    lookup = [r for r in standin.requests if r.get("method") == "GET"]
    assert [(r["query"]["To"], r["query"]["From"]) for r in lookup] == [(PHONE, "+15005550006")]
    assert all("StatusCallback" not in r["form"] for r in standin.requests if "form" in r)  # Twilio cannot reach localhost


def test_a_crash_after_twilio_accepted_is_not_sent_twice(standin, configure, make_user):
    """The process died between Twilio's acceptance and the "sent" mark: the expired claim is taken over
    and the earlier message is found, not repeated; a retry after a refusal that sent nothing does send."""
    configure(TUTORHUB_SMS_PROVIDER="twilio", **_twilio_env(standin))
    user_id = _notify_by(make_user, "sms")
    now = utcnow()
    [row] = rows(OutboxMessage)
    with session_scope() as session:
        assert outbox._claim(session, row.id, now)  # the dying process's claim ...
    sid = get_transport("sms").deliver(OutgoingMessage(id=row.id, channel="sms", recipient=PHONE, subject="",
                                                       body=row.body))  # ... and its send; then it dies
    assert outbox.deliver_due(now=now + timedelta(seconds=outbox.CLAIM_SECONDS + 1)).sent == 1
    [after] = rows(OutboxMessage)
    assert after.provider_message_id == sid and len(standin.twilio_messages) == 1

    with session_scope() as session:
        notify(session, user_id=user_id, kind="system", title="Moved", body="Another lesson moved.", now=now)
    standin.fail = twilio_error(503, 20503, "Service unavailable")
    assert outbox.deliver_due(now=now).retry == 1
    standin.fail = None
    assert outbox.deliver_due(now=now + timedelta(minutes=5)).sent == 1
    assert len(standin.twilio_messages) == 2  # nothing was accepted the first time: sent once now
    assert standin.twilio_messages[1]["body"].startswith("Another lesson moved.")
