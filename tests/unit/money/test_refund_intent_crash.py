"""A refund to an outside provider survives a crash at any point, and is made exactly once
(issue 11: Razorpay has no idempotency header, so a retry must first ask whether it happened).

The refund is sent by a SUBPROCESS whose own -c script replaces one of gateway_intents' no-op
seams with os._exit — right after the intent was claimed (before the call), or right after the
provider answered (before we confirmed). Then this process runs the resume job and checks that the
Razorpay stand-in saw exactly one refund, that the intent is confirmed and that the ledger verifies.
Before this change the refund was called inside the caller's transaction: a crash after the call
rolled everything back, and the settlement retried it — a second refund at the provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.crash import CRASHED, crash_at, verify_ledger_cli
from tests.support.gateway_standin import Recorded, StandIn
from tutorhub.models import Payment, Refund, Role
from tutorhub.services.billing import duplicate_payments
from tutorhub.services.money import gateway_intents, ledger
from tutorhub.services.ops.ledger_verify import verify_ledger

gateway_env = gateway_support.gateway_env
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SEAMS = {"claimed": "_after_intent_claimed", "called": "_after_gateway_call"}


def _razorpay_with_refunds(api: StandIn) -> list[dict]:
    """A stateful stand-in: POST …/refund makes a refund, GET …/refunds lists them (like Razorpay)."""
    made: list[dict] = []

    def create(req: Recorded):
        body = req.json()
        refund = {"id": f"rfnd_{len(made) + 1}", "entity": "refund", "amount": body["amount"], "currency": "INR",
                  "payment_id": req.path.split("/")[3], "status": "processed", "receipt": body.get("receipt"),
                  "notes": body.get("notes") or {}}
        made.append(refund)
        return 200, refund

    api.on_call("POST", "/v1/payments/pay_rzp_1/refund", create)
    api.on_call("GET", "/v1/payments/pay_rzp_1/refunds",
                lambda _req: (200, {"entity": "collection", "count": len(made), "items": list(made)}))
    return made


def _paid_purchase(db, make_user) -> Payment:
    student = make_user(Role.STUDENT)
    payment = Payment(reference="pay_crash_1", user_id=student.id, purpose="minute_pack", amount_minor=50000,
                      currency="INR", gateway="razorpay", gateway_ref="pay_rzp_1", status="succeeded", created_at=NOW,
                      updated_at=NOW, succeeded_at=NOW, extra={})
    db.add(payment)
    db.flush()
    ledger.post(db, kind="purchase", idempotency_key="payment:pay_crash_1:captured", user_id=student.id,
                lines=[ledger.Line("gateway:razorpay:clearing", 50000, "INR"), ledger.Line("platform:revenue", -50000, "INR")],
                payment_id=payment.id, now=NOW)
    return payment


@pytest.mark.parametrize("where", ["claimed", "called"])
def test_a_refund_intent_killed_mid_way_is_resumed_and_made_exactly_once(db, make_user, gateway_env, where):
    with gateway_support.standin_gateway(
        lambda **env: gateway_env(**env, TUTORHUB_DELIVER_IMMEDIATELY="0"), gateway_support.razorpay_env
    ) as api:
        made = _razorpay_with_refunds(api)
        payment = _paid_purchase(db, make_user)
        assert duplicate_payments.refund_unused_payment(db, payment, reason="test", now=NOW)
        db.commit()  # step 1: the intent (and its ledger posting) is durable; nothing sent yet
        reference = duplicate_payments.refund_reference(payment)
        assert db.exec(select(Refund.status)).one() == gateway_intents.REQUESTED and made == []

        crashed = crash_at("tutorhub.services.money.gateway_intents", SEAMS[where], "send_refund", reference, NOW)
        assert crashed.returncode == CRASHED, crashed.stderr
        assert len(made) == (1 if where == "called" else 0)
        db.rollback()
        assert db.exec(select(Refund.status)).one() == gateway_intents.SENDING  # claimed, outcome unknown

        assert gateway_intents.resume_refund_intents(now=NOW + timedelta(minutes=1)) == 0  # too fresh to retry
        assert gateway_intents.resume_refund_intents(now=NOW + gateway_intents.RESUME_AFTER) == 1
        assert gateway_intents.resume_refund_intents(now=NOW + timedelta(hours=1)) == 0  # nothing left
        assert len(made) == 1  # exactly one refund at the provider
        assert len(api.find("POST", "/v1/payments/pay_rzp_1/refund")) == 1
        db.rollback()
        refund = db.exec(select(Refund)).one()
        assert (refund.status, refund.gateway_ref, refund.destination) == ("succeeded", "rfnd_1", "original")
        assert db.get(Payment, payment.id).status == "refunded"
        assert ledger.balance(db, "gateway:razorpay:clearing", "INR") == 0
        assert ledger.balance(db, "platform:revenue", "INR") == 0
        assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []
        cli = verify_ledger_cli()
        assert cli.returncode == 0, cli.stdout + cli.stderr


def test_a_refused_refund_goes_to_the_wallet_instead(db, make_user, gateway_env):
    with gateway_support.standin_gateway(
        lambda **env: gateway_env(**env, TUTORHUB_DELIVER_IMMEDIATELY="0"), gateway_support.razorpay_env
    ) as api:
        api.on("POST", "/v1/payments/pay_rzp_1/refund", {"error": {"code": "BAD_REQUEST_ERROR",
                                                                   "description": "fully refunded"}}, status=400)
        api.on("GET", "/v1/payments/pay_rzp_1/refunds", {"entity": "collection", "count": 0, "items": []})
        payment = _paid_purchase(db, make_user)
        duplicate_payments.refund_unused_payment(db, payment, reason="test", now=NOW)
        db.commit()
        assert gateway_intents.send_refund(duplicate_payments.refund_reference(payment), now=NOW) == "succeeded"
        db.rollback()
        refund = db.exec(select(Refund)).one()
        assert refund.destination == "wallet"
        assert ledger.balance(db, f"student:{payment.user_id}:wallet", "INR") == 50000
        assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []
