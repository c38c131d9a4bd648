"""A subscription whose renewal charge failed: past due, retried during a grace period, then ended.

The rule (and why):
- A failed renewal charge — the sandbox's saved card declined (the renewal job's charge,
  services/checkout/renewals.py) or a provider's invoice-payment failure (Stripe
  `invoice.payment_failed`, Razorpay `subscription.pending`: EventKind.SUBSCRIPTION_PAYMENT_FAILED) —
  moves an ACTIVE subscription whose period is over to PAST_DUE, with `grace_until` =
  the first failure + GRACE_PERIOD (3 days). The student is notified at once (kind "payment").
- While past due nothing new is granted: the next cycle's minutes come only with a payment.
  Minutes already granted stay usable until their own expiry (they were paid for).
- Retries: the platform retries the sandbox's saved card RETRY_AFTER (1 and 2 days) after the first
  failure, through the renewal job (`next_retry_at`). Stripe and Razorpay run their own retry
  schedule; we show the provider's next attempt when it tells us (Stripe's `next_payment_attempt`,
  Razorpay's `charge_at`), and otherwise say the provider retries.
- A payment that succeeds during the grace period (a retry, the student's "pay now", the provider's
  own retry) renews the cycle exactly as an on-time renewal (subscription_cycles.renew): back to
  ACTIVE, the cycle's minutes granted, the past-due marks cleared. The billing anchor stays, so the
  paid cycle ends where it would have.
- When the grace period ends unpaid (`end_lapsed`, run by the renewal job) the subscription ENDS,
  with a notice; a provider-billed one is cancelled at the provider at once and its open invoice
  voided (provider_endings.py; retried until the provider confirms), so the provider neither keeps
  retrying nor collects the invoice after the plan ended. A provider payment that still arrives for an ended subscription
  is credited to the student's wallet, not kept for nothing (purchases.apply_subscription_event).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.credits import Plan, Subscription, SubscriptionStatus
from tutorhub.services.billing.subscription_cycles import renewal_due
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.timefmt import format_local

log = logging.getLogger("tutorhub.subscriptions")

GRACE_PERIOD = timedelta(days=3)  # from the first failed renewal charge to the end of the plan
RETRY_AFTER = (timedelta(days=1), timedelta(days=2))  # sandbox retries, counted from the first failure
WALLET_LINK = "/wallet"


def _locked(session: Session, subscription_id: int) -> Subscription | None:
    return session.exec(select(Subscription).where(col(Subscription.id) == subscription_id).with_for_update()).first()


def _day(session: Session, user_id: int, when: datetime | None) -> str:
    """`when` in the student's own timezone (the notice goes to them)."""
    user = session.get(User, user_id)
    return format_local(when.isoformat() if when else None, user.timezone if user else "UTC")


def renewal_failed(session: Session, *, subscription_id: int, now: datetime, provider_retry_at: datetime | None = None
                   ) -> bool:
    """A renewal charge of the subscription failed: PAST_DUE (first failure: grace period starts,
    student notified) or one more failed retry (the next one scheduled). False when the failure
    does not concern a period that is due (the subscription ended, or its current period is paid)."""
    sub = _locked(session, subscription_id)
    if sub is None or sub.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
        return False
    sandbox = sub.gateway in ("", "sandbox")
    if sub.status == SubscriptionStatus.ACTIVE:
        if sub.cancel_at_period_end or not renewal_due(sub, now):
            log.warning("failed renewal of subscription %s ignored: its period ends %s", sub.id, sub.current_period_end)
            return False
        sub.status = SubscriptionStatus.PAST_DUE
        sub.failed_charges = 0
        sub.grace_until = now + GRACE_PERIOD
    assert sub.grace_until is not None
    first_failure = sub.grace_until - GRACE_PERIOD
    sub.failed_charges += 1
    if sandbox:
        planned = [first_failure + step for step in RETRY_AFTER[sub.failed_charges - 1:]]
        sub.next_retry_at = next((at for at in planned if at < sub.grace_until), None)
    else:
        sub.next_retry_at = provider_retry_at if provider_retry_at and provider_retry_at < sub.grace_until else None
    sub.updated_at = now
    session.add(sub)
    session.flush()
    if sub.failed_charges == 1:
        plan = session.get(Plan, sub.plan_id)
        retry = (f"We'll retry on {_day(session, sub.user_id, sub.next_retry_at)}. " if sub.next_retry_at
                 else "Your payment provider retries the charge. " if not sandbox else "")
        notify(session, user_id=sub.user_id, kind="payment", link=WALLET_LINK, now=now,
               title=f"Your payment for {plan.name if plan else 'your plan'} failed",
               body=f"{retry}Your plan ends on {_day(session, sub.user_id, sub.grace_until)} unless it is paid; "
                    "the minutes you already have stay yours until they expire.")
    return True


def clear(sub: Subscription) -> None:
    """The renewal was paid (subscription_cycles.renew): ACTIVE again, the past-due marks cleared."""
    sub.status = SubscriptionStatus.ACTIVE
    sub.grace_until = None
    sub.next_retry_at = None
    sub.failed_charges = 0


def end(session: Session, sub: Subscription, *, now: datetime, reason: str) -> None:
    """End a past-due subscription now (grace over, cancelled by the student or by the provider)."""
    sub.status = SubscriptionStatus.ENDED
    sub.cancelled_at = sub.cancelled_at or now
    sub.next_retry_at = None
    sub.updated_at = now
    session.add(sub)
    session.flush()
    plan = session.get(Plan, sub.plan_id)
    notify(session, user_id=sub.user_id, kind="payment", link=WALLET_LINK, now=now,
           title=f"Your {plan.name if plan else 'plan'} has ended",
           body=f"{reason} The minutes you already have stay yours until they expire; you can subscribe again "
                "from your wallet.")


def lapsed(session: Session, *, now: datetime) -> list[Subscription]:
    """The past-due subscriptions whose grace period is over (or that were cancelled), to end."""
    return list(session.exec(select(Subscription).where(
        col(Subscription.status) == SubscriptionStatus.PAST_DUE,
        (col(Subscription.grace_until) <= now) | col(Subscription.cancel_at_period_end),
    ).order_by(col(Subscription.id))).all())


def sandbox_retries_due(session: Session, *, now: datetime) -> list[int]:
    """Ids of the past-due sandbox subscriptions whose next retry is due (inside the grace period)."""
    return [sub.id or 0 for sub in session.exec(select(Subscription).where(
        col(Subscription.status) == SubscriptionStatus.PAST_DUE, col(Subscription.next_retry_at) <= now,
        col(Subscription.grace_until) > now, col(Subscription.gateway).in_(["", "sandbox"]),
        col(Subscription.cancel_at_period_end).is_(False),
    ).order_by(col(Subscription.id))).all()]
