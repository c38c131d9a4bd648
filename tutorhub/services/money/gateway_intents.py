"""Refunds through an outside provider (Stripe, Razorpay), safe under a crash at any point:
record the intent, commit, call the provider, confirm.

Why: a provider call made inside our transaction cannot be rolled back with it. If the process dies
(or the transaction rolls back) after the provider refunded, a retry would refund again — and
Razorpay takes no idempotency header. So:

1. The caller records the intent in its own transaction (`record_refund_intent`): the ledger
   posting of the money leaving (its key is the refund's) and a Refund row in status REQUESTED.
   Nothing is sent yet; whatever lock the caller holds (the booking's tutor, the payment) is
   released by its commit before any HTTP call.
2. After that commit (`send_refund`, kicked on a background thread by the session's after-commit
   hook, or by the minutely job) the intent is claimed with a conditional UPDATE (REQUESTED →
   SENDING, committed: one sender only), the provider is called with our reference as the
   idempotency key (Stripe: Idempotency-Key header; Razorpay: receipt / notes), and the answer is
   confirmed in a new unit of work (SUCCEEDED or PENDING until the provider's webhook).
3. `resume_refund_intents` (the minutely job) sends REQUESTED intents nobody sent, and retries
   SENDING ones whose claim (`claimed_at`) is older than RESUME_AFTER — longer than any provider
   call may last (the adapters' HTTP timeouts are well under it) — first asking the provider whether that refund already
   exists (`IntentLookup.find_refund`, by our key), so a crash after the call never sends twice.

A provider that refuses (answers GatewayRefused, a 4xx, and does not show the refund when asked)
sends the money to the student's wallet instead ("refund_redirected": Dr gateway clearing / Cr
wallet), so money is never stuck; any other error (unreachable, timeout, 5xx: the refund may exist
at the provider without showing yet) leaves the intent SENDING for the next run.

Payouts take the same path (services/money/payouts.py: the admin's approval records the intent —
APPROVED without a transfer id — and `send_payout` claims, calls and confirms after the commit, on
the after-commit thread of `send_after_commit` or in the money_intents job).

The sandbox's "provider side" lives in our own database and its refunds are written in the
caller's transaction, so they are atomic with it: sandbox refunds need no intent (escrow calls it
inline, as before).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched, session_scope
from tutorhub.integrations.payments import (
    GatewayError,
    GatewayRefused,
    IntentLookup,
    RefundResult,
    get_gateway_by_name,
)
from tutorhub.models.base import utcnow
from tutorhub.models.money import Payment, Refund
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import (
    clearing_account,
    lock_payment,
    refresh_status,
    refund_target,
    wallet_account,
)
from tutorhub.settings import get_settings

log = logging.getLogger(__name__)

REQUESTED = "requested"  # recorded, not sent yet
SENDING = "sending"  # claimed by a sender; the provider call may or may not have happened
RESUME_AFTER = timedelta(minutes=2)  # a SENDING intent claimed longer ago than this is retried (after a lookup)
_QUEUED_KEY = "tutorhub.refund_intents"


def _after_intent_claimed(reference: str) -> None:
    """A seam: nothing in production. The crash tests replace it (in a subprocess) to kill the
    process between the steps."""


def _after_gateway_call(reference: str) -> None:
    """A seam: nothing in production (see `_after_intent_claimed`)."""


def is_external(gateway: str) -> bool:
    """A provider outside our database (its refunds need an intent); the sandbox is not."""
    return gateway != "sandbox"


def record_refund_intent(session: Session, *, payment: Payment, reference: str, amount_minor: int, user_id: int,
                         booking_id: int | None, reason: str, now: datetime) -> Refund:
    """Step 1 (the caller has posted the ledger's refund to the gateway clearing account and holds
    the payment's lock): the Refund row, REQUESTED; sent after the caller's commit."""
    row = Refund(reference=reference, user_id=user_id, payment_id=payment.id, booking_id=booking_id,
                 amount_minor=amount_minor, currency=payment.currency, destination="original", status=REQUESTED,
                 reason=reason[:200], created_at=now)
    session.add(row)
    session.flush()
    refresh_status(session, payment, now)
    send_after_commit(session, reference, send_refund)
    return row


def send_after_commit(session: Session, reference: str, sender: Callable[[str], object]) -> None:
    """Run `sender(reference)` on a background thread once `session` commits (nothing on rollback;
    nothing at all when deliveries are not immediate: the minutely job sends it). Refund intents
    (`send_refund`) and payout intents (payouts.send_payout) both go this way."""
    if not get_settings().deliver_immediately:
        return  # the minutely job sends it
    queued: list[tuple[Callable[[str], object], str]] | None = session.info.get(_QUEUED_KEY)
    if queued is None:
        queued = session.info[_QUEUED_KEY] = []
        if not event.contains(session, "after_commit", _kick):
            event.listen(session, "after_commit", _kick)
            event.listen(session, "after_rollback", _forget)
    queued.append((sender, reference))


def _kick(session: Session) -> None:
    queued = session.info.pop(_QUEUED_KEY, None) or []
    if queued:
        threading.Thread(target=_send_all, args=(list(queued),), name="money-intents", daemon=True).start()


def _forget(session: Session) -> None:
    session.info.pop(_QUEUED_KEY, None)


def _send_all(queued: list[tuple[Callable[[str], object], str]]) -> None:
    for sender, reference in queued:
        try:
            sender(reference)
        except Exception:  # noqa: BLE001 - logged; the minutely job resumes it
            log.exception("money intent %s: send failed; the job will resume it", reference)


def claim_is_stale(claimed_at: datetime, now: datetime) -> bool:
    """Whether a claim made at `claimed_at` may be taken over: its sender has had RESUME_AFTER
    (longer than any provider call may take: the adapters' timeouts are well under it)."""
    return claimed_at <= now - RESUME_AFTER


def same_claim(column: Any, claimed_at: datetime | None) -> Any:
    """The SQL condition "the claim is still the one we saw" for a conditional reclaim."""
    return column.is_(None) if claimed_at is None else column == claimed_at


def _claim(reference: str, *, now: datetime, retry: bool) -> tuple[str, str, int, str] | None:
    """Claim an intent for sending (committed, stamped `claimed_at = now`); (gateway, payment's
    gateway_ref, amount, currency) or None when there is nothing to send. `retry`: also take over a
    SENDING intent whose claim is older than RESUME_AFTER (its sender crashed) — only that very
    claim (a conditional UPDATE on its time), so two retries never both send."""
    with session_scope() as session:
        row = session.exec(select(Refund).where(col(Refund.reference) == reference)).first()
        if row is None or row.payment_id is None:
            return None
        free = col(Refund.status) == REQUESTED
        if retry and row.status == SENDING and claim_is_stale(row.claimed_at or row.created_at, now):
            free = free | ((col(Refund.status) == SENDING) & same_claim(col(Refund.claimed_at), row.claimed_at))
        claimed = session.execute(update(Refund).where(col(Refund.id) == row.id, free)
                                  .values(status=SENDING, claimed_at=now))
        if rows_matched(claimed) != 1:
            return None
        payment = session.get(Payment, row.payment_id)
        assert payment is not None
        return payment.gateway, refund_target(payment), row.amount_minor, row.currency


def send_refund(reference: str, *, now: datetime | None = None, retry: bool = False) -> str:
    """Steps 2-3 for one intent; its status afterwards ("" when there was nothing to send)."""
    now = now or utcnow()
    claim = _claim(reference, now=now, retry=retry)
    if claim is None:
        return ""
    _after_intent_claimed(reference)
    gateway, gateway_ref, amount, currency = claim
    result, refused = _call(gateway, gateway_ref, amount, currency, reference, look_first=retry)
    _after_gateway_call(reference)
    return _confirm(reference, result, refused, now)


def _call(gateway: str, gateway_ref: str, amount: int, currency: str, reference: str, *, look_first: bool
          ) -> tuple[RefundResult | None, bool]:
    """(the provider's refund, or None; whether the provider refused it for good). Only a
    GatewayRefused (the provider answered 4xx) is a refusal: a timeout, a 5xx or a lost answer
    leaves the outcome unknown (None, False) — the intent stays SENDING and the next run asks again."""
    try:
        adapter = get_gateway_by_name(gateway)
    except GatewayError as exc:
        log.warning("refund intent %s: %s is not configured (%s); kept for the next run", reference, gateway, exc)
        return None, False
    lookup = adapter if isinstance(adapter, IntentLookup) else None
    if look_first and lookup is not None:
        try:
            found = lookup.find_refund(gateway_ref=gateway_ref, idempotency_key=reference)
        except GatewayError as exc:
            log.warning("refund intent %s: cannot ask the provider (%s); kept for the next run", reference, exc)
            return None, False
        if found is not None:
            return found, False
    try:
        return adapter.refund(gateway_ref=gateway_ref, amount_minor=amount, currency=currency,
                              idempotency_key=reference), False
    except GatewayRefused as exc:
        log.warning("refund intent %s: the provider refused it: %s", reference, exc)
        refused = True
    except GatewayError as exc:
        log.warning("refund intent %s: outcome unknown (%s); kept for the next run", reference, exc)
        refused = False
    if lookup is None:
        return None, refused
    try:  # refused, or the answer was lost: it happened if the provider shows it now
        found = lookup.find_refund(gateway_ref=gateway_ref, idempotency_key=reference)
    except GatewayError:
        return None, False  # cannot tell now: the next run asks again
    return found, refused and found is None


def _confirm(reference: str, result: RefundResult | None, refused: bool, now: datetime) -> str:
    with session_scope() as session:
        row = session.exec(select(Refund).where(col(Refund.reference) == reference)).first()
        assert row is not None and row.payment_id is not None
        payment = session.get(Payment, row.payment_id)
        assert payment is not None
        lock_payment(session, payment)
        session.refresh(row)
        if result is not None:
            row.gateway_ref = row.gateway_ref or result.gateway_ref[:120]
            if row.status in (REQUESTED, SENDING):
                row.status = "succeeded" if result.status == "succeeded" else "pending"
                row.completed_at = now if row.status == "succeeded" else None
        elif refused and row.status in (REQUESTED, SENDING):
            ledger.post(session, kind="refund_redirected", idempotency_key=f"refund:{reference}:to_wallet",
                        lines=[Line(clearing_account(payment.gateway), row.amount_minor, row.currency),
                               Line(wallet_account(row.user_id), -row.amount_minor, row.currency)],
                        memo=f"refund {reference}: the provider refused it; credited to the wallet",
                        user_id=row.user_id, booking_id=row.booking_id, payment_id=payment.id, now=now)
            row.destination, row.status, row.completed_at = "wallet", "succeeded", now
        session.add(row)
        session.flush()
        refresh_status(session, payment, now)
        return row.status


def resume_refund_intents(*, now: datetime | None = None) -> int:
    """The minutely job: send REQUESTED intents and retry SENDING ones claimed more than
    RESUME_AFTER ago (asking the provider first); how many intents were handled."""
    now = now or utcnow()
    with session_scope(read_only=True) as session:
        cutoff = now - RESUME_AFTER
        stale = (col(Refund.claimed_at) <= cutoff) | (col(Refund.claimed_at).is_(None) & (col(Refund.created_at) <= cutoff))
        references = session.exec(select(Refund.reference).where(
            (col(Refund.status) == REQUESTED) | ((col(Refund.status) == SENDING) & stale)
        ).order_by(col(Refund.id))).all()
    handled = 0
    for reference in references:
        try:
            handled += bool(send_refund(reference, now=now, retry=True))
        except Exception:  # noqa: BLE001 - one intent's failure must not stop the others
            log.exception("refund intent %s: resume failed", reference)
    return handled
