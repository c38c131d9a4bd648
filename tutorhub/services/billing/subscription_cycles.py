"""A subscription's billing cycle: period arithmetic, charging through the money core's gateway
path, granting a cycle's minutes, and renewal (a provider's event or the sandbox renewal job).

The sandbox has no billing engine, so the renewal job charges the saved sandbox "card" through the
gateway adapter (`payments.charge_saved_method`); the sandbox answers with its signed webhook, which
takes the normal path (verify, store once, apply) and ends in `purchases.fulfil_payment` → `renew`.

The student's actions (subscribe, change plan, cancel) are in subscriptions.py, which re-exports
these names for its callers. Renewal rules are in subscriptions.py's docstring; in short: once per key (provider event
id / payment id) and once per period (`renewal_due`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.credits import LotSource, Plan, PlanPrice, Subscription, SubscriptionChange, SubscriptionStatus
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.actor import UserOut, to_user_out
from tutorhub.services.billing import credits
from tutorhub.services.billing.plans import plan_price
from tutorhub.services.money import payments

log = logging.getLogger("tutorhub.subscriptions")
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
    if sub is None or sub.status != SubscriptionStatus.ACTIVE or sub.last_renewal_key == renewal_key[:120]:
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


def renew_due_subscriptions(session: Session, *, now: datetime) -> dict[str, int]:
    """The job: end cancelled subscriptions whose period is over; renew due sandbox subscriptions by
    charging the sandbox (providers renew theirs and tell us by webhook)."""
    counts = {"ended": 0, "charged": 0}
    due = session.exec(select(Subscription).where(col(Subscription.status) == SubscriptionStatus.ACTIVE,
                                                  col(Subscription.current_period_end) <= now)
                       .order_by(col(Subscription.id))).all()
    for sub in due:
        if sub.cancel_at_period_end:
            sub.status = SubscriptionStatus.ENDED
            sub.updated_at = now
            session.add(sub)
            session.flush()
            counts["ended"] += 1
        elif sub.gateway == "sandbox":
            try:
                with session.begin_nested():  # one subscription's failure must not stop the others
                    counts["charged"] += int(_charge_sandbox_renewal(session, sub, now))
            except Exception:  # noqa: BLE001 - logged; retried on the next run
                log.exception("sandbox renewal of subscription %s failed", sub.id)
    return counts


def _charge_sandbox_renewal(session: Session, sub: Subscription, now: datetime) -> bool:
    """One renewal payment per cycle (keyed by cycle in the metadata), charged to the saved sandbox
    "card"; its webhook renews the subscription before this returns."""
    marker = f"{sub.id}:{sub.cycle + 1}"
    existing = [p for p in session.exec(select(Payment).where(col(Payment.user_id) == sub.user_id,
                                                              col(Payment.purpose) == PaymentPurpose.SUBSCRIPTION)).all()
                if (p.extra or {}).get("renewal") == marker]
    if existing:
        return False
    user = session.get(User, sub.user_id)
    plan = session.get(Plan, sub.next_plan_id or sub.plan_id)
    assert user is not None and plan is not None
    price = plan_price(session, plan, sub.currency)
    payments.charge_saved_method(
        session, user=to_user_out(user), gateway=sub.gateway, purpose=PaymentPurpose.SUBSCRIPTION, amount_minor=price,
        currency=sub.currency, description=f"{plan.name} — renewal",
        metadata={"subscription_id": str(sub.id), "kind": "renewal", "renewal": marker, "plan": plan.code}, now=now,
    )
    return True
