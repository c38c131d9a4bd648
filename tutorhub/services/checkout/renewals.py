"""Renewing the subscriptions the platform bills itself: the `renew_subscriptions` job.

Stripe and Razorpay renew their subscriptions themselves and report it by webhook
(SUBSCRIPTION_RENEWED, taken by the subscription purpose's handler). The sandbox has no billing
engine, so this job plays its part, as the hosted checkout page (sandbox.py) plays the payer's:
for every due sandbox subscription it starts the renewal payment and charges the saved sandbox
"card" through the gateway adapter (`payments.charge_saved_method`; the adapter only records the
charge), then delivers the sandbox's signed `payment.succeeded` webhook to the webhook intake
(`webhooks.deliver_sandbox_event`), which verifies, stores and applies it like any payment's —
ending in billing's `renew`.

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
from tutorhub.models.gateways import SandboxCharge, SandboxKind, WebhookOutcome
from tutorhub.models.money import PaymentPurpose
from tutorhub.services.billing import subscription_cycles
from tutorhub.services.checkout.webhooks import deliver_sandbox_event
from tutorhub.services.money import payments

log = logging.getLogger(__name__)


class RenewalNotApplied(Exception):
    """The renewal payment's webhook was stored but not applied: the renewal is rolled back."""


def renew_due_subscriptions(session: Session, *, now: datetime) -> dict[str, int]:
    """End cancelled subscriptions whose period is over; renew the due sandbox subscriptions by
    charging the sandbox (see the module doc). Counts: {"ended": n, "charged": n}."""
    counts = {"ended": subscription_cycles.end_cancelled_subscriptions(session, now=now), "charged": 0}
    for subscription_id in subscription_cycles.sandbox_renewals_due(session, now=now):
        try:
            with session.begin_nested():  # one subscription's failure must not stop the others
                counts["charged"] += int(_charge_renewal(session, subscription_id, now))
        except Exception:  # noqa: BLE001 - logged; rolled back and retried on the next run
            log.exception("sandbox renewal of subscription %s failed", subscription_id)
    return counts


def _charge_renewal(session: Session, subscription_id: int, now: datetime) -> bool:
    """Charge one subscription's next cycle and apply the sandbox's webhook; False when this
    cycle's renewal payment was already made. Raises unless the webhook was applied."""
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
    receipt = deliver_sandbox_event(session, recorded, EventKind.PAYMENT_SUCCEEDED, now=now)
    if receipt.outcome != WebhookOutcome.APPLIED:
        raise RenewalNotApplied(f"renewal payment {payment.reference}: its webhook ended {receipt.outcome}")
    return True
