"""A subscription's billing cycle: period arithmetic, charging through the money core's gateway
path, granting a cycle's minutes, and renewal (a provider's event, or a renewal payment of ours).

Renewal rules are in subscriptions.py's docstring; in short: once per key (provider event id /
payment id) and once per period (`renewal_due`). Stripe and Razorpay renew themselves and tell us by
webhook; the sandbox has no billing engine, so services/checkout/renewals.py charges its saved
"card" for every due subscription (`sandbox_renewals_due`, `renewal_charge`) and delivers the
sandbox's webhook, which ends here in `renew`. The student's actions (subscribe, change plan,
cancel) are in subscriptions.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.credits import LotSource, Plan, PlanPrice, Subscription, SubscriptionChange, SubscriptionStatus
from tutorhub.models.money import Payment, PaymentPurpose, PaymentStatus
from tutorhub.services.actor import UserOut, to_user_out
from tutorhub.services.billing import credits
from tutorhub.services.billing.plans import plan_price
from tutorhub.services.money import payments

log = logging.getLogger("tutorhub.subscriptions")
# A subscription that renews: paid up, or past due (a renewal charge failed; billing/past_due.py).
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
RENEWAL_EARLY = timedelta(days=3)  # providers invoice shortly before the period ends; clocks differ a little


def period_end(anchor: datetime, cycle: int) -> datetime:
    """Cycle n ends n calendar months after the anchor (a start on the 31st does not drift to the 28th)."""
    return anchor + relativedelta(months=cycle)


def start_payment(session: Session, *, user: UserOut, amount: int, currency: str, description: str,
                   metadata: dict[str, str], now: datetime) -> tuple[int, str, str]:
    """(payment id, reference, checkout url) through the money core's gateway path."""
    payment, url = payments.start_gateway_payment(
        session, user=user, purpose="subscription", amount_minor=amount, currency=currency, description=description,
        metadata=metadata, now=now,
    )
    return int(payment.id), str(payment.reference), str(url)


def grant_cycle(session: Session, sub: Subscription, plan: Plan, now: datetime, payment_id: int | None) -> None:
    """Grant the plan's minutes for the subscription's current cycle (once per cycle: the lot's source_ref)."""
    credits.grant_lot(
        session, user_id=sub.user_id, minutes=plan.minutes_per_cycle, source=LotSource.PLAN,
        source_ref=f"sub:{sub.id}:cycle:{sub.cycle}", expires_at=now + timedelta(days=credits.PLAN_ROLLOVER_DAYS),
        now=now, memo=f"{plan.name}: month {sub.cycle}", payment_id=payment_id,
    )


def renewal_due(sub: Subscription, now: datetime) -> bool:
    """Whether a renewal at `now` can belong to the period that is ending: at most RENEWAL_EARLY
    before its end. A second renewal event for the same period (another event id for the same
    invoice, a provider's "charged" event for the first payment) arrives a whole cycle early and
    must not grant a month nobody paid for."""
    return sub.current_period_end is not None and now >= sub.current_period_end - RENEWAL_EARLY


