"""What the wallet says about a subscription whose last renewal payment failed (billing/past_due.py)."""

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
