"""The Razorpay gateway through the REAL razorpay SDK against a local stand-in API (no internet):
orders, refunds, Route transfers, records; checkout and webhook signatures with the real schemes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import gateways as gateway_support
from tests.support.gateways import (
    RAZORPAY_KEY_SECRET,
    razorpay_env,
    razorpay_event,
    razorpay_signature,
    standin_gateway,
)
from tutorhub.integrations.payments import CheckoutRequest, EventKind, GatewayError, WebhookSignatureError, get_gateway
from tutorhub.integrations.payments.razorpay_gateway import RazorpayGateway

ORDER = {"id": "order_1", "entity": "order", "amount": 50000, "amount_paid": 0, "currency": "INR", "receipt": "pay_r1",
         "status": "created", "notes": {"reference": "pay_r1", "success_url": "http://localhost:3000/pay/done?ref=pay_r1"}}
PAYMENT = {"id": "pay_RZ1", "entity": "payment", "amount": 50000, "currency": "INR", "status": "captured",
           "order_id": "order_1", "notes": {"reference": "pay_r1"}}

gateway_env = gateway_support.gateway_env


@pytest.fixture
def rzp_api(gateway_env):
    with standin_gateway(gateway_env, razorpay_env) as api:
        yield api


def test_order_request_and_checkout_url(rzp_api):
    rzp_api.on("POST", "/v1/orders", ORDER)
    gateway = get_gateway("INR")
    assert isinstance(gateway, RazorpayGateway)
    session = gateway.create_checkout(CheckoutRequest(
        reference="pay_r1", amount_minor=50000, currency="INR", description="Wallet top-up", customer_email="s@example.com",
        success_url="http://localhost:3000/pay/done?ref=pay_r1", cancel_url="http://localhost:3000/pay/done?cancelled=1"))
    assert session.gateway_ref == "order_1" and session.checkout_url.endswith("/api/v1/payments/razorpay/checkout/order_1")
    [req] = rzp_api.find("POST", "/v1/orders")
    sent = req.json()
    assert (sent["amount"], sent["currency"], sent["receipt"], sent["notes"]["reference"]) == (50000, "INR", "pay_r1", "pay_r1")
    assert req.headers["authorization"] == "Basic " + base64.b64encode(f"rzp_test_key:{RAZORPAY_KEY_SECRET}".encode()).decode()
    with pytest.raises(GatewayError, match="INR"):
        gateway.create_checkout(CheckoutRequest(reference="x", amount_minor=1, currency="USD", description="",
                                                customer_email="", success_url="", cancel_url=""))


def test_refund_transfer_and_errors(rzp_api):
    rzp_api.on("POST", "/v1/payments/pay_RZ1/refund", {"id": "rfnd_1", "entity": "refund", "status": "processed"})
    rzp_api.on("POST", "/v1/transfers", {"id": "trf_1", "entity": "transfer", "status": "processed"})
    gateway = RazorpayGateway()
    refund = gateway.refund(gateway_ref="pay_RZ1", amount_minor=20000, currency="INR", idempotency_key="bk9-cancel")
    payout = gateway.payout(destination="acc_T1", amount_minor=30000, currency="inr", reference="po_7", idempotency_key="po_7")
    assert (refund.gateway_ref, refund.status, payout.gateway_ref, payout.status) == ("rfnd_1", "succeeded", "trf_1", "paid")
    sent = rzp_api.find("POST", "/v1/payments/pay_RZ1/refund")[0].json()
    assert sent["amount"] == 20000 and sent["receipt"] == "bk9-cancel"
    transfer = rzp_api.find("POST", "/v1/transfers")[0].json()
    assert (transfer["account"], transfer["amount"], transfer["currency"], transfer["notes"]["reference"]) == (
        "acc_T1", 30000, "INR", "po_7")
    rzp_api.on("POST", "/v1/payments/pay_bad/refund", {"error": {"code": "BAD_REQUEST_ERROR", "description": "fully refunded"}},
               status=400)
    with pytest.raises(GatewayError, match="fully refunded"):
        gateway.refund(gateway_ref="pay_bad", amount_minor=1, currency="INR", idempotency_key="k")


def test_list_records(rzp_api):
    created = int(time.time()) - 60
    rzp_api.on("GET", "/v1/payments", {"entity": "collection", "count": 2, "items": [
        {**PAYMENT, "created_at": created}, {**PAYMENT, "id": "pay_F", "status": "failed", "created_at": created}]})
    rzp_api.on("GET", "/v1/refunds", {"entity": "collection", "count": 0, "items": []})
    rzp_api.on("GET", "/v1/transfers", {"entity": "collection", "count": 0, "items": []})
    now = datetime.now(UTC)
    records = RazorpayGateway().list_records(since=now - timedelta(days=1), until=now)
    assert [(r.kind, r.gateway_ref, r.reference, r.amount_minor) for r in records] == [("payment", "pay_RZ1", "pay_r1", 50000)]
    assert rzp_api.find("GET", "/v1/payments")[0].query["from"] == [str(int((now - timedelta(days=1)).timestamp()))]


def test_checkout_signature(rzp_api):
    rzp_api.on("GET", "/v1/orders/order_1", {**ORDER, "amount_paid": 50000, "status": "paid"})
    gateway = RazorpayGateway()
    good = hmac.new(RAZORPAY_KEY_SECRET.encode(), b"order_1|pay_RZ1", hashlib.sha256).hexdigest()
    event = gateway.verify_checkout(order_id="order_1", payment_id="pay_RZ1", signature=good, now=datetime.now(UTC))
    assert (event.kind, event.reference, event.event_id, event.amount_minor) == (
        EventKind.PAYMENT_SUCCEEDED, "pay_r1", "payment.captured:pay_RZ1", 50000)
    assert "card_fingerprint" not in event.data  # the payment could not be read (the stand-in has none): no card
    with pytest.raises(WebhookSignatureError):
        gateway.verify_checkout(order_id="order_2", payment_id="pay_RZ1", signature=good, now=datetime.now(UTC))
    card = {"id": "card_1", "entity": "card", "last4": "1111", "network": "Visa", "type": "credit", "issuer": "HDFC",
            "international": False}
    rzp_api.on("GET", "/v1/payments/pay_RZ1", {**PAYMENT, "method": "card", "card_id": "card_1", "card": card})
    event = gateway.verify_checkout(order_id="order_1", payment_id="pay_RZ1", signature=good, now=datetime.now(UTC))
    assert str(event.data["card_fingerprint"]).startswith("rzp_")
    fetch = rzp_api.find("GET", "/v1/payments/pay_RZ1")[-1]  # the first one was answered 404
    assert fetch.headers["authorization"].startswith("Basic ")


def test_webhook_mapping(rzp_api):
    gateway = RazorpayGateway()

    def verified(event: str, payload: dict):
        body = razorpay_event(event, payload)
        return gateway.verify_webhook(body, {"X-Razorpay-Signature": razorpay_signature(body)})

    captured = verified("payment.captured", {"payment": PAYMENT})
    assert (captured.kind, captured.reference, captured.gateway_ref, captured.event_id, captured.amount_minor) == (
        EventKind.PAYMENT_SUCCEEDED, "pay_r1", "pay_RZ1", "payment.captured:pay_RZ1", 50000)
    paid = verified("order.paid", {"payment": {**PAYMENT, "notes": []}, "order": ORDER})
    assert (paid.kind, paid.reference, paid.gateway_ref) == (EventKind.PAYMENT_SUCCEEDED, "pay_r1", "pay_RZ1")
    refund = verified("refund.processed", {"refund": {"id": "rfnd_1", "entity": "refund", "amount": 20000, "currency": "INR",
                                                      "payment_id": "pay_RZ1", "notes": {}}, "payment": PAYMENT})
    assert (refund.kind, refund.gateway_ref, refund.payment_gateway_ref, refund.amount_minor) == (
        EventKind.REFUND_SUCCEEDED, "rfnd_1", "pay_RZ1", 20000)
    assert "refund_reference" not in refund.data
    ours = verified("refund.processed", {"refund": {"id": "rfnd_2", "entity": "refund", "amount": 100, "currency": "INR",
                                                    "payment_id": "pay_RZ1", "notes": {"idempotency_key": "rfd_b9"}},
                                         "payment": PAYMENT})
    assert ours.data["refund_reference"] == "rfd_b9"  # a refund we started is recognised by our reference
    dispute = {"id": "disp_1", "entity": "dispute", "amount": 50000, "currency": "INR", "payment_id": "pay_RZ1"}
    assert verified("payment.dispute.created", {"dispute": dispute, "payment": PAYMENT}).kind == EventKind.DISPUTE_OPENED
    assert verified("payment.dispute.lost", {"dispute": dispute, "payment": PAYMENT}).kind == EventKind.DISPUTE_LOST
    assert verified("transfer.processed", {"transfer": {"id": "trf_1", "amount": 1, "notes": {"reference": "po_7"}}}).kind == (
        EventKind.PAYOUT_PAID)
    assert verified("payment.authorized", {"payment": PAYMENT}).kind == EventKind.IGNORED


def test_webhook_signature_negatives(rzp_api):
    gateway = RazorpayGateway()
    body = razorpay_event("payment.captured", {"payment": PAYMENT})
    reserialized = json.dumps(json.loads(body), indent=2).encode()
    stale = razorpay_event("payment.captured", {"payment": PAYMENT}, created=int(time.time()) - 3 * 24 * 3600)
    cases = {
        "tampered": (body.replace(b"50000", b"90000"), razorpay_signature(body)),
        "wrong secret": (body, razorpay_signature(body, "other")),
        "re-serialized": (reserialized, razorpay_signature(body)),
        "missing": (body, None),
        "stale": (stale, razorpay_signature(stale)),
    }
    for name, (raw, signature) in cases.items():
        headers = {"X-Razorpay-Signature": signature} if signature else {}
        with pytest.raises(WebhookSignatureError):
            gateway.verify_webhook(raw, headers)
            pytest.fail(name)
