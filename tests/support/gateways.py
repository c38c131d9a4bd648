"""Shared helpers for gateway tests: configure gateway settings, sign webhooks with the real schemes."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.gateway_standin import StandIn, standin_server
from tutorhub.settings import reset_settings

GATEWAY_ENV = (
    "TUTORHUB_STRIPE_SECRET_KEY",
    "TUTORHUB_STRIPE_WEBHOOK_SECRET",
    "TUTORHUB_STRIPE_CONNECT_WEBHOOK_SECRET",
    "TUTORHUB_STRIPE_API_BASE",
    "TUTORHUB_RAZORPAY_KEY_ID",
    "TUTORHUB_RAZORPAY_KEY_SECRET",
    "TUTORHUB_RAZORPAY_WEBHOOK_SECRET",
    "TUTORHUB_RAZORPAY_API_BASE",
    "TUTORHUB_SANDBOX_PAYMENTS",
    "TUTORHUB_SANDBOX_WEBHOOK_SECRET",
)
STRIPE_WHSEC = "whsec_test_0123456789abcdef"
RAZORPAY_WHSEC = "rzp_webhook_secret_test"
RAZORPAY_KEY_SECRET = "rzp_key_secret_test"


@pytest.fixture
def gateway_env(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """gateway_env(**TUTORHUB_vars): set gateway variables (the others cleared) and re-read settings.

    Teardown forgets the cached settings before monkeypatch restores the environment, so the next
    test reads the original configuration again."""

    def _set(**env: str) -> None:
        for name in GATEWAY_ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_settings()

    yield _set
    reset_settings()


@contextmanager
def standin_gateway(gateway_env: Callable[..., None], env_for: Callable[[str], dict[str, str]]) -> Iterator[StandIn]:
    """A local stand-in of the provider's API with the gateway settings pointing at it:
    `with standin_gateway(gateway_env, stripe_env) as api: api.on(...)`."""
    with standin_server() as api:
        gateway_env(**env_for(api.base_url))
        yield api


def stripe_env(base_url: str) -> dict[str, str]:
    return {
        "TUTORHUB_STRIPE_SECRET_KEY": "sk_test_standin",
        "TUTORHUB_STRIPE_WEBHOOK_SECRET": STRIPE_WHSEC,
        "TUTORHUB_STRIPE_API_BASE": base_url,
    }


def razorpay_env(base_url: str) -> dict[str, str]:
    return {
        "TUTORHUB_RAZORPAY_KEY_ID": "rzp_test_key",
        "TUTORHUB_RAZORPAY_KEY_SECRET": RAZORPAY_KEY_SECRET,
        "TUTORHUB_RAZORPAY_WEBHOOK_SECRET": RAZORPAY_WHSEC,
        "TUTORHUB_RAZORPAY_API_BASE": base_url,
    }


def stripe_signature(body: bytes, secret: str = STRIPE_WHSEC, t: int | None = None) -> str:
    """Stripe's scheme, computed here independently: t=..,v1=HMAC_SHA256(secret, f"{t}.{body}")."""
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def sandbox_signature(body: bytes, secret: str, t: int | None = None) -> str:
    return stripe_signature(body, secret, t)  # same construction, different header name


def razorpay_signature(body: bytes, secret: str = RAZORPAY_WHSEC) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def stripe_event(event_type: str, obj: dict[str, Any], event_id: str = "evt_1", created: int | None = None) -> bytes:
    return json.dumps(
        {"id": event_id, "object": "event", "type": event_type, "created": created or int(time.time()),
         "api_version": "2025-01-27", "livemode": False, "data": {"object": obj}}
    ).encode()


def razorpay_event(event: str, payload: dict[str, Any], created: int | None = None) -> bytes:
    return json.dumps(
        {"entity": "event", "account_id": "acc_test", "event": event, "contains": list(payload),
         "payload": {k: {"entity": v} for k, v in payload.items()}, "created_at": created or int(time.time())}
    ).encode()


def sandbox_event(kind: str, reference: str, amount: int = 2500, currency: str = "USD", event_id: str = "evt_sbx_1",
                  gateway_ref: str = "sbx_ch_1") -> bytes:
    return json.dumps(
        {"id": event_id, "type": kind, "created": int(time.time()),
         "data": {"reference": reference, "gateway_ref": gateway_ref, "amount_minor": amount, "currency": currency}},
        separators=(",", ":"),
    ).encode()
