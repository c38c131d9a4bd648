"""The one interface every payment provider implements (sandbox, Stripe, Razorpay).

Why a small normalized interface: the money services (ledger, escrow, wallet, credits) must not
know which provider moved the money. A gateway turns our request into a hosted checkout (card
data never touches TutorHub), turns a provider webhook into one normalized `GatewayEvent`
(after verifying its signature over the raw body), and executes refunds and payouts. Everything
that decides *what the money means* lives in `tutorhub.services`.

Identifiers:
* `reference` — ours, unique per payment attempt (`Payment.reference`, e.g. "pay_3f9c…"). It is sent
  to the provider as metadata / notes / receipt and comes back in every event about that payment.
* `gateway_ref` — the provider's id for the money movement (Stripe PaymentIntent / Razorpay payment /
  sandbox charge id). Refunds and reconciliation use it.
* `event_id` — the provider's id for one webhook event; stored under a unique constraint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class WebhookSignatureError(Exception):
    """The webhook's signature (or timestamp) does not verify: answer 400, log, apply nothing."""


class GatewayError(Exception):
    """The provider refused or failed a request (network error, declined refund, bad account).

    A plain GatewayError from a refund or payout says nothing about whether the money moved (a
    timeout, a 5xx, a lost answer): the refund / transfer may exist at the provider. Only
    `GatewayRefused` says it did not."""


class GatewayRefused(GatewayError):
    """The provider answered and definitively refused the request (a 4xx business refusal: Stripe
    InvalidRequestError / CardError / PermissionError, Razorpay BAD_REQUEST_ERROR, the sandbox's
    checks): nothing was moved by this request."""


GATEWAY_TIMEOUT_SECONDS = 30.0  # every provider HTTP call; well under the intents' RESUME_AFTER (2 min)


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"  # money captured for `reference`
    PAYMENT_FAILED = "payment.failed"  # the checkout is over unpaid (failed for good, cancelled, expired)
    # One attempt failed (a declined card) but the checkout stays open: the payer may try another
    # card on the same Stripe Checkout Session / Razorpay order, so nothing is released.
    PAYMENT_ATTEMPT_FAILED = "payment.attempt_failed"
    REFUND_SUCCEEDED = "refund.succeeded"  # `amount_minor` went back to the payer
    DISPUTE_OPENED = "dispute.opened"  # chargeback opened; funds withdrawn by the provider
    DISPUTE_WON = "dispute.won"  # chargeback reversed in our favour; funds returned
    DISPUTE_LOST = "dispute.lost"  # chargeback final
    SUBSCRIPTION_RENEWED = "subscription.renewed"  # a subscription invoice was paid
    SUBSCRIPTION_PAYMENT_FAILED = "subscription.payment_failed"  # a renewal invoice's charge failed (retried)
    SUBSCRIPTION_CANCELLED = "subscription.cancelled"
    PAYOUT_PAID = "payout.paid"  # a transfer to a tutor arrived
    PAYOUT_FAILED = "payout.failed"
    # A tutor's connected account changed (Stripe account.updated, Razorpay product.route.*):
    # `gateway_ref` is the account id, `data` its derived "status" and "detail".
    ACCOUNT_UPDATED = "account.updated"
    # What a payment was paid with, no money moved (Stripe `charge.succeeded`: the card's fingerprint in
    # `data["card_fingerprint"]`); `gateway_ref` is the provider's id of the payment it is about.
    PAYMENT_DETAILS = "payment.details"
    IGNORED = "ignored"  # a verified event we do not act on (still stored, acknowledged)


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str
    amount_minor: int
    currency: str  # ISO 4217, upper case
    description: str
    customer_email: str
    success_url: str
    cancel_url: str
    mode: str = "payment"  # "payment" | "subscription"
    plan_code: str | None = None  # our plan code when mode == "subscription"
    metadata: Mapping[str, str] = field(default_factory=dict)
    # When the payer can no longer pay on the hosted page (Stripe: the session's `expires_at`,
    # 30 minutes to 24 hours ahead); the promo reservation of the payment lapses at the same instant.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ChargeRequest:
    """A charge of the payer's saved payment method without them present (a subscription renewal).

    `requested_at` is the caller's clock: the sandbox dates its charge with it (real providers use
    their own clock)."""

    reference: str
    amount_minor: int
    currency: str  # ISO 4217, upper case
    description: str
    customer_email: str
    requested_at: datetime
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeResult:
    gateway_ref: str  # the provider's id for the charge
    status: str  # "succeeded" | "pending" | "failed" (declined) — the outcome itself always arrives as a webhook


@dataclass(frozen=True)
class CheckoutSession:
    gateway: str  # "sandbox" | "stripe" | "razorpay"
    gateway_ref: str  # checkout session / order id at the provider
    checkout_url: str


