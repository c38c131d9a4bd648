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
   SENDING ones older than RESUME_AFTER — first asking the provider whether that refund already
   exists (`IntentLookup.find_refund`, by our key), so a crash after the call never sends twice.

A provider that refuses (and does not show the refund when asked) sends the money to the student's
wallet instead ("refund_redirected": Dr gateway clearing / Cr wallet), so money is never stuck; a
provider that cannot be reached leaves the intent SENDING for the next run.

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

from sqlalchemy import event, update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched, session_scope
from tutorhub.integrations.payments import GatewayError, IntentLookup, RefundResult, get_gateway_by_name
from tutorhub.models.base import utcnow
from tutorhub.models.money import Payment, Refund
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import clearing_account, lock_payment, refresh_status, wallet_account
from tutorhub.settings import get_settings

log = logging.getLogger(__name__)

REQUESTED = "requested"  # recorded, not sent yet
SENDING = "sending"  # claimed by a sender; the provider call may or may not have happened
RESUME_AFTER = timedelta(minutes=2)  # a SENDING intent older than this is retried (after a lookup)
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


def _claim(reference: str, *, retry_before: datetime | None) -> tuple[str, str, int, str] | None:
    """Claim an intent for sending (committed); (gateway, payment's gateway_ref, amount, currency)
    or None when there is nothing to send. `retry_before`: also take SENDING intents created
    before it (a retry after a crash)."""
    with session_scope() as session:
        row = session.exec(select(Refund).where(col(Refund.reference) == reference)).first()
        if row is None or row.payment_id is None:
            return None
        states = [REQUESTED] + ([SENDING] if retry_before is not None and row.created_at <= retry_before else [])
        claimed = session.execute(update(Refund).where(col(Refund.id) == row.id, col(Refund.status).in_(states))
                                  .values(status=SENDING))
        if rows_matched(claimed) != 1:
            return None
        payment = session.get(Payment, row.payment_id)
        assert payment is not None
        return payment.gateway, payment.gateway_ref, row.amount_minor, row.currency


def send_refund(reference: str, *, now: datetime | None = None, retry: bool = False) -> str:
    """Steps 2-3 for one intent; its status afterwards ("" when there was nothing to send)."""
    claim = _claim(reference, retry_before=(now or utcnow()) - RESUME_AFTER if retry else None)
    if claim is None:
        return ""
    _after_intent_claimed(reference)
    gateway, gateway_ref, amount, currency = claim
    result, refused = _call(gateway, gateway_ref, amount, currency, reference, look_first=retry)
    _after_gateway_call(reference)
    return _confirm(reference, result, refused, now or utcnow())


def _call(gateway: str, gateway_ref: str, amount: int, currency: str, reference: str, *, look_first: bool
          ) -> tuple[RefundResult | None, bool]:
    """(the provider's refund, or None; whether the provider refused it for good)."""
    try:
        adapter = get_gateway_by_name(gateway)
    except GatewayError as exc:
        log.warning("refund intent %s: %s is not configured (%s); kept for the next run", reference, gateway, exc)
        return None, False
    lookup = adapter if isinstance(adapter, IntentLookup) else None
    try:
        if look_first and lookup is not None:
            found = lookup.find_refund(gateway_ref=gateway_ref, idempotency_key=reference)
            if found is not None:
                return found, False
        return adapter.refund(gateway_ref=gateway_ref, amount_minor=amount, currency=currency,
                              idempotency_key=reference), False
    except GatewayError as exc:
        log.warning("refund intent %s: the provider answered %s", reference, exc)
    if lookup is None:
        return None, True
    try:  # refused, or the answer was lost: it happened only if the provider shows it now
        found = lookup.find_refund(gateway_ref=gateway_ref, idempotency_key=reference)
    except GatewayError:
        return None, False  # cannot tell now: the next run asks again
    return found, found is None


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
    """The minutely job: send REQUESTED intents and retry SENDING ones older than RESUME_AFTER
    (asking the provider first); how many intents were handled."""
    now = now or utcnow()
    with session_scope(read_only=True) as session:
        references = session.exec(select(Refund.reference).where(
            (col(Refund.status) == REQUESTED) | ((col(Refund.status) == SENDING) & (col(Refund.created_at) <= now - RESUME_AFTER))
        ).order_by(col(Refund.id))).all()
    handled = 0
    for reference in references:
        try:
            handled += bool(send_refund(reference, now=now, retry=True))
        except Exception:  # noqa: BLE001 - one intent's failure must not stop the others
            log.exception("refund intent %s: resume failed", reference)
    return handled
