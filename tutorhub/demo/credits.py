"""Demo data for credits and plans: three plans, a few minute packs, the WELCOME10 promo code,
student1 on the Standard plan with its first month's minutes (plus the free trial credit), and
student3 on the Starter plan whose renewal failed two hours ago — past due, in its grace period, with
the notice, the retry and "Pay now" on the wallet page (billing/past_due.py's real path).

Called from demo/seed.py's seed_demo (empty database only). The demo subscription is created
directly as active (no checkout happened), so its minutes come from a plain ledger grant and there is
no payment row; everything after that (renewal through the sandbox, upgrades, spending) is real.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.credits import MinutePack, Plan, PlanPrice, PromoCode, PromoKind, Subscription, SubscriptionStatus
from tutorhub.services.billing import credits, past_due
from tutorhub.services.billing.subscription_cycles import grant_cycle, period_end

PLANS = [
    ("starter", "Starter", 120, {"USD": 2900, "EUR": 2700, "INR": 149900, "GBP": 2400}),
    ("standard", "Standard", 240, {"USD": 4900, "EUR": 4500, "INR": 249900, "GBP": 3900}),
    ("intensive", "Intensive", 600, {"USD": 9900, "EUR": 8900, "INR": 499900, "GBP": 7900}),
]
PACKS = [
    ("usd-2h", "2 hours", 120, 3400, "USD"),
    ("usd-5h", "5 hours", 300, 7900, "USD"),
    ("eur-5h", "5 hours", 300, 7400, "EUR"),
    ("inr-5h", "5 hours", 300, 399900, "INR"),
]


def seed_credits_demo(session: Session, *, now: datetime) -> dict[str, int]:
    plans: dict[str, Plan] = {}
    for code, name, minutes, prices in PLANS:
        plan = Plan(code=code, name=name, minutes_per_cycle=minutes, active=True, created_at=now)
        session.add(plan)
        session.flush()
        plans[code] = plan
        for cur, amount in prices.items():
            session.add(PlanPrice(plan_id=plan.id or 0, currency=cur, amount_minor=amount))
    for code, name, minutes, price, cur in PACKS:
        session.add(MinutePack(code=code, name=name, minutes=minutes, price_minor=price, currency=cur, created_at=now))
    session.add(PromoCode(code="WELCOME10", kind=PromoKind.PERCENT, percent=10, valid_from=now - timedelta(days=1),
                          valid_until=now + timedelta(days=365), created_at=now))
    session.flush()
    student = session.exec(select(User).where(col(User.email) == "student1@tutorhub.test")).first()
    if student is not None and student.id is not None:
        start = now - timedelta(days=5)
        plan = plans["standard"]
        sub = Subscription(user_id=student.id, plan_id=plan.id or 0, currency="INR", price_minor=249900,
                           status=SubscriptionStatus.ACTIVE, gateway="sandbox", cycle=1, anchor_at=start,
                           current_period_start=start, current_period_end=period_end(start, 1),
                           cycle_minutes_high=plan.minutes_per_cycle, created_at=start, updated_at=start)
        session.add(sub)
        session.flush()
        grant_cycle(session, sub, plan, start, None)
        credits.ensure_trial_credit(session, user_id=student.id, now=now)
    past_due_student = session.exec(select(User).where(col(User.email) == "student3@tutorhub.test")).first()
    if past_due_student is not None and past_due_student.id is not None:
        _seed_past_due(session, user_id=past_due_student.id, plan=plans["starter"], now=now)
    return {"plans": len(PLANS), "packs": len(PACKS), "promos": 1}


def _seed_past_due(session: Session, *, user_id: int, plan: Plan, now: datetime) -> None:
    """A month-old Starter subscription whose renewal charge failed two hours ago: past due (the
    sandbox retries in a day; "Pay now" works at once)."""
    start = now - relativedelta(months=1, days=1)
    sub = Subscription(user_id=user_id, plan_id=plan.id or 0, currency="USD", price_minor=2900,
                       status=SubscriptionStatus.ACTIVE, gateway="sandbox", cycle=1, anchor_at=start,
                       current_period_start=start, current_period_end=period_end(start, 1),
                       cycle_minutes_high=plan.minutes_per_cycle, created_at=start, updated_at=start)
    session.add(sub)
    session.flush()
    grant_cycle(session, sub, plan, start, None)
    past_due.renewal_failed(session, subscription_id=sub.id or 0, now=now - timedelta(hours=2))