@dataclass(frozen=True)
class GatewayEvent:
    gateway: str
    event_id: str
    kind: EventKind
    raw_type: str  # the provider's own event type, e.g. "checkout.session.completed"
    reference: str | None  # our Payment.reference when the event is about a payment we started
    gateway_ref: str | None  # provider id of the payment / refund / dispute / payout
    amount_minor: int
    currency: str
    occurred_at: datetime
    # Extra ids: refund_id, dispute_id, subscription_id … and, when the provider sends one,
    # "card_fingerprint": an opaque id of the card that paid (the same card → the same value).
    data: Mapping[str, Any] = field(default_factory=dict)
    # For refund / dispute events: the provider id of the original payment (Stripe PaymentIntent,
    # Razorpay payment), when the provider does not echo our reference.
    payment_gateway_ref: str | None = None


@dataclass(frozen=True)
class RefundResult:
    gateway_ref: str  # the provider's refund id
    status: str  # "succeeded" | "pending"


@dataclass(frozen=True)
class PayoutResult:
    gateway_ref: str  # transfer / payout id
    status: str  # "paid" | "pending"


@dataclass(frozen=True)
class GatewayRecord:
    """One provider-side money movement, for the daily reconciliation against the ledger."""

    gateway_ref: str
    reference: str | None
    kind: str  # "payment" | "refund" | "payout"
    amount_minor: int
    currency: str
    created_at: datetime


class PaymentGateway(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        """Start a hosted checkout; the payer finishes it on the provider's page."""

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Verify the signature over the exact raw body and normalize the event.

        Raises WebhookSignatureError for a bad/missing signature, stale timestamp or tampered body."""

    def refund(self, *, gateway_ref: str, amount_minor: int, currency: str, idempotency_key: str) -> RefundResult:
        """Refund part or all of a captured payment (idempotent per key at the provider)."""

    def payout(
        self, *, destination: str, amount_minor: int, currency: str, reference: str, idempotency_key: str
    ) -> PayoutResult:
        """Send a tutor's earnings (Stripe Connect transfer / Razorpay Route / sandbox)."""

    def list_records(self, *, since: datetime, until: datetime) -> list[GatewayRecord]:
        """Provider-side movements in a window, for reconciliation."""


@runtime_checkable
class SavedMethodCharges(Protocol):
    """Optional: charging a saved payment method off-session. Only the sandbox offers it — Stripe and
    Razorpay bill subscriptions themselves and report renewals by webhook."""

    def charge_saved_method(self, request: ChargeRequest) -> ChargeResult:
        """Charge now and return the result; what the money means is decided when the payment's
        webhook is applied, like any payment's (the sandbox's webhook is delivered by the caller)."""


@runtime_checkable
class IntentLookup(Protocol):
    """Asking the provider whether a refund / payout we may have sent already exists, found by our
    idempotency key (Stripe metadata, Razorpay notes, the sandbox's record): what makes a retry of a
    refund or payout intent safe after a crash, since Razorpay takes no idempotency header. None
    when the provider has no such movement; GatewayError when it cannot be asked now."""

    def find_refund(self, *, gateway_ref: str, idempotency_key: str) -> RefundResult | None: ...

    def find_payout(self, *, reference: str, idempotency_key: str) -> PayoutResult | None: ...


@dataclass(frozen=True)
class ConnectedAccount:
    """A tutor's account at the provider, as our three statuses see it (the adapter derives them:
    stripe_connect.py / razorpay_route.py document how)."""

    account_ref: str  # acct_… / acc_… / sbx_acct_…: the transfer destination
    status: str  # "pending" | "verified" | "restricted"
    detail: str = ""  # what the provider still needs, in words for the tutor
    product_ref: str = ""  # Razorpay: the Route product configuration
    raw: Mapping[str, Any] = field(default_factory=dict)  # the few provider fields we keep for support


@dataclass(frozen=True)
class AccountHolder:
    """Who the connected account is for: what every provider asks when it is opened."""

    user_id: int
    email: str
    name: str
    phone: str = ""
    # Razorpay Route only (the linked account receives settlements to this bank account):
    bank_account_number: str = ""
    bank_ifsc: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@runtime_checkable
class PayoutAccounts(Protocol):
    """Opening and reading tutors' connected accounts (Stripe Connect Express, Razorpay Route
    linked accounts, the sandbox)."""

    def open_payout_account(self, holder: AccountHolder, *, idempotency_key: str) -> ConnectedAccount:
        """Create the account at the provider (Razorpay: with its bank details, in one go)."""

    def onboarding_url(self, *, account_ref: str, return_url: str, refresh_url: str) -> str | None:
        """Where the tutor finishes onboarding on the provider's hosted page (None: nothing to finish)."""

    def fetch_payout_account(self, *, account_ref: str, product_ref: str) -> ConnectedAccount:
        """The account as the provider has it now."""
