"""The purpose registry (purposes.HANDLERS): every payment purpose the model knows has a handler,
and gateway events about a payment reach the handler of that payment's purpose and no other."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import Payment, Role
from tutorhub.models.money import PaymentPurpose
from tutorhub.services.checkout import events
from tutorhub.services.checkout.purposes import HANDLERS
from tutorhub.services.money import payments

T = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _event(kind: EventKind, payment: Payment, **data: str) -> GatewayEvent:
    return GatewayEvent(gateway="sandbox", event_id=f"evt_{uuid.uuid4().hex}", kind=kind, raw_type=kind.value,
                        reference=payment.reference, gateway_ref=f"g_{payment.reference}",
                        amount_minor=payment.amount_minor, currency=payment.currency, occurred_at=T, data=data)


def test_every_purpose_of_the_payment_model_has_a_handler():
    constants = {value for name, value in vars(PaymentPurpose).items() if name.isupper() and isinstance(value, str)}
    assert constants == set(PaymentPurpose.ALL) == set(HANDLERS)
    for purpose in (PaymentPurpose.MINUTE_PACK, PaymentPurpose.SUBSCRIPTION, PaymentPurpose.LEAD_CREDITS):
        assert HANDLERS[purpose].take_back is not None  # a refunded purchase takes its units back


@pytest.fixture
def spies(monkeypatch):
    """Every handler replaced by a recorder (the registry is restored after the test)."""
    calls: list[tuple[str, str, str]] = []
    for purpose, handler in list(HANDLERS.items()):
        def capture(session, payment, /, *, now, _purpose=purpose):
            calls.append(("capture", _purpose, payment.reference))
            return True

        def take_back(session, payment, /, *, now, charged_back, _purpose=purpose):
            calls.append(("take_back", _purpose, payment.reference))

        def provider_event(session, event, /, *, now, _purpose=purpose):
            calls.append(("provider_event", _purpose, event.event_id))

        monkeypatch.setitem(HANDLERS, purpose, dataclasses.replace(
            handler, capture=capture, take_back=take_back if handler.take_back else None,
            provider_event=provider_event if handler.provider_event else None))
    return calls


@pytest.mark.parametrize("purpose", PaymentPurpose.ALL)
def test_a_payments_events_go_to_the_handler_of_its_purpose(db, make_user, spies, purpose):
    student = make_user(Role.STUDENT)
    payment = Payment(reference=payments.new_reference(), user_id=student.id, purpose=purpose, amount_minor=5000,
                      currency="USD", gateway="sandbox", created_at=T, updated_at=T)
    db.add(payment)
    db.flush()
    events.apply_gateway_event(db, _event(EventKind.PAYMENT_SUCCEEDED, payment), now=T)
    events.apply_gateway_event(db, _event(EventKind.REFUND_SUCCEEDED, payment, refund_id=f"re_{purpose}"), now=T)
    expected = [("capture", purpose, payment.reference)]
    if HANDLERS[purpose].take_back is not None:
        expected.append(("take_back", purpose, payment.reference))
    assert spies == expected


def test_a_providers_subscription_event_goes_to_the_subscription_handler(db, spies):
    renewal = GatewayEvent(gateway="stripe", event_id="evt_renewed", kind=EventKind.SUBSCRIPTION_RENEWED,
                           raw_type="invoice.paid", reference=None, gateway_ref="in_1", amount_minor=4000,
                           currency="USD", occurred_at=T, data={"subscription_id": "sub_1"})
    events.apply_gateway_event(db, renewal, now=T)
    assert spies == [("provider_event", PaymentPurpose.SUBSCRIPTION, "evt_renewed")]
