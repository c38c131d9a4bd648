"""The Stripe gateway through the REAL stripe SDK against a local stand-in API (no internet):
the requests it sends, and webhooks signed here with Stripe's scheme, verified by the library."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import gateways as gateway_support
from tests.support.gateways import standin_gateway, stripe_env, stripe_event, stripe_signature
from tutorhub.integrations.payments import CheckoutRequest, EventKind, GatewayError, WebhookSignatureError, get_gateway
from tutorhub.integrations.payments.stripe_gateway import StripeGateway

gateway_env = gateway_support.gateway_env


@pytest.fixture
def stripe_api(gateway_env):
    with standin_gateway(gateway_env, stripe_env) as api:
        yield api


def _checkout(mode: str = "payment", plan: str | None = None) -> CheckoutRequest:
    return CheckoutRequest(
        reference="pay_s1", amount_minor=2500, currency="EUR", description="Lesson with Ana", customer_email="s@example.com",
        success_url="http://localhost:3000/pay/done?ref=pay_s1", cancel_url="http://localhost:3000/pay/done?cancelled=1",
        mode=mode, plan_code=plan, metadata={"purpose": "booking"},
    )


def test_checkout_session_request(stripe_api):
    stripe_api.on("POST", "/v1/checkout/sessions", {"id": "cs_test_1", "object": "checkout.session",
                                                    "url": "https://checkout.stripe.com/c/pay/cs_test_1"})
    gateway = get_gateway("EUR")
    assert isinstance(gateway, StripeGateway)
    session = gateway.create_checkout(_checkout())
    assert (session.gateway, session.gateway_ref, session.checkout_url) == (
        "stripe", "cs_test_1", "https://checkout.stripe.com/c/pay/cs_test_1")
    [req] = stripe_api.find("POST", "/v1/checkout/sessions")
    form = {k: v[0] for k, v in req.form().items()}
    assert req.headers["authorization"] == "Bearer sk_test_standin"
    assert req.headers["idempotency-key"] == "checkout:pay_s1"
    assert form["mode"] == "payment" and form["client_reference_id"] == "pay_s1"
    assert form["line_items[0][price_data][unit_amount]"] == "2500"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][product_data][name]"] == "Lesson with Ana"
    assert form["metadata[reference]"] == "pay_s1" and form["payment_intent_data[metadata][reference]"] == "pay_s1"
    assert form["success_url"].endswith("ref=pay_s1") and "card" not in json.dumps(form)


def test_subscription_checkout_plan_change_and_cancel(stripe_api):
    stripe_api.on("POST", "/v1/checkout/sessions", {"id": "cs_sub", "object": "checkout.session", "url": "https://x/cs_sub"})
    stripe_api.on("GET", "/v1/subscriptions/sub_1", {"id": "sub_1", "object": "subscription",
                                                     "items": {"object": "list", "data": [{"id": "si_9", "object": "subscription_item"}]}})
    stripe_api.on("POST", "/v1/subscriptions/sub_1", {"id": "sub_1", "object": "subscription"})
    gateway = StripeGateway()
    gateway.create_checkout(_checkout("subscription", "pro"))
    form = {k: v[0] for k, v in stripe_api.find("POST", "/v1/checkout/sessions")[0].form().items()}
    assert form["mode"] == "subscription" and form["line_items[0][price_data][recurring][interval]"] == "month"
    assert form["subscription_data[metadata][plan_code]"] == "pro"
    gateway.change_subscription_plan(subscription_id="sub_1", amount_minor=4900, currency="EUR", plan_code="max",
                                     description="Max plan", idempotency_key="plan:7:max")
    gateway.cancel_subscription_at_period_end(subscription_id="sub_1", idempotency_key="cancel:7")
    change, cancel = stripe_api.find("POST", "/v1/subscriptions/sub_1")
    change_form = {k: v[0] for k, v in change.form().items()}
    assert change_form["proration_behavior"] == "create_prorations"
    assert change_form["items[0][id]"] == "si_9" and change_form["items[0][price_data][unit_amount]"] == "4900"
    assert change.headers["idempotency-key"] == "plan:7:max"
    assert cancel.form()["cancel_at_period_end"] == ["true"] and cancel.headers["idempotency-key"] == "cancel:7"


def test_refund_and_connect_transfer_requests(stripe_api):
    stripe_api.on("POST", "/v1/refunds", {"id": "re_1", "object": "refund", "status": "succeeded"})
    stripe_api.on("POST", "/v1/transfers", {"id": "tr_1", "object": "transfer"})
    gateway = StripeGateway()
    refund = gateway.refund(gateway_ref="pi_1", amount_minor=1200, currency="EUR", idempotency_key="bk5-cancel")
    payout = gateway.payout(destination="acct_tutor", amount_minor=8000, currency="EUR", reference="po_3", idempotency_key="po_3")
    assert (refund.gateway_ref, refund.status, payout.gateway_ref, payout.status) == ("re_1", "succeeded", "tr_1", "paid")
    [r] = stripe_api.find("POST", "/v1/refunds")
    assert r.form()["payment_intent"] == ["pi_1"] and r.form()["amount"] == ["1200"]
    assert r.headers["idempotency-key"] == "refund:bk5-cancel"
    [t] = stripe_api.find("POST", "/v1/transfers")
    assert {k: v[0] for k, v in t.form().items()}.items() >= {
        "destination": "acct_tutor", "amount": "8000", "currency": "eur", "metadata[reference]": "po_3"}.items()
    assert t.headers["idempotency-key"] == "payout:po_3"


def test_provider_errors_become_gateway_errors(stripe_api):
    stripe_api.on("POST", "/v1/refunds", {"error": {"type": "invalid_request_error", "message": "Charge already refunded"}},
                  status=400)
    with pytest.raises(GatewayError, match="Stripe"):
        StripeGateway().refund(gateway_ref="pi_1", amount_minor=1, currency="EUR", idempotency_key="k")


def test_list_records_pages_through_the_window(stripe_api):
    created = int(time.time()) - 60
    stripe_api.on("GET", "/v1/payment_intents", {"object": "list", "has_more": False, "url": "/v1/payment_intents", "data": [
        {"id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": 2500, "amount_received": 2500,
         "currency": "eur", "created": created, "metadata": {"reference": "pay_s1"}},
        {"id": "pi_2", "object": "payment_intent", "status": "canceled", "amount": 900, "currency": "eur", "created": created}]})
    stripe_api.on("GET", "/v1/refunds", {"object": "list", "has_more": False, "url": "/v1/refunds", "data": [
        {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 500, "currency": "eur", "created": created}]})
    stripe_api.on("GET", "/v1/transfers", {"object": "list", "has_more": False, "url": "/v1/transfers", "data": []})
    now = datetime.now(UTC)
    records = StripeGateway().list_records(since=now - timedelta(days=1), until=now)
    assert [(r.kind, r.gateway_ref, r.reference, r.amount_minor, r.currency) for r in records] == [
        ("payment", "pi_1", "pay_s1", 2500, "EUR"), ("refund", "re_1", None, 500, "EUR")]
    [req] = stripe_api.find("GET", "/v1/payment_intents")
    assert req.query["created[gte]"] == [str(int((now - timedelta(days=1)).timestamp()))]


# Webhooks

COMPLETED = {"id": "cs_1", "object": "checkout.session", "payment_status": "paid", "payment_intent": "pi_1",
             "amount_total": 2500, "currency": "eur", "client_reference_id": "pay_s1", "metadata": {"reference": "pay_s1"}}


def test_event_mapping(stripe_api):
    gateway = StripeGateway()

    def verified(kind: str, obj: dict, event_id: str = "evt_1"):
        body = stripe_event(kind, obj, event_id)
        return gateway.verify_webhook(body, {"Stripe-Signature": stripe_signature(body)})

    paid = verified("checkout.session.completed", COMPLETED)
    assert (paid.kind, paid.reference, paid.gateway_ref, paid.amount_minor, paid.currency) == (
        EventKind.PAYMENT_SUCCEEDED, "pay_s1", "pi_1", 2500, "EUR")
    assert verified("checkout.session.completed", {**COMPLETED, "payment_status": "unpaid"}).kind == EventKind.IGNORED
    refund = verified("refund.updated", {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 700,
                                         "currency": "eur", "payment_intent": "pi_1"})
    assert (refund.kind, refund.gateway_ref, refund.payment_gateway_ref, refund.amount_minor) == (
        EventKind.REFUND_SUCCEEDED, "re_1", "pi_1", 700)
    assert refund.data["payment_gateway_ref"] == "pi_1" and "refund_reference" not in refund.data
    ours = verified("refund.created", {"id": "re_2", "object": "refund", "status": "succeeded", "amount": 700,
                                       "currency": "eur", "payment_intent": "pi_1", "metadata": {"idempotency_key": "rfd_b5"}})
    assert ours.data["refund_reference"] == "rfd_b5"  # a refund we started is recognised by our reference
    dispute = {"id": "dp_1", "object": "dispute", "amount": 2500, "currency": "eur", "payment_intent": "pi_1", "status": "won"}
    assert verified("charge.dispute.created", dispute).kind == EventKind.DISPUTE_OPENED
    assert verified("charge.dispute.closed", dispute).kind == EventKind.DISPUTE_WON
    assert verified("charge.dispute.closed", {**dispute, "status": "lost"}).kind == EventKind.DISPUTE_LOST
    invoice = {"id": "in_1", "object": "invoice", "amount_paid": 4900, "currency": "eur", "subscription": "sub_1",
               "billing_reason": "subscription_cycle"}
    renewed = verified("invoice.paid", invoice)
    assert (renewed.kind, renewed.data["subscription_id"]) == (EventKind.SUBSCRIPTION_RENEWED, "sub_1")
    assert verified("invoice.paid", {**invoice, "billing_reason": "subscription_create"}).kind == EventKind.IGNORED
    assert verified("customer.subscription.deleted", {"id": "sub_1", "object": "subscription",
                                                      "metadata": {"reference": "pay_sub"}}).kind == EventKind.SUBSCRIPTION_CANCELLED
    transfer = verified("transfer.created", {"id": "tr_1", "object": "transfer", "amount": 8000, "currency": "eur",
                                             "transfer_group": "po_3"})
    assert (transfer.kind, transfer.reference) == (EventKind.PAYOUT_PAID, "po_3")
    assert verified("charge.refunded", {"id": "ch_1", "object": "charge", "amount": 1}).kind == EventKind.IGNORED


def test_webhook_signature_negatives(stripe_api):
    gateway = StripeGateway()
    body = stripe_event("checkout.session.completed", COMPLETED)
    reserialized = json.dumps(json.loads(body), indent=2).encode()
    cases = {
        "tampered": (body.replace(b"2500", b"9999"), stripe_signature(body)),
        "stale": (body, stripe_signature(body, t=int(time.time()) - 301)),
        "wrong secret": (body, stripe_signature(body, secret="whsec_other")),
        "re-serialized": (reserialized, stripe_signature(body)),
        "missing": (body, None),
        "garbage header": (body, "nonsense"),
    }
    for name, (raw, header) in cases.items():
        headers = {"Stripe-Signature": header} if header else {}
        with pytest.raises(WebhookSignatureError):
            gateway.verify_webhook(raw, headers)
            pytest.fail(name)
