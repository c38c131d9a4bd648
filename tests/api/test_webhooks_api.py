"""Webhook endpoints and the sandbox test endpoints through the FastAPI app (raw bodies, real
signatures, real payments service): 200 once-applied, 400 and nothing applied, 404 when absent."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.gateways import (
    RAZORPAY_KEY_SECRET,
    razorpay_env,
    razorpay_event,
    razorpay_signature,
    sandbox_event,
    sandbox_signature,
    standin_gateway,
    stripe_env,
    stripe_event,
    stripe_signature,
)
from tutorhub.db import session_scope
from tutorhub.models.gateways import SandboxCharge, WebhookEvent
from tutorhub.models.money import Payment
from tutorhub.services.billing import wallet
from tutorhub.settings import get_settings

gateway_env = gateway_support.gateway_env


def _topup(db, make_user, amount: int = 2500, currency: str = "USD"):
    student = make_user("student")
    out = wallet.start_topup(db, actor=student, amount_minor=amount, currency=currency)
    db.commit()
    return student, out


def _balance(student, currency: str = "USD") -> int:
    with session_scope(read_only=True) as session:
        return wallet.wallet_balance(session, student.id, currency)


def _event_count() -> int:
    with session_scope(read_only=True) as session:
        return len(session.exec(select(WebhookEvent)).all())


def _has_route(client, path: str) -> bool:
    return path in client.get("/api/v1/openapi.json").json()["paths"]


def test_topup_sandbox_succeed_then_replayed_webhook_changes_nothing(client, db, make_user, bearer):
    student, out = _topup(db, make_user, 2500)
    assert out.checkout_url == f"{get_settings().public_url}/pay/sandbox/{out.payment_id}"
    res = client.post(f"/api/v1/sandbox/payments/{out.payment_id}/succeed")
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "succeeded"
    assert _balance(student) == 2500
    if _has_route(client, "/api/v1/wallet"):
        balances = client.get("/api/v1/wallet", headers=bearer(student)).json()["balances"]
        assert {"currency": "USD", "available_minor": 2500} in balances
    # replay the very webhook the checkout delivered (same bytes, fresh signature) → acknowledged, unchanged
    with session_scope(read_only=True) as session:
        stored = session.exec(select(WebhookEvent)).one()
    body = stored.payload.encode()
    headers = {"TutorHub-Sandbox-Signature": sandbox_signature(body, get_settings().sandbox_webhook_secret)}
    replay = client.post("/api/v1/webhooks/sandbox", content=body, headers=headers)
    assert replay.status_code == 200 and replay.json() == {"received": True, "duplicate": True}
    assert client.post(f"/api/v1/sandbox/payments/{out.payment_id}/succeed").status_code == 200  # double click
    assert _balance(student) == 2500 and _event_count() == 1


def test_sandbox_fail_and_unknown_payment(client, db, make_user):
    student, out = _topup(db, make_user)
    assert client.post(f"/api/v1/sandbox/payments/{out.payment_id}/fail").json()["status"] == "failed"
    assert client.post(f"/api/v1/sandbox/payments/{out.payment_id}/succeed").status_code == 409
    assert client.post("/api/v1/sandbox/payments/pay_nope/succeed").status_code == 404
    assert client.post("/api/v1/sandbox/payments/%2e%2e/succeed").status_code == 404
    assert _balance(student) == 0


def test_bad_sandbox_webhooks_are_400_and_apply_nothing(client, db, make_user):
    student, out = _topup(db, make_user)
    charge = db.exec(select(SandboxCharge).where(SandboxCharge.reference == out.payment_id)).one()
    secret = get_settings().sandbox_webhook_secret
    body = sandbox_event("payment.succeeded", out.payment_id, gateway_ref=charge.gateway_ref)
    name = "TutorHub-Sandbox-Signature"
    bad = [
        (body.replace(b"2500", b"9500"), {name: sandbox_signature(body, secret)}),
        (body, {name: sandbox_signature(body, secret, t=int(time.time()) - 600)}),
        (body, {name: sandbox_signature(body, "whsec_wrong")}),
        (json.dumps(json.loads(body)).encode(), {name: sandbox_signature(body, secret)}),
        (body, {}),
        (b"\xff\xfe not json", {name: sandbox_signature(b"\xff\xfe not json", secret)}),
    ]
    for raw, headers in bad:
        res = client.post("/api/v1/webhooks/sandbox", content=raw, headers=headers)
        assert res.status_code == (400 if headers else 401), (raw, res.text)  # no signature at all: 401
        assert res.json()["detail"].startswith("Webhook rejected")
    assert _event_count() == 0 and _balance(student) == 0
    good = client.post("/api/v1/webhooks/sandbox", content=body, headers={name: sandbox_signature(body, secret)})
    assert good.json() == {"received": True, "duplicate": False} and _balance(student) == 2500


def test_unconfigured_gateways_are_404(client):
    for gateway in ("stripe", "razorpay"):
        res = client.post(f"/api/v1/webhooks/{gateway}", content=b"{}")
        assert res.status_code == 404 and "not configured" in res.json()["detail"]
    assert client.post("/api/v1/payments/razorpay/callback", content=b"").status_code == 404


def test_realistic_large_webhook_passes_the_body_limit(client, db, make_user):
    student, out = _topup(db, make_user)
    charge = db.exec(select(SandboxCharge).where(SandboxCharge.reference == out.payment_id)).one()
    event = json.loads(sandbox_event("payment.succeeded", out.payment_id, gateway_ref=charge.gateway_ref))
    event["data"]["line_items"] = [{"description": "x" * 200, "n": i} for i in range(1500)]  # ~300 kB
    body = json.dumps(event).encode()
    assert len(body) > 256 * 1024
    res = client.post("/api/v1/webhooks/sandbox", content=body,
                      headers={"TutorHub-Sandbox-Signature": sandbox_signature(body, get_settings().sandbox_webhook_secret)})
    assert res.status_code == 200 and _balance(student) == 2500


def test_production_mode_has_no_sandbox_endpoints(client, gateway_env, monkeypatch):
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "p" * 48)
    gateway_env()
    assert client.post("/api/v1/sandbox/payments/pay_x/succeed").status_code == 404
    assert client.post("/api/v1/webhooks/sandbox", content=b"{}").status_code == 404


def test_stripe_topup_checkout_and_webhook_end_to_end(client, db, make_user, gateway_env):
    with standin_gateway(gateway_env, stripe_env) as api:
        api.on("POST", "/v1/checkout/sessions", {"id": "cs_e2e", "object": "checkout.session", "url": "https://pay.example/cs_e2e"})
        student, out = _topup(db, make_user, 3100, "EUR")
        assert out.checkout_url == "https://pay.example/cs_e2e"
        sent = {k: v[0] for k, v in api.find("POST", "/v1/checkout/sessions")[0].form().items()}
        assert sent["metadata[reference]"] == out.payment_id
        completed = {"id": "cs_e2e", "object": "checkout.session", "payment_status": "paid", "payment_intent": "pi_e2e",
                     "amount_total": 3100, "currency": "eur", "metadata": {"reference": out.payment_id}}
        body = stripe_event("checkout.session.completed", completed, "evt_e2e")
        bad = client.post("/api/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": stripe_signature(body, "whsec_x")})
        assert bad.status_code == 400 and _balance(student, "EUR") == 0
        for _ in range(2):
            ok = client.post("/api/v1/webhooks/stripe", content=body, headers={"Stripe-Signature": stripe_signature(body)})
            assert ok.status_code == 200
        assert _balance(student, "EUR") == 3100
        pi = stripe_event("payment_intent.succeeded", {"id": "pi_e2e", "object": "payment_intent", "amount": 3100,
                                                       "amount_received": 3100, "currency": "eur",
                                                       "metadata": {"reference": out.payment_id}}, "evt_e2e_pi")
        assert client.post("/api/v1/webhooks/stripe", content=pi, headers={"Stripe-Signature": stripe_signature(pi)}).json() == {
            "received": True, "duplicate": False}
        assert _balance(student, "EUR") == 3100


def test_razorpay_callback_and_webhook_apply_once(client, db, make_user, gateway_env):
    with standin_gateway(gateway_env, razorpay_env) as api:
        orders: dict[str, dict] = {}

        def create_order(req):
            data = req.json()
            orders["order_E"] = {"id": "order_E", "entity": "order", "amount": data["amount"], "amount_paid": data["amount"],
                                 "currency": "INR", "receipt": data["receipt"], "status": "paid", "notes": data["notes"]}
            return 200, orders["order_E"]

        api.on_call("POST", "/v1/orders", create_order)
        api.on_call("GET", "/v1/orders/order_E", lambda _req: (200, orders["order_E"]))
        card = {"id": "card_E1", "entity": "card", "last4": "1111", "network": "Visa", "type": "credit",
                "issuer": "HDFC", "international": False}
        api.on("GET", "/v1/payments/pay_E1", {"id": "pay_E1", "entity": "payment", "order_id": "order_E",
                                              "method": "card", "card_id": "card_E1", "card": card})
        student, out = _topup(db, make_user, 50000, "INR")
        page = client.get("/api/v1/payments/razorpay/checkout/order_E")
        assert page.status_code == 200 and "order_E" in page.text and "₹500.00" in page.text
        assert "<script>alert" not in page.text
        signature = hmac.new(RAZORPAY_KEY_SECRET.encode(), b"order_E|pay_E1", hashlib.sha256).hexdigest()
        form = {"razorpay_order_id": "order_E", "razorpay_payment_id": "pay_E1", "razorpay_signature": signature}
        forged = client.post("/api/v1/payments/razorpay/callback", data={**form, "razorpay_signature": "0" * 64},
                             follow_redirects=False)
        assert forged.status_code == 400 and _balance(student, "INR") == 0
        done = client.post("/api/v1/payments/razorpay/callback", data=form, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith(f"ref={out.payment_id}")
        assert _balance(student, "INR") == 50000
        with session_scope(read_only=True) as session:  # the card, read from the payment by the callback
            paid = session.exec(select(Payment).where(Payment.reference == out.payment_id)).one()
            assert str(paid.extra["_card_fingerprint"]).startswith("rzp_")
        payment = {"id": "pay_E1", "entity": "payment", "amount": 50000, "currency": "INR", "status": "captured",
                   "order_id": "order_E", "notes": {"reference": out.payment_id}}
        body = razorpay_event("payment.captured", {"payment": payment})
        hook = client.post("/api/v1/webhooks/razorpay", content=body, headers={"X-Razorpay-Signature": razorpay_signature(body)})
        assert hook.json() == {"received": True, "duplicate": True}  # same event id as the callback's
        assert _balance(student, "INR") == 50000
