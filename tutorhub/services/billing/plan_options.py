"""Plan options: what each plan is to a student (subscribe, current, next, upgrade, downgrade) and
what kind of change moving to it is — one rule, used by the wallet's plan cards and by
`subscriptions.change_plan`, so a card never promises what the change then does differently.

The rule (`change_kind`), in the subscription's currency:
- a plan that costs more per month than the subscription pays now is an **upgrade**: it starts at
  once, the rest of the month is charged prorated and the extra minutes are granted prorated;
- at the same monthly price, a plan with more minutes is an **upgrade** too (more for the same
  money: nothing to charge, the switch and the prorated extra minutes happen at once);
- anything else (cheaper, or the same price for the same or fewer minutes) is a **downgrade**: it
  waits for the next renewal and nothing is charged or given back now.
Price first because price is what the student weighs and what decides whether anything is charged
today; minutes only break a tie.

A plan that is not priced in the subscription's currency cannot be switched to ("unavailable").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.credits import Plan, Subscription, SubscriptionStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing.plans import PlanOut, PriceOut, list_plans

ChangeKind = Literal["upgrade", "downgrade"]
PlanAction = Literal["subscribe", "current", "next", "upgrade", "downgrade", "unavailable"]


class PlanOption(BaseModel):
    code: str
    name: str
    minutes_per_cycle: int
    prices: list[PriceOut]
    action: PlanAction


def change_kind(*, current_price: int, current_minutes: int, new_price: int, new_minutes: int) -> ChangeKind:
    """Upgrade or downgrade, by monthly price in one currency, then by minutes (module docstring)."""
    if new_price != current_price:
        return "upgrade" if new_price > current_price else "downgrade"
    return "upgrade" if new_minutes > current_minutes else "downgrade"


def plan_options(session: Session, *, actor: UserOut | None) -> list[PlanOption]:
    """The active plans (fewest minutes first) with what the student can do with each."""
    user = require_role(actor, "student")
    sub = session.exec(
        select(Subscription).where(
            col(Subscription.user_id) == user.id, col(Subscription.status) == SubscriptionStatus.ACTIVE
        )
    ).first()
    current = session.get(Plan, sub.plan_id) if sub is not None else None
    following = session.get(Plan, sub.next_plan_id) if sub is not None and sub.next_plan_id else None
    return [
        PlanOption(
            code=plan.code,
            name=plan.name,
            minutes_per_cycle=plan.minutes_per_cycle,
            prices=plan.prices,
            action=_action(plan, sub, current, following),
        )
        for plan in list_plans(session)
    ]


def _action(plan: PlanOut, sub: Subscription | None, current: Plan | None, following: Plan | None) -> PlanAction:
    if sub is None or current is None:
        return "subscribe"
    if plan.code == current.code:
        return "current"
    if following is not None and plan.code == following.code:
        return "next"
    price = next((p.amount_minor for p in plan.prices if p.currency == sub.currency), None)
    if price is None:
        return "unavailable"
    return change_kind(
        current_price=sub.price_minor,
        current_minutes=current.minutes_per_cycle,
        new_price=price,
        new_minutes=plan.minutes_per_cycle,
    )
