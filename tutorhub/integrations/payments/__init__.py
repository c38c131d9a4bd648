"""Which payment gateway handles a payment.

Selection (settings, no code change): INR → Razorpay when TUTORHUB_RAZORPAY_KEY_ID/SECRET are set;
any other currency → Stripe when TUTORHUB_STRIPE_SECRET_KEY is set; otherwise the built-in
sandbox gateway (development default; in production only with TUTORHUB_SANDBOX_PAYMENTS=1).
With no usable gateway, `GatewayError` says which settings are missing.

`session`: the sandbox gateway keeps its "provider side" in this database. Pass the caller's
open session (`get_gateway(currency, session=session)`) when calling from inside a unit of work:
the sandbox then writes in the caller's transaction. Without it the sandbox opens its own
unit of work, which on SQLite waits for (and, held by the same thread, deadlocks on) the caller's
write lock. Stripe and Razorpay ignore the session.
"""

from __future__ import annotations

from sqlmodel import Session

from tutorhub.integrations.payments.base import (
    AccountHolder,
    ChargeRequest,
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    ConnectedAccount,
    EventKind,
    GatewayError,
    GatewayEvent,
    GatewayRecord,
    GatewayRefused,
    IntentLookup,
    PaymentGateway,
    PayoutAccounts,
    PayoutResult,
    RefundResult,
    SavedMethodCharges,
    WebhookSignatureError,
)
from tutorhub.integrations.payments.razorpay_gateway import RazorpayGateway
from tutorhub.integrations.payments.sandbox import SandboxGateway
from tutorhub.integrations.payments.stripe_gateway import StripeGateway
from tutorhub.settings import get_settings

GATEWAY_NAMES = ("sandbox", "stripe", "razorpay")

__all__ = [
    "AccountHolder",
    "ConnectedAccount",
    "PayoutAccounts",
    "GATEWAY_NAMES",
    "ChargeRequest",
    "ChargeResult",
    "CheckoutRequest",
    "CheckoutSession",
    "EventKind",
    "GatewayError",
    "GatewayRefused",
    "GatewayEvent",
    "GatewayRecord",
    "PaymentGateway",
    "PayoutResult",
    "RefundResult",
    "IntentLookup",
    "SavedMethodCharges",
    "WebhookSignatureError",
    "configured_gateways",
    "get_gateway",
    "get_gateway_by_name",
]


def configured_gateways() -> list[str]:
    """Names of the gateways usable with the current settings (webhook endpoints of others 404)."""
    settings = get_settings()
    names = []
    if settings.sandbox_payments:
        names.append("sandbox")
    if settings.stripe_secret_key:
        names.append("stripe")
    if settings.razorpay_key_id and settings.razorpay_key_secret:
        names.append("razorpay")
    return names


def get_gateway(currency: str, *, session: Session | None = None) -> PaymentGateway:
    """The gateway for a payment in `currency` (ISO 4217)."""
    settings = get_settings()
    code = (currency or "").strip().upper()
    if code == "INR" and settings.razorpay_key_id and settings.razorpay_key_secret:
        return get_gateway_by_name("razorpay", session=session)
    if code != "INR" and settings.stripe_secret_key:
        return get_gateway_by_name("stripe", session=session)
    if settings.sandbox_payments:
        return get_gateway_by_name("sandbox", session=session)
    needed = "TUTORHUB_RAZORPAY_KEY_ID/SECRET" if code == "INR" else "TUTORHUB_STRIPE_SECRET_KEY"
    raise GatewayError(f"No payment gateway is configured for {code or 'this currency'} (set {needed}).")


def get_gateway_by_name(name: str, *, session: Session | None = None) -> PaymentGateway:
    """A gateway by its name (webhooks, refunds and payouts go back to the gateway that took the money)."""
    if name not in configured_gateways():
        raise GatewayError(f"Payment gateway {name!r} is not configured.")
    if name == "sandbox":
        return SandboxGateway(session=session)
    if name == "stripe":
        return StripeGateway()
    return RazorpayGateway()
