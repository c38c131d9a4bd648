"""Monthly subscriptions: subscribe through a gateway checkout, grant minutes every cycle, change plan
mid-cycle (prorated), cancel at period end, renew.

Rules (and why):
- A cycle is one calendar month from the first payment (`anchor_at` + n months, so a subscription
  started on the 31st does not drift to the 28th forever). Each paid cycle grants the plan's minutes
  as a lot that lives 60 days (credits.PLAN_ROLLOVER_DAYS), so unused minutes roll over at most ~2 months.
- Upgrade (the new plan costs more in the subscription's currency): charged NOW for the rest of the
  cycle and granted the prorated minute difference above the most minutes already paid for in this
  cycle (`cycle_minutes_high`, so zigzagging between plans cannot grant the same minutes twice), both computed with integers from the remaining
  seconds of the cycle and rounded DOWN (`prorate`): the student never pays for time already gone, the
  platform never grants minutes nobody paid for. The upgrade takes effect when its payment succeeds.
- Downgrade (same or lower price): effective at the next renewal, nothing refunded — the student keeps
  what they paid for this cycle (the honest simple rule; Stripe's "credit the unused part" would need a
  money credit we would then have to track against minutes already used).
- Cancel: any time, effective at period end; no further grants, nothing refunded.
- Renewal: for Stripe/Razorpay the provider charges and sends SUBSCRIPTION_RENEWED; the checkout's
  event dispatch hands it to `purchases.apply_subscription_event`. The sandbox has no billing engine,
  so the renewal job (services/checkout/renewals.py) plays it: it charges the saved sandbox "card"
  through the gateway adapter and delivers the sandbox's signed webhook, which
  takes the path of any payment; `fulfil_payment` then renews. Either way a renewal is keyed
  (provider event id / payment id) so it is applied once, and it must arrive near the end of the
  current period (`renewal_due`), so a second event for a period already renewed cannot grant an
  extra month.
- A renewal whose charge fails makes the subscription PAST_DUE for a 3-day grace period (retried,
  the student notified, no new minutes), then ACTIVE again when paid or ENDED when not: past_due.py.
  A past-due subscription is still the student's one live subscription (no second one meanwhile,
  no plan change until paid; cancelling it ends it at once).
- Provider-billed subscriptions (Stripe/Razorpay): cancelling is forwarded to the provider (else it
  would keep charging); mid-cycle plan changes are refused with a clear message — Stripe
  would prorate on its own invoice as well, charging twice. The sandbox supports the full rules.

The cycle mechanics (period arithmetic, charging, granting a cycle, renewal) live in
subscription_cycles.py.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.integrations.payments import GatewayError, get_gateway_by_name
from tutorhub.models.base import utcnow
from tutorhub.models.credits import LotSource, Plan, Subscription, SubscriptionChange, SubscriptionStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing import credits, provider_endings
from tutorhub.services.billing.plan_options import change_kind
from tutorhub.services.billing.plans import get_plan, plan_price
from tutorhub.services.billing.subscription_cycles import grant_cycle, period_end, start_payment
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import PaymentUnavailable
from tutorhub.services.validation import validate_currency

log = logging.getLogger("tutorhub.subscriptions")


class SubscriptionOut(BaseModel):
    id: int
    plan_code: str
    plan_name: str
    minutes_per_cycle: int
    status: str
    currency: str
    price_minor: int
    cycle: int
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    next_plan_code: str | None
    # Past due (past_due.py): the grace period's end, the next retry (None: the provider's own, or none left).
    grace_until: datetime | None = None
    next_retry_at: datetime | None = None
    provider_billed: bool = False


class CheckoutOut(BaseModel):
    payment_reference: str
    checkout_url: str


class PlanChangeOut(BaseModel):
    kind: str  # upgrade | downgrade | keep (a scheduled downgrade was called off)
    charge_minor: int
    grant_minutes: int
    currency: str
    effective_at: datetime | None
    payment_reference: str | None = None
    checkout_url: str | None = None


def prorate(*, old_price: int, new_price: int, old_minutes: int, new_minutes: int, remaining_seconds: int,
            total_seconds: int) -> tuple[int, int]:
    """(charge_minor, grant_minutes) for moving to a dearer plan with `remaining_seconds` of the cycle left.

    Integer arithmetic, rounded down; never negative; never more than the full difference."""
    if total_seconds <= 0:
        raise ValueError("a cycle has positive length")
    left = max(0, min(remaining_seconds, total_seconds))
    charge = max(0, new_price - old_price) * left // total_seconds
    minutes = max(0, new_minutes - old_minutes) * left // total_seconds
    return charge, minutes


def _out(session: Session, sub: Subscription) -> SubscriptionOut:
    plan = session.get(Plan, sub.plan_id)
    nxt = session.get(Plan, sub.next_plan_id) if sub.next_plan_id else None
    assert plan is not None
    return SubscriptionOut(
        id=sub.id or 0, plan_code=plan.code, plan_name=plan.name, minutes_per_cycle=plan.minutes_per_cycle,
        status=sub.status, currency=sub.currency, price_minor=sub.price_minor, cycle=sub.cycle,
        current_period_start=sub.current_period_start, current_period_end=sub.current_period_end,
        cancel_at_period_end=sub.cancel_at_period_end, next_plan_code=nxt.code if nxt else None,
        grace_until=sub.grace_until if sub.status == SubscriptionStatus.PAST_DUE else None,
        next_retry_at=sub.next_retry_at if sub.status == SubscriptionStatus.PAST_DUE else None,
        provider_billed=_provider_billed(sub),
    )


def _active(session: Session, user_id: int, *, lock: bool = False) -> Subscription | None:
    """The student's live subscription: active, or past due (a renewal failed; still theirs until
    the grace period ends, so they cannot start a second one meanwhile)."""
    query = select(Subscription).where(col(Subscription.user_id) == user_id,
                                       col(Subscription.status).in_([SubscriptionStatus.ACTIVE,
                                                                     SubscriptionStatus.PAST_DUE]))
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def current_subscription(session: Session, user_id: int, *, lock: bool = False) -> Subscription | None:
    """The student's live subscription row (active or past due), for the checkout's "pay now"."""
    return _active(session, user_id, lock=lock)


def my_subscription(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> SubscriptionOut | None:
    user = require_role(actor, "student")
    sub = _active(session, user.id)
    return _out(session, sub) if sub else None


def subscribe(session: Session, *, actor: UserOut | None, plan_code: Any, currency: Any,
              now: datetime | None = None) -> CheckoutOut:
    """Start a subscription: a pending row and a checkout for the first month."""
    user = require_role(actor, "student")
    now = now or utcnow()
    plan = get_plan(session, plan_code)
    cur = validate_currency(currency)
    price = plan_price(session, plan, cur)
    ledger.lock_accounts(session, [credits.credits_account(user.id)])  # one subscribe at a time per student
    if _active(session, user.id) is not None:
        raise Conflict("You already have a subscription; change your plan instead.")
    sub = Subscription(user_id=user.id, plan_id=plan.id or 0, currency=cur, price_minor=price,
                       status=SubscriptionStatus.PENDING, created_at=now, updated_at=now)
    session.add(sub)
    session.flush()
    payment_id, reference, url = start_payment(
        session, user=user, amount=price, currency=cur, description=f"{plan.name} — first month",
        metadata={"subscription_id": str(sub.id), "kind": "start", "plan_code": plan.code}, now=now,
    )
    sub.start_payment_id = payment_id
    session.add(sub)
    session.flush()
    return CheckoutOut(payment_reference=reference, checkout_url=url)


def activate(session: Session, *, subscription_id: int, payment_id: int | None, gateway: str, gateway_ref: str,
             now: datetime) -> bool:
    """The first payment succeeded: cycle 1 starts now and grants its minutes. Idempotent."""
    sub = session.exec(select(Subscription).where(col(Subscription.id) == subscription_id).with_for_update()).first()
    if sub is None or sub.status != SubscriptionStatus.PENDING:
        return False
    if _active(session, sub.user_id) is not None:
        # Paid twice (two checkouts): keep the running one; the money core's records show the payment.
        log.warning("subscription %s paid while another is active; not started", sub.id)
        sub.status = SubscriptionStatus.ENDED
        sub.gateway, sub.gateway_ref = gateway[:16], gateway_ref[:120]  # the provider's copy must be ended too
        sub.updated_at = now
        session.add(sub)
        session.flush()
        return False
    plan = session.get(Plan, sub.plan_id)
    assert plan is not None
    sub.status = SubscriptionStatus.ACTIVE
    sub.cycle = 1
    sub.anchor_at = now
    sub.current_period_start = now
    sub.current_period_end = period_end(now, 1)
    sub.cycle_minutes_high = plan.minutes_per_cycle
    sub.gateway = gateway[:16]
    sub.gateway_ref = gateway_ref[:120]
    sub.updated_at = now
    session.add(sub)
    session.flush()
    grant_cycle(session, sub, plan, now, payment_id)
    return True


def change_plan(session: Session, *, actor: UserOut | None, plan_code: Any, now: datetime | None = None) -> PlanChangeOut:
    """Upgrade (prorated charge + minutes now, via checkout) or downgrade (at the next renewal)."""
    user = require_role(actor, "student")
    now = now or utcnow()
    sub = _active(session, user.id, lock=True)
    if sub is None:
        raise NotFound("You have no active subscription.")
    if sub.status == SubscriptionStatus.PAST_DUE:
        raise Conflict("Your last payment failed: pay it before changing your plan.")
    if _provider_billed(sub):
        raise Conflict(f"Plan changes for subscriptions billed by {sub.gateway} are not available yet: cancel (it runs "
                       "to the end of the paid month) and subscribe to the new plan.")
    new = get_plan(session, plan_code)
    if new.id == sub.plan_id:
        if sub.next_plan_id is None:
            raise Conflict("You are already on this plan.")
        sub.next_plan_id = None  # "stay on my plan" cancels a scheduled downgrade
        sub.updated_at = now
        session.add(sub)
        _void_pending_downgrades(session, sub)
        session.flush()
        return PlanChangeOut(kind="keep", charge_minor=0, grant_minutes=0, currency=sub.currency, effective_at=now)
    old = session.get(Plan, sub.plan_id)
    assert old is not None and sub.current_period_start and sub.current_period_end
    new_price = plan_price(session, new, sub.currency)
    if change_kind(current_price=sub.price_minor, current_minutes=old.minutes_per_cycle, new_price=new_price,
                   new_minutes=new.minutes_per_cycle) == "downgrade":
        sub.next_plan_id = new.id
        sub.updated_at = now
        session.add(sub)
        session.add(SubscriptionChange(subscription_id=sub.id or 0, from_plan_id=old.id or 0, to_plan_id=new.id or 0,
                                       kind="downgrade", cycle=sub.cycle, status="pending", created_at=now))
        session.flush()
        return PlanChangeOut(kind="downgrade", charge_minor=0, grant_minutes=0, currency=sub.currency,
                             effective_at=sub.current_period_end)
    total = int((sub.current_period_end - sub.current_period_start).total_seconds())
    remaining = int((sub.current_period_end - now).total_seconds())
    charge, minutes = prorate(old_price=sub.price_minor, new_price=new_price,
                              old_minutes=max(old.minutes_per_cycle, sub.cycle_minutes_high),
                              new_minutes=new.minutes_per_cycle, remaining_seconds=remaining, total_seconds=total)
    change = SubscriptionChange(subscription_id=sub.id or 0, from_plan_id=old.id or 0, to_plan_id=new.id or 0,
                                kind="upgrade", cycle=sub.cycle, charge_minor=charge, grant_minutes=minutes,
                                status="pending", created_at=now)
    session.add(change)
    session.flush()
    if charge == 0:  # nothing to pay (same price, or the cycle is practically over): switch at once
        apply_upgrade(session, change_id=change.id or 0, payment_id=None, now=now)
        return PlanChangeOut(kind="upgrade", charge_minor=0, grant_minutes=minutes, currency=sub.currency, effective_at=now)
    payment_id, reference, url = start_payment(
        session, user=user, amount=charge, currency=sub.currency,
        description=f"Upgrade to {new.name} for the rest of this month",
        metadata={"subscription_id": str(sub.id), "kind": "upgrade", "change_id": str(change.id), "plan": new.code},
        now=now,
    )
    change.payment_id = payment_id
    session.add(change)
    session.flush()
    return PlanChangeOut(kind="upgrade", charge_minor=charge, grant_minutes=minutes, currency=sub.currency,
                         effective_at=None, payment_reference=reference, checkout_url=url)


def _void_pending_downgrades(session: Session, sub: Subscription) -> None:
    for change in session.exec(select(SubscriptionChange).where(
            col(SubscriptionChange.subscription_id) == sub.id, col(SubscriptionChange.status) == "pending",
            col(SubscriptionChange.kind) == "downgrade")).all():
        change.status = "void"
        session.add(change)


def apply_upgrade(session: Session, *, change_id: int, payment_id: int | None, now: datetime) -> bool:
    """The upgrade's payment succeeded: switch plan and price, grant the prorated minutes. Idempotent.

    If the cycle renewed before the payment landed, the minutes computed for the old cycle are still
    granted (they were paid for) and the subscription moves to the new plan from now on."""
    change = session.exec(select(SubscriptionChange).where(col(SubscriptionChange.id) == change_id).with_for_update()).first()
    if change is None or change.kind != "upgrade" or change.status != "pending":
        return False
    sub = session.get(Subscription, change.subscription_id)
    new = session.get(Plan, change.to_plan_id)
    assert sub is not None and new is not None
    change.status = "applied"
    session.add(change)
    if sub.status == SubscriptionStatus.ACTIVE:
        sub.plan_id = new.id or 0
        sub.price_minor = plan_price(session, new, sub.currency)
        sub.next_plan_id = None
        _void_pending_downgrades(session, sub)  # the upgrade replaces a downgrade scheduled before it
        if change.cycle == sub.cycle:
            sub.cycle_minutes_high = max(sub.cycle_minutes_high, new.minutes_per_cycle)
        sub.updated_at = now
        session.add(sub)
    session.flush()
    if change.grant_minutes > 0:
        credits.grant_lot(
            session, user_id=sub.user_id, minutes=change.grant_minutes, source=LotSource.PLAN,
            source_ref=f"sub:{sub.id}:change:{change.id}", expires_at=now + timedelta(days=credits.PLAN_ROLLOVER_DAYS),
            now=now, memo=f"Upgrade to {new.name} (prorated)", payment_id=payment_id,
        )
    return True


def _provider_billed(sub: Subscription) -> bool:
    """Billed by Stripe/Razorpay (they charge renewals themselves), not by our sandbox job."""
    return sub.gateway not in ("", "sandbox")


def cancel_at_provider(sub: Subscription) -> None:
    """Tell the provider to stop renewing at period end, or it would keep charging the card."""
    if not sub.gateway_ref:
        log.warning("subscription %s billed by %s has no provider id; cancelled locally only", sub.id, sub.gateway)
        return
    try:
        gateway: Any = get_gateway_by_name(sub.gateway)
        cancel = getattr(gateway, "cancel_subscription_at_period_end", None)
        if cancel is None:
            log.warning("%s cannot cancel subscriptions through the API; subscription %s cancelled locally", sub.gateway, sub.id)
            return
        cancel(subscription_id=sub.gateway_ref, idempotency_key=f"sub-cancel:{sub.id}")
    except GatewayError as exc:
        raise PaymentUnavailable(f"The payment provider did not accept the cancellation: {exc}") from exc


def cancel_subscription(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> SubscriptionOut:
    """Cancel at period end: minutes already granted stay; no more cycles. Idempotent."""
    user = require_role(actor, "student")
    now = now or utcnow()
    sub = _active(session, user.id, lock=True)
    if sub is None:
        raise NotFound("You have no active subscription.")
    if not sub.cancel_at_period_end:
        if _provider_billed(sub):
            cancel_at_provider(sub)
        sub.cancel_at_period_end = True
        sub.cancelled_at = now
        sub.updated_at = now
        if sub.status == SubscriptionStatus.PAST_DUE:  # its period is over and unpaid: it ends now
            sub.status, sub.next_retry_at = SubscriptionStatus.ENDED, None
            # …at the provider too: at period end would leave its open invoice being retried
            provider_endings.request_provider_end(session, sub, now=now)
        session.add(sub)
        session.flush()
    return _out(session, sub)

