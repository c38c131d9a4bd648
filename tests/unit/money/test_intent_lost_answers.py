"""Refund / payout intents when the provider's answer is ambiguous (issue 11, review): only a
definitive refusal (GatewayRefused: the provider answered 4xx) sends a refund to the wallet or puts
a payout back to REQUESTED. A 5xx or a dropped connection after the provider already moved the
money (and before its lookup shows it) leaves the intent claimed ("sending"); the resume job asks
again once the CLAIM (not the intent's creation / approval) is older than RESUME_AFTER, and a
resume run while the first send is still in flight never sends a second time.

Before the fix each test here failed: a 5xx / dropped answer was taken as a refusal (the refund was
credited to the wallet on top of the provider's refund; the payout went back to REQUESTED beside the
transfer), and the job reclaimed by the intent's age, so it sent again during a slow first send."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.gateway_standin import DROP, Recorded, StandIn
from tests.unit.money.test_payout_intent_crash import NOW, _env, _razorpay_with_transfers, _requested
from tests.unit.money.test_refund_intent_crash import _paid_purchase, _razorpay_with_refunds
from tutorhub.integrations.payments import GatewayError, GatewayRefused, RazorpayGateway, StripeGateway
from tutorhub.models import Payout, Refund
from tutorhub.services.billing import duplicate_payments
from tutorhub.services.money import gateway_intents, ledger, payouts
from tutorhub.services.ops.ledger_verify import verify_ledger

gateway_env = gateway_support.gateway_env
EARLIER = NOW - timedelta(hours=1)  # when the intent was recorded; it is claimed (sent) at NOW
SERVER_ERROR = (502, {"error": {"code": "SERVER_ERROR", "description": "upstream timed out"}})


def _lost_answers(api: StandIn, method: str, path: str, answer: tuple[int, object], hidden_lookups: int) -> None:
    """The provider makes the movement but the answer is lost (`answer`: a 5xx or DROP), and its
    listing does not show it for the next `hidden_lookups` lookups (eventual consistency)."""
    made_by = api.routes[f"{method} {path}"]
    list_key = next(k for k in api.routes if k.startswith("GET "))
    listing = api.routes[list_key]
    lookups = 0

    def create(req: Recorded):
        made_by(req)
        return answer

    def lagging(req: Recorded):
        nonlocal lookups
        lookups += 1
        status, body = listing(req)
        return (status, {"entity": "collection", "count": 0, "items": []}) if lookups <= hidden_lookups else (status, body)

    api.on_call(method, path, create)
    api.on_call("GET", list_key.split(" ", 1)[1], lagging)


def _razorpay(gateway_env):
    return gateway_support.standin_gateway(lambda **env: gateway_env(**env, TUTORHUB_DELIVER_IMMEDIATELY="0"),
                                           gateway_support.razorpay_env)


@pytest.mark.parametrize("answer", [SERVER_ERROR, (DROP, None)], ids=["5xx", "dropped"])
def test_a_refund_whose_answer_is_lost_stays_sending_and_is_confirmed_once(db, make_user, gateway_env, answer):
    with _razorpay(gateway_env) as api:
        made = _razorpay_with_refunds(api)
        _lost_answers(api, "POST", "/v1/payments/pay_rzp_1/refund", answer, hidden_lookups=1)
        payment = _paid_purchase(db, make_user)
        duplicate_payments.refund_unused_payment(db, payment, reason="test", now=EARLIER)
        db.commit()
        reference = duplicate_payments.refund_reference(payment)

        assert gateway_intents.send_refund(reference, now=NOW) == gateway_intents.SENDING  # outcome unknown
        assert len(made) == 1
        db.rollback()
        refund = db.exec(select(Refund)).one()
        assert (refund.status, refund.destination, refund.claimed_at) == ("sending", "original", NOW)
        assert ledger.balance(db, f"student:{payment.user_id}:wallet", "INR") == 0  # not credited on top

        assert gateway_intents.resume_refund_intents(now=NOW + timedelta(minutes=1)) == 0  # the claim is fresh
        assert gateway_intents.resume_refund_intents(now=NOW + gateway_intents.RESUME_AFTER) == 1
        assert gateway_intents.resume_refund_intents(now=NOW + timedelta(hours=1)) == 0
        assert len(made) == 1 and len(api.find("POST", "/v1/payments/pay_rzp_1/refund")) == 1  # exactly one
        db.rollback()
        refund = db.exec(select(Refund)).one()
        assert (refund.status, refund.gateway_ref, refund.destination) == ("succeeded", "rfnd_1", "original")
        assert ledger.balance(db, f"student:{payment.user_id}:wallet", "INR") == 0
        assert ledger.balance(db, "gateway:razorpay:clearing", "INR") == 0
        assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []


@pytest.mark.parametrize("answer", [SERVER_ERROR, (DROP, None)], ids=["5xx", "dropped"])
def test_a_payout_whose_answer_is_lost_stays_claimed_and_is_paid_once(db, make_user, gateway_env, answer):
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        _lost_answers(api, "POST", "/v1/transfers", answer, hidden_lookups=1)
        admin, tutor, requested = _requested(db, make_user)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, note="ok", now=EARLIER)
        db.commit()

        assert payouts.send_payout(requested.reference, now=NOW) == "approved"  # not back to REQUESTED
        assert len(made) == 1
        db.rollback()
        payout = db.get(Payout, requested.id)
        assert (payout.status, payout.gateway, payout.gateway_ref, payout.claimed_at) == (
            "approved", "razorpay", payouts.SENDING, NOW)
        assert payout.decided_at == EARLIER and "refused" not in payout.note

        assert payouts.resume_payout_intents(now=NOW + timedelta(minutes=1)) == 0  # the claim is fresh
        assert payouts.resume_payout_intents(now=NOW + gateway_intents.RESUME_AFTER) == 1
        assert payouts.resume_payout_intents(now=NOW + timedelta(hours=1)) == 0
        assert len(made) == 1 and len(api.find("POST", "/v1/transfers")) == 1  # exactly one transfer
        db.rollback()
        payout = db.get(Payout, requested.id)
        assert (payout.status, payout.gateway_ref) == ("paid", "trf_1")
        assert ledger.balance(db, f"tutor:{tutor.id}:payout_hold", "INR") == 0
        assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []


def test_a_resume_run_during_a_slow_first_refund_send_does_not_send_again(db, make_user, gateway_env, monkeypatch):
    """The after-commit sender claimed the intent (recorded long ago) and is still on its way to
    the provider when the job runs: the job must not take the claim over until RESUME_AFTER from it."""
    with _razorpay(gateway_env) as api:
        made = _razorpay_with_refunds(api)
        payment = _paid_purchase(db, make_user)
        duplicate_payments.refund_unused_payment(db, payment, reason="test", now=EARLIER)
        db.commit()
        during: list[int] = []
        started: list[bool] = []

        def job_runs_meanwhile(_reference: str) -> None:
            if started:
                return  # a send the job itself started (only before the fix)
            started.append(True)
            during.append(gateway_intents.resume_refund_intents(now=NOW + timedelta(minutes=1)))
            during.append(gateway_intents.resume_refund_intents(now=NOW + gateway_intents.RESUME_AFTER
                                                                - timedelta(seconds=1)))

        monkeypatch.setattr(gateway_intents, "_after_intent_claimed", job_runs_meanwhile)
        assert gateway_intents.send_refund(duplicate_payments.refund_reference(payment), now=NOW) == "succeeded"
        assert during == [0, 0]
        assert len(made) == 1 and len(api.find("POST", "/v1/payments/pay_rzp_1/refund")) == 1


def test_a_resume_run_during_a_slow_first_payout_send_does_not_send_again(db, make_user, gateway_env, monkeypatch):
    with _env(gateway_env) as api:
        made = _razorpay_with_transfers(api)
        admin, _tutor, requested = _requested(db, make_user)
        payouts.approve_payout(db, actor=admin, payout_id=requested.id, note="ok", now=EARLIER)
        db.commit()
        during: list[int] = []
        started: list[bool] = []

        def job_runs_meanwhile(_reference: str) -> None:
            if started:
                return  # a send the job itself started (only before the fix)
            started.append(True)
            during.append(payouts.resume_payout_intents(now=NOW + timedelta(minutes=1)))

        monkeypatch.setattr(payouts, "_after_payout_claimed", job_runs_meanwhile)
        assert payouts.send_payout(requested.reference, now=NOW) == "paid"
        assert during == [0]
        assert len(made) == 1 and len(api.find("POST", "/v1/transfers")) == 1


def test_the_adapters_tell_a_refusal_from_an_unknown_outcome(gateway_env):
    with gateway_support.standin_gateway(gateway_env, gateway_support.razorpay_env) as api:
        api.on("POST", "/v1/payments/pay_1/refund", {"error": {"code": "BAD_REQUEST_ERROR", "description": "no"}},
               status=400)
        api.on("POST", "/v1/transfers", *reversed(SERVER_ERROR))
        razorpay = RazorpayGateway()
        with pytest.raises(GatewayRefused):
            razorpay.refund(gateway_ref="pay_1", amount_minor=100, currency="INR", idempotency_key="r1")
        with pytest.raises(GatewayError) as unknown:
            razorpay.payout(destination="acc_1", amount_minor=100, currency="INR", reference="po_1", idempotency_key="k")
        assert not isinstance(unknown.value, GatewayRefused)
        api.on_call("POST", "/v1/transfers", lambda _req: (DROP, None))
        with pytest.raises(GatewayError) as dropped:
            razorpay.payout(destination="acc_1", amount_minor=100, currency="INR", reference="po_1", idempotency_key="k")
        assert not isinstance(dropped.value, GatewayRefused)
    with gateway_support.standin_gateway(gateway_env, gateway_support.stripe_env) as api:
        api.on("POST", "/v1/refunds", {"error": {"type": "invalid_request_error", "message": "already refunded"}},
               status=400)
        api.on("POST", "/v1/transfers", {"error": {"type": "api_error", "message": "try again"}}, status=500)
        stripe_gateway = StripeGateway()
        with pytest.raises(GatewayRefused):
            stripe_gateway.refund(gateway_ref="pi_1", amount_minor=100, currency="USD", idempotency_key="r1")
        with pytest.raises(GatewayError) as unknown:
            stripe_gateway.payout(destination="acct_1", amount_minor=100, currency="USD", reference="po_1",
                                  idempotency_key="k")
        assert not isinstance(unknown.value, GatewayRefused)
        api.on("POST", "/v1/transfers", {"error": {"type": "invalid_request_error", "message": "bad account"}},
               status=400)
        with pytest.raises(GatewayRefused):
            stripe_gateway.payout(destination="acct_1", amount_minor=100, currency="USD", reference="po_1",
                                  idempotency_key="k2")


def test_the_provider_calls_have_timeouts_under_resume_after(gateway_env, monkeypatch):
    """A hung HTTP call must end long before the job may take the intent's claim over."""
    seen: list[object] = []
    real = requests.Session.request

    def recording(self, *args, **kwargs):
        seen.append(kwargs.get("timeout"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr("requests.Session.request", recording)
    with gateway_support.standin_gateway(gateway_env, gateway_support.razorpay_env) as api:
        api.on("POST", "/v1/transfers", {"id": "trf_1", "status": "processed"})
        RazorpayGateway().payout(destination="acc_1", amount_minor=100, currency="INR", reference="po_1",
                                 idempotency_key="k")
    with gateway_support.standin_gateway(gateway_env, gateway_support.stripe_env) as api:
        api.on("POST", "/v1/transfers", {"id": "tr_1", "object": "transfer"})
        StripeGateway().payout(destination="acct_1", amount_minor=100, currency="USD", reference="po_1",
                               idempotency_key="k")
    assert len(seen) == 2, seen
    for timeout in seen:
        assert timeout is not None
        assert max(timeout if isinstance(timeout, tuple) else (timeout,)) < gateway_intents.RESUME_AFTER.total_seconds() / 2