def renew(session: Session, *, subscription_id: int, renewal_key: str, payment_id: int | None, now: datetime) -> bool:
    """Start the next cycle (applying a scheduled downgrade) and grant its minutes; once per key,
    and once per period (`renewal_due`)."""
    sub = session.exec(select(Subscription).where(col(Subscription.id) == subscription_id).with_for_update()).first()
    if sub is None or sub.status not in LIVE or sub.last_renewal_key == renewal_key[:120]:
        return False
    if sub.cancel_at_period_end:
        return False
    if not renewal_due(sub, now):
        log.warning("renewal %s of subscription %s ignored: its period ends %s", renewal_key, sub.id, sub.current_period_end)
        return False
    assert sub.anchor_at is not None and sub.current_period_end is not None
    if sub.next_plan_id is not None:
        nxt = session.get(Plan, sub.next_plan_id)
        assert nxt is not None
        sub.plan_id = nxt.id or 0
        sub.price_minor = plan_price(session, nxt, sub.currency)
        sub.next_plan_id = None
        for change in session.exec(select(SubscriptionChange).where(
                col(SubscriptionChange.subscription_id) == sub.id, col(SubscriptionChange.kind) == "downgrade",
                col(SubscriptionChange.status) == "pending")).all():
            change.status = "applied" if change.to_plan_id == sub.plan_id else "void"
            session.add(change)
    # Paid: a past-due subscription (past_due.py) is active again, its grace period over.
    sub.status, sub.grace_until, sub.next_retry_at, sub.failed_charges = SubscriptionStatus.ACTIVE, None, None, 0
    sub.cycle += 1
    sub.current_period_start = sub.current_period_end
    sub.current_period_end = period_end(sub.anchor_at, sub.cycle)
    sub.last_renewal_key = renewal_key[:120]
    sub.updated_at = now
    session.add(sub)
    session.flush()
    plan = session.get(Plan, sub.plan_id)
    assert plan is not None
    sub.cycle_minutes_high = plan.minutes_per_cycle
    current = session.exec(select(PlanPrice.amount_minor).where(col(PlanPrice.plan_id) == plan.id,
                                                                col(PlanPrice.currency) == sub.currency)).first()
    if current is not None:  # an admin's price change applies from the next cycle (what renewal charges)
        sub.price_minor = int(current)
    session.add(sub)
    grant_cycle(session, sub, plan, now, payment_id)
    return True


@dataclass(frozen=True)
class RenewalCharge:
    """What the renewal payment of a subscription's next cycle charges, and how it is marked."""

    user: UserOut
    amount_minor: int
    currency: str
    description: str
    metadata: dict[str, str]


def end_cancelled_subscriptions(session: Session, *, now: datetime) -> int:
    """End the subscriptions cancelled at period end whose period is over (no grant); how many."""
    ended = 0
    for sub in _due(session, now):
        if sub.cancel_at_period_end:
            sub.status = SubscriptionStatus.ENDED
            sub.updated_at = now
            session.add(sub)
            session.flush()
            ended += 1
    return ended


def sandbox_renewals_due(session: Session, *, now: datetime) -> list[int]:
    """Ids of the active sandbox subscriptions whose period is over and that renew (the platform
    charges those itself; providers renew theirs and tell us by webhook)."""
    return [sub.id or 0 for sub in _due(session, now) if not sub.cancel_at_period_end and sub.gateway == "sandbox"]


def _due(session: Session, now: datetime) -> list[Subscription]:
    return list(session.exec(select(Subscription).where(col(Subscription.status) == SubscriptionStatus.ACTIVE,
                                                        col(Subscription.current_period_end) <= now)
                             .order_by(col(Subscription.id))).all())


def renewal_charge(session: Session, subscription_id: int) -> RenewalCharge | None:
    """The renewal payment of the subscription's next cycle (at the price of the plan it renews
    to), or None when that payment was already made (one per cycle: the "renewal" marker in its
    metadata; a failed one does not count, so a past-due subscription is charged again) or the
    subscription is not live any more."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.status not in LIVE:
        return None
    marker = f"{sub.id}:{sub.cycle + 1}"
    made = session.exec(select(Payment).where(col(Payment.user_id) == sub.user_id,
                                              col(Payment.purpose) == PaymentPurpose.SUBSCRIPTION,
                                              col(Payment.status).notin_([PaymentStatus.FAILED, PaymentStatus.CANCELLED,
                                                                             PaymentStatus.EXPIRED]))).all()
    if any((p.extra or {}).get("renewal") == marker for p in made):
        return None
    user = session.get(User, sub.user_id)
    plan = session.get(Plan, sub.next_plan_id or sub.plan_id)
    assert user is not None and plan is not None
    return RenewalCharge(
        user=to_user_out(user), amount_minor=plan_price(session, plan, sub.currency), currency=sub.currency,
        description=f"{plan.name} — renewal",
        metadata={"subscription_id": str(sub.id), "kind": "renewal", "renewal": marker, "plan": plan.code},
    )
