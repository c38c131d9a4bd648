"""Ending a provider-billed subscription at the provider when WE end it: at once, not at period end.

Two cases (issue 11):
- paid twice (a double-click started two checkouts and both were paid): the second provider
  subscription bought nothing; its payment is refunded (duplicate_payments.py) and the provider
  subscription must go, or the provider would bill it again next month;
- ended unpaid (past due, the grace period over: past_due.py): the plan is over here, so the
  provider must not keep retrying the open invoice and collect it later for nothing.

Either way the provider subscription is cancelled immediately and its open invoices voided
(`cancel_subscription_now` on the adapter: Stripe; Razorpay cancels at once and has no invoice to
void). The cancellation is a network call, so it is recorded first (`provider_end_due_at`, in the
caller's transaction), sent after that commits (`send_after_commit`, like refund intents) and
retried by the renewal job until the provider confirms (`provider_ended_at`). Cancelling twice is
harmless: the adapter first asks whether the subscription is still live.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.integrations.payments import GatewayError, get_gateway_by_name
from tutorhub.models.base import utcnow
from tutorhub.models.credits import Subscription
from tutorhub.services.money.gateway_intents import send_after_commit

log = logging.getLogger("tutorhub.subscriptions")


def provider_billed(sub: Subscription) -> bool:
    return sub.gateway not in ("", "sandbox")


def request_provider_end(session: Session, sub: Subscription, *, now: datetime) -> bool:
    """Record that `sub` must be cancelled at its provider now (sent after the commit, retried by
    the renewal job). False when there is nothing to cancel there (sandbox, no provider id, done)."""
    if not provider_billed(sub) or not sub.gateway_ref or sub.provider_ended_at is not None:
        return False
    if sub.provider_end_due_at is None:
        sub.provider_end_due_at = now
        session.add(sub)
        session.flush()
    send_after_commit(session, str(sub.id), _end_in_own_session)
    return True


def end_at_provider(session: Session, sub: Subscription, *, now: datetime) -> bool:
    """Cancel `sub` at its provider now and void its open invoices; True when the provider
    confirmed (then `provider_ended_at` is set), False when it could not be reached or refused
    (kept due: the next run tries again)."""
    if sub.provider_ended_at is not None or sub.provider_end_due_at is None:
        return sub.provider_ended_at is not None
    try:
        gateway: Any = get_gateway_by_name(sub.gateway)
        cancel = getattr(gateway, "cancel_subscription_now", None)
        if cancel is not None:
            cancel(subscription_id=sub.gateway_ref, idempotency_key=f"sub-end:{sub.id}")
        else:  # nothing we can do through its API: said once, not retried forever
            log.warning("%s cannot cancel subscription %s through its API: cancel it in its dashboard", sub.gateway, sub.id)
    except GatewayError as exc:
        log.warning("subscription %s: %s did not take the cancellation (%s); retried later", sub.id, sub.gateway, exc)
        return False
    sub.provider_ended_at = now
    session.add(sub)
    session.flush()
    return True


def _end_in_own_session(reference: str) -> None:
    """The after-commit sender: a fresh unit of work, the row locked so the job does not race it."""
    with session_scope() as session:
        sub = session.exec(select(Subscription).where(col(Subscription.id) == int(reference)).with_for_update()).first()
        if sub is not None:
            end_at_provider(session, sub, now=utcnow())


def resume_provider_endings(session: Session, *, now: datetime) -> int:
    """The renewal job: every provider cancellation recorded but not confirmed; how many went through."""
    due = session.exec(select(Subscription).where(col(Subscription.provider_end_due_at).is_not(None),
                                                  col(Subscription.provider_ended_at).is_(None))
                       .order_by(col(Subscription.id)).limit(100)).all()
    return sum(end_at_provider(session, sub, now=now) for sub in due)
