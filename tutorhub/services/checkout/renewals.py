"""Renewing the subscriptions the platform bills itself: the `renew_subscriptions` job.

Stripe and Razorpay renew their subscriptions themselves and report it by webhook
(SUBSCRIPTION_RENEWED, taken by the subscription purpose's handler). The sandbox has no billing
engine, so this job plays its part, as the hosted checkout page (sandbox.py) plays the payer's:
for every due sandbox subscription it starts the renewal payment and charges the saved sandbox
"card" through the gateway adapter (`payments.charge_saved_method`; the adapter only records the
charge), then delivers the sandbox's signed `payment.succeeded` webhook to the webhook intake
(`webhooks.deliver_sandbox_event`), which verifies, stores and applies it like any payment's —
ending in billing's `renew`. A saved card that declines (the sandbox declines for a payer whose
address has "+decline" before the "@": sandbox.py) gets the sandbox's `payment.failed` webhook
instead, which makes the subscription past due (billing/past_due.py); the job retries it on
past_due's schedule, and the student can pay now (`pay_past_due_now`).

One savepoint per subscription, and it must end with the webhook applied: if it was not (the
event failed to apply, or anything raised), the savepoint rolls back — no payment, no charge, no
stored event, no grant — and the next run tries again; one subscription's failure never stops the
others. What is due, what a renewal costs and how a cycle renews are billing's rules
(billing/subscription_cycles.py); this module only drives them through the gateway.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, select

from tutorhub.integrations.payments.base import EventKind
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.credits import SubscriptionStatus
from tutorhub.models.gateways import SandboxCharge, SandboxKind, SandboxStatus, WebhookOutcome
from tutorhub.models.money import PaymentPurpose
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing import past_due, provider_endings, subscription_cycles, subscriptions
from tutorhub.services.checkout.webhooks import deliver_sandbox_event
from tutorhub.services.errors import Conflict
from tutorhub.services.money import payments

log = logging.getLogger(__name__)


class RenewalNotApplied(Exception):
    """The renewal payment's webhook was stored but not applied: the renewal is rolled back."""


def renew_due_subscriptions(session: Session, *, now: datetime) -> dict[str, int]:
    """End cancelled subscriptions whose period is over and past-due ones whose grace period is
    over; renew the due sandbox subscriptions, and retry the past-due ones whose retry is due, by
    charging the sandbox (see the module doc). Counts: {"ended": n, "charged": n} ("charged":
    renewals paid; a declined charge counts in neither, it makes the subscription past due)."""
    ended = subscription_cycles.end_cancelled_subscriptions(session, now=now)
    ended += end_lapsed_subscriptions(session, now=now)
    provider_endings.resume_provider_endings(session, now=now)
    counts = {"ended": ended, "charged": 0}
    due = subscription_cycles.sandbox_renewals_due(session, now=now) + past_due.sandbox_retries_due(session, now=now)
    for subscription_id in due:
        try:
            with session.begin_nested():  # one subscription's failure must not stop the others
                counts["charged"] += int(_charge_renewal(session, subscription_id, now))
        except Exception:  # noqa: BLE001 - logged; rolled back and retried on the next run
            log.exception("sandbox renewal of subscription %s failed", subscription_id)
    return counts


def end_lapsed_subscriptions(session: Session, *, now: datetime) -> int:
    """End the past-due subscriptions whose grace period is over unpaid (or that were cancelled),
    with a notice; a provider-billed one is cancelled at its provider at once and its open invoice
    voided (billing/provider_endings.py: recorded now, sent by this job run or after the commit,
    retried until the provider confirms). How many."""
    ended = 0
    for sub in past_due.lapsed(session, now=now):
        if sub.cancel_at_period_end:
            reason = "You cancelled it while its renewal was unpaid."
        else:
            reason = "Its renewal payment failed and was not paid during the grace period."
        past_due.end(session, sub, now=now, reason=reason)
        provider_endings.request_provider_end(session, sub, now=now)
        ended += 1
    return ended


def pay_past_due_now(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> bool:
    """The student's "Pay now" on a past-due sandbox subscription: charge its saved card at once
    (the same path as a scheduled retry). True when the renewal was paid; False when the card was
    declined again (the subscription stays past due). Provider-billed subscriptions are retried by
    their provider: Conflict, with what to do."""
    user = require_role(actor, Role.STUDENT)
    now = now or utcnow()
    sub = subscriptions.current_subscription(session, user.id, lock=True)
    if sub is None or sub.status != SubscriptionStatus.PAST_DUE:
        raise Conflict("Your subscription has no unpaid renewal.")
    if sub.gateway not in ("", "sandbox"):
        raise Conflict(f"{sub.gateway.title()} retries the charge itself: update your card there, or cancel and "
                       "subscribe again with another card.")
    with session.begin_nested():
        _charge_renewal(session, sub.id or 0, now)
    session.refresh(sub)
    return sub.status == SubscriptionStatus.ACTIVE


def _charge_renewal(session: Session, subscription_id: int, now: datetime) -> bool:
    """Charge one subscription's next cycle and apply the sandbox's webhook (payment.succeeded, or
    payment.failed when the saved card declined: past_due.py); True when the renewal was paid, False
    when this cycle's renewal payment was already made or the card declined. Raises unless the
    webhook was applied."""
    charge = subscription_cycles.renewal_charge(session, subscription_id)
    if charge is None:
        return False
    payment = payments.charge_saved_method(
        session, user=charge.user, gateway="sandbox", purpose=PaymentPurpose.SUBSCRIPTION,
        amount_minor=charge.amount_minor, currency=charge.currency, description=charge.description,
        metadata=charge.metadata, now=now,
    )
    recorded = session.exec(select(SandboxCharge).where(SandboxCharge.reference == payment.reference,
                                                        SandboxCharge.kind == SandboxKind.PAYMENT)).one()
    paid = recorded.status == SandboxStatus.SUCCEEDED
    kind = EventKind.PAYMENT_SUCCEEDED if paid else EventKind.PAYMENT_FAILED
    receipt = deliver_sandbox_event(session, recorded, kind, now=now, extra=None if paid else {"reason": "card_declined"})
    if receipt.outcome != WebhookOutcome.APPLIED:
        raise RenewalNotApplied(f"renewal payment {payment.reference}: its webhook ended {receipt.outcome}")
    return paid
