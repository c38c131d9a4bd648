"""The delivery-report rules without HTTP: any order and any number of repeats of a message's reports
end in the same row (the highest status, its error), and the demo seeds reports through the same path."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tutorhub.demo.ops import seed_delivery_demo
from tutorhub.integrations.message_callbacks import CLOUD_PROVIDER, StatusReport
from tutorhub.models import DeliveryStatus, OutboxDeliveryEvent, OutboxMessage, OutboxStatus
from tutorhub.services.messaging.delivery_reports import record_reports

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
REPORTS = [StatusReport(CLOUD_PROVIDER, "wamid.A", status, status, f"error {i}" if i in (2, 3) else "",
                        datetime(2026, 12, 7, 11, i, tzinfo=UTC))
           for i, status in enumerate(DeliveryStatus.ORDER[1:], start=1)]  # sent .. read


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.sampled_from(range(len(REPORTS))), min_size=1, max_size=8))
def test_any_order_and_any_repeats_end_in_the_highest_status(db, picks):
    for row in db.exec(select(OutboxDeliveryEvent)).all():
        db.delete(row)
    for row in db.exec(select(OutboxMessage)).all():
        db.delete(row)
    db.flush()
    row = OutboxMessage(channel="whatsapp", recipient="+4915112345678", body="b", status=OutboxStatus.SENT,
                        provider=CLOUD_PROVIDER, provider_message_id="wamid.A")
    db.add(row)
    db.flush()
    changed = record_reports(db, [REPORTS[i] for i in picks], now=NOW)
    db.expire_all()
    final = db.get(OutboxMessage, row.id)
    best = REPORTS[max(picks)]
    assert (final.delivery_status, final.delivery_error, final.delivery_at) == (best.status, best.error, best.at)
    assert len(db.exec(select(OutboxDeliveryEvent)).all()) == len(set(picks))  # each report stored once
    assert 1 <= changed <= len(set(picks))
    db.rollback()


def test_demo_delivery_reports(db, make_user):
    student = make_user(email="student1@tutorhub.test")
    assert seed_delivery_demo(db, now=NOW) == 4
    db.commit()
    sms = db.exec(select(OutboxMessage).where(OutboxMessage.channel == "sms").order_by(OutboxMessage.id)).all()
    assert [(r.delivery_status, r.delivery_error) for r in sms] == [("delivered", ""), ("undelivered", "error 30003")]
    [email] = db.exec(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()
    assert email.fallback_of == sms[1].id and email.recipient == "student1@tutorhub.test" and email.user_id == student.id
