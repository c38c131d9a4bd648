"""Gateway selection and the sandbox gateway: checkout rows, signed webhooks, refunds, payouts, records."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.gateways import sandbox_event, sandbox_signature
from tutorhub.integrations.payments import (
    CheckoutRequest,
    EventKind,
    GatewayError,
    WebhookSignatureError,
    get_gateway,
    get_gateway_by_name,
)
from tutorhub.integrations.payments.sandbox import SIGNATURE_HEADER, SandboxGateway
from tutorhub.models.gateways import SandboxCharge
from tutorhub.settings import SettingsError, get_settings

gateway_env = gateway_support.gateway_env


def _request(reference: str = "pay_abc", amount: int = 2500, currency: str = "USD") -> CheckoutRequest:
    return CheckoutRequest(
        reference=reference, amount_minor=amount, currency=currency, description="Wallet top-up",
        customer_email="s@example.com", success_url="http://localhost:3000/pay/done?ref=" + reference,
        cancel_url="http://localhost:3000/pay/done?cancelled=1",
    )


def test_selection_defaults_to_sandbox_and_follows_keys(gateway_env):
    gateway_env()
    assert get_gateway("USD").name == "sandbox" and get_gateway("INR").name == "sandbox"
    gateway_env(TUTORHUB_STRIPE_SECRET_KEY="sk_test_x", TUTORHUB_STRIPE_WEBHOOK_SECRET="whsec_x")
    assert get_gateway("usd").name == "stripe" and get_gateway("INR").name == "sandbox"
    gateway_env(TUTORHUB_RAZORPAY_KEY_ID="rzp_test", TUTORHUB_RAZORPAY_KEY_SECRET="s",
                TUTORHUB_RAZORPAY_WEBHOOK_SECRET="w")
    assert get_gateway("INR").name == "razorpay" and get_gateway("EUR").name == "sandbox"
    with pytest.raises(GatewayError):
        get_gateway_by_name("stripe")
    with pytest.raises(GatewayError):
        get_gateway_by_name("paypal")


def test_production_refuses_sandbox_unless_enabled_with_own_secret(gateway_env, monkeypatch):
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "x" * 40)
    gateway_env()
    assert get_settings().sandbox_payments is False
    with pytest.raises(GatewayError, match="TUTORHUB_STRIPE_SECRET_KEY"):
        get_gateway("USD")
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1")
    with pytest.raises(SettingsError, match="TUTORHUB_SANDBOX_WEBHOOK_SECRET"):
        get_settings()
    gateway_env(TUTORHUB_SANDBOX_PAYMENTS="1", TUTORHUB_SANDBOX_WEBHOOK_SECRET="sbx-secret-" + "y" * 30)
    assert get_gateway("USD").name == "sandbox"


def test_keys_without_webhook_secret_are_refused(gateway_env):
    gateway_env(TUTORHUB_STRIPE_SECRET_KEY="sk_test_x")
    with pytest.raises(SettingsError, match="TUTORHUB_STRIPE_WEBHOOK_SECRET"):
        get_settings()


def test_development_secret_is_derived_from_app_secret(gateway_env):
    gateway_env()
    secret = get_settings().sandbox_webhook_secret
    assert secret.startswith("whsec_sbx_") and get_settings().secret_key not in secret


def test_create_checkout_stores_pending_charge_once(db):
    gateway = SandboxGateway(session=db)
    first = gateway.create_checkout(_request())
    again = gateway.create_checkout(_request())
    db.commit()
    assert first.checkout_url == f"{get_settings().public_url}/pay/sandbox/pay_abc"
    assert first.gateway == "sandbox" and again.gateway_ref == first.gateway_ref
    rows = db.exec(select(SandboxCharge)).all()
    assert [(r.reference, r.amount_minor, r.currency, r.status, r.kind) for r in rows] == [
        ("pay_abc", 2500, "USD", "pending", "payment")
    ]


def test_create_checkout_without_session_uses_own_unit_of_work(db):
    SandboxGateway().create_checkout(_request("pay_own"))
    assert db.exec(select(SandboxCharge).where(SandboxCharge.reference == "pay_own")).one().status == "pending"


@pytest.mark.parametrize("amount,currency", [(0, "USD"), (-5, "USD"), (100, "US"), (100, "U$D")])
def test_create_checkout_refuses_bad_amounts(db, amount, currency):
    with pytest.raises(GatewayError):
        SandboxGateway(session=db).create_checkout(_request(amount=amount, currency=currency))
    assert db.exec(select(SandboxCharge)).all() == []


def _verify(body: bytes, header: str | None):
    headers = {SIGNATURE_HEADER: header} if header is not None else {}
    return SandboxGateway().verify_webhook(body, headers)


def test_verify_accepts_a_signed_event():
    secret = get_settings().sandbox_webhook_secret
    body = sandbox_event("payment.succeeded", "pay_abc")
    event = _verify(body, sandbox_signature(body, secret))
    assert (event.kind, event.reference, event.amount_minor, event.currency, event.event_id) == (
        EventKind.PAYMENT_SUCCEEDED, "pay_abc", 2500, "USD", "evt_sbx_1")
    # header names are case-insensitive (ASGI lower-cases them)
    assert SandboxGateway().verify_webhook(body, {SIGNATURE_HEADER.lower(): sandbox_signature(body, secret)}).event_id


def test_verify_refuses_tampered_stale_wrong_secret_reserialized_and_missing():
    secret = get_settings().sandbox_webhook_secret
    body = sandbox_event("payment.succeeded", "pay_abc")
    good = sandbox_signature(body, secret)
    tampered = body.replace(b"2500", b"9500")
    reserialized = json.dumps(json.loads(body), indent=1).encode()
    assert json.loads(reserialized) == json.loads(body) and reserialized != body
    cases = {
        "tampered": (tampered, good),
        "stale": (body, sandbox_signature(body, secret, t=int(time.time()) - 301)),
        "future": (body, sandbox_signature(body, secret, t=int(time.time()) + 301)),
        "wrong secret": (body, sandbox_signature(body, "whsec_other")),
        "re-serialized": (reserialized, good),
        "missing": (body, None),
        "malformed": (body, "v1=abc"),
    }
    for name, (raw, header) in cases.items():
        with pytest.raises(WebhookSignatureError):
            _verify(raw, header)
            pytest.fail(name)


def test_unknown_verified_type_is_ignored_and_garbage_refused():
    secret = get_settings().sandbox_webhook_secret
    body = sandbox_event("charge.whatever", "pay_abc")
    assert _verify(body, sandbox_signature(body, secret)).kind == EventKind.IGNORED
    garbage = b'{"id": "evt"}'
    with pytest.raises(WebhookSignatureError, match="malformed"):
        _verify(garbage, sandbox_signature(garbage, secret))


def _paid_charge(db, reference: str = "pay_r", amount: int = 5000) -> SandboxCharge:
    gateway = SandboxGateway(session=db)
    checkout = gateway.create_checkout(_request(reference, amount))
    charge = db.exec(select(SandboxCharge).where(SandboxCharge.gateway_ref == checkout.gateway_ref)).one()
    charge.status, charge.completed_at = "succeeded", datetime.now(UTC)
    db.add(charge)
    db.commit()
    return charge


def test_refunds_are_idempotent_and_bounded(db):
    charge = _paid_charge(db)
    gateway = SandboxGateway(session=db)
    first = gateway.refund(gateway_ref=charge.gateway_ref, amount_minor=3000, currency="USD", idempotency_key="r1")
    repeat = gateway.refund(gateway_ref=charge.gateway_ref, amount_minor=3000, currency="USD", idempotency_key="r1")
    assert first == repeat and first.status == "succeeded"
    with pytest.raises(GatewayError, match="exceeds"):
        gateway.refund(gateway_ref=charge.gateway_ref, amount_minor=2001, currency="USD", idempotency_key="r2")
    gateway.refund(gateway_ref=charge.gateway_ref, amount_minor=2000, currency="USD", idempotency_key="r3")
    with pytest.raises(GatewayError):
        gateway.refund(gateway_ref="sbx_ch_nope", amount_minor=1, currency="USD", idempotency_key="r4")
    db.commit()
    refunds = db.exec(select(SandboxCharge).where(SandboxCharge.kind == "refund")).all()
    assert sorted(r.amount_minor for r in refunds) == [2000, 3000]


def test_payouts_and_records_window(db):
    charge = _paid_charge(db, "pay_w", 4000)
    gateway = SandboxGateway(session=db)
    payout = gateway.payout(destination="acct_1", amount_minor=1500, currency="usd", reference="po_1", idempotency_key="p1")
    assert gateway.payout(destination="acct_1", amount_minor=1500, currency="usd", reference="po_1",
                          idempotency_key="p1") == payout
    db.commit()
    now = datetime.now(UTC)
    records = gateway.list_records(since=now - timedelta(hours=1), until=now + timedelta(seconds=5))
    assert {(r.kind, r.gateway_ref, r.amount_minor, r.currency) for r in records} == {
        ("payment", charge.gateway_ref, 4000, "USD"), ("payout", payout.gateway_ref, 1500, "USD")}
    assert gateway.list_records(since=now - timedelta(days=2), until=now - timedelta(days=1)) == []
