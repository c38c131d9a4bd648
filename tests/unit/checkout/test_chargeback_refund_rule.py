"""The rule for a cancellation refund while a chargeback is open (escrow.py's docstring): the open
chargeback counts as already returned, so the refund is capped; if we later win the chargeback,
the withheld share goes to the student's wallet then (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.support.booking import NOW, at
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import Refund
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.checkout import escrow, lesson_payments
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.money import ledger
from tutorhub.services.ops.ledger_verify import verify_ledger


def _event(env, reference, kind, amount, event_id):
    payment_events.apply_gateway_event(env.db, GatewayEvent(
        gateway="sandbox", event_id=event_id, kind=kind, raw_type=kind.value, reference=reference, gateway_ref=None,
        amount_minor=amount, currency="EUR", occurred_at=NOW, data={"dispute_id": "dp_1"}), now=NOW)


def _wallet(env):
    return ledger.balance(env.db, f"student:{env.student.id}:wallet", "EUR")


def test_an_open_chargeback_caps_the_cancellation_refund_and_a_won_one_pays_the_rest(env):
    held = env.book(at(3, 10))
    out = lesson_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway", now=NOW)
    sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed", now=NOW)
    _event(env, out.payment_reference, EventKind.DISPUTE_OPENED, 1000, "evt_dp_open")  # 10.00 of 30.00 disputed
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    escrow.run_money_jobs(env.db, now=NOW)
    assert env.db.exec(select(Refund)).one().amount_minor == 2000  # paid − open chargeback
    assert _wallet(env) == 0  # the 20.00 went back to the card
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    _event(env, out.payment_reference, EventKind.DISPUTE_WON, 1000, "evt_dp_won")
    assert _wallet(env) == 1000  # the withheld 10.00 now goes to the student
    assert ledger.balance(env.db, "platform:disputes", "EUR") == 0
    _event(env, out.payment_reference, EventKind.DISPUTE_WON, 1000, "evt_dp_won_again")
    assert _wallet(env) == 1000
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []
