"""What the wallet says about the student's subscription: active, cancelled at the period's end, or
past due (its last renewal payment failed: billing/past_due.py)."""

from __future__ import annotations

from tutorhub.services.billing.subscriptions import SubscriptionOut
from tutorhub.state.money.views import day


def past_due_text(sub: SubscriptionOut, zone: str) -> str:
    """The amber callout of a subscription whose last renewal payment failed (billing/past_due.py)."""
    ends = day(sub.grace_until, zone)
    if sub.next_retry_at is not None:
        return f"Your last payment failed; we'll retry on {day(sub.next_retry_at, zone)}; your plan ends on {ends} unless paid."
    if sub.provider_billed:
        return (f"Your last payment failed; your payment provider retries the charge (update your card there); "
                f"your plan ends on {ends} unless paid.")
    return f"Your last payment failed and no retries are left; your plan ends on {ends} unless you pay now."


def subscription_summary(sub: SubscriptionOut, zone: str, *, next_plan: str = "") -> str:
    """The wallet's one line about the subscription (`next_plan`: the plan it changes to at renewal)."""
    name = sub.plan_name or "your plan"
    ends = day(sub.current_period_end, zone)
    if sub.status == "past_due":
        return past_due_text(sub, zone)
    if sub.cancel_at_period_end:
        return f"{name} is cancelled: it stays active until {ends} and will not renew."
    later = f" It changes to {next_plan} at renewal." if next_plan else ""
    return f"You are on {name}. It renews on {ends}.{later}"
