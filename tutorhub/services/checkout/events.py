"""Applying a verified gateway event (capture, failure, refund, dispute, payout, subscription).

`apply_gateway_event` is called once per new webhook event id (services/checkout/webhooks.py), but the
same fact can still arrive more than once (two events about one refund) and in any order (a
refund or dispute before `payment.succeeded`). So every ledger posting here has a key derived
from the FACT (payment reference, refund id, dispute id), never from the event, and the
payment's status is recomputed from all facts seen so far (`payments.refresh_status`) — the
final ledger and status are the same for every permutation and any number of duplicates.

What a captured payment means depends on its purpose, and is decided by its handler in the
registry (purposes.HANDLERS): a booking → escrow + `bookings.mark_paid`
(lesson_payments.py), a top-up → the wallet, a minute pack / subscription / lead credits →
platform revenue and the units granted (billing/purchases.py). A payment whose amount or currency
differs from what was started, or whose purpose cannot take it any more (the held lesson expired),
is credited to the payer's wallet instead ("late_payment"). Subscription renewals and cancellations
that the provider bills itself go to the subscription purpose's `provider_event`; a renewal
payment of ours that fails (the sandbox's saved card declined) makes its subscription past due
(billing/past_due.py), as a provider's SUBSCRIPTION_PAYMENT_FAILED does.

A promo code reserved by a checkout (money/promos.py) is released only when the checkout is over:
a terminal failure (the sandbox's Fail / Cancel, Stripe's `checkout.session.expired` /
`async_payment_failed`, our cancel of the session), captured money that cannot be applied to its
purpose, or `release_lapsed_promo_reservations` (the minutely job) at the reservation's
`expires_at` — the instant the provider's checkout ends too. A declined card
(PAYMENT_ATTEMPT_FAILED: Stripe `payment_intent.payment_failed`, Razorpay `payment.failed`) leaves
the checkout open: the payer may try another card, so the payment stays pending and the code held.
Money for a discounted checkout whose code went elsewhere meanwhile goes to the wallet.

The card a payment was paid with is kept on it by card_details.py (any event carrying one; Stripe's
`charge.succeeded` is a PAYMENT_DETAILS event, which moves no money).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models.money import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Refund,
)
from tutorhub.services.billing import past_due
from tutorhub.services.checkout.card_details import adopt_card_details, remember_card
from tutorhub.services.checkout.purposes import HANDLERS
from tutorhub.services.errors import NotFound
from tutorhub.services.money import ledger, promos
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import (
    clearing_account,
    lock_payment,
    refresh_status,
    set_extra,
    wallet_account,
)
from tutorhub.services.money.payout_accounts import apply_account_event
from tutorhub.services.money.payouts import apply_payout_event


def _find_payment(session: Session, event: GatewayEvent) -> Payment | None:
    if event.reference:
        found = session.exec(select(Payment).where(Payment.reference == str(event.reference))).first()
        if found is not None:
            return found
    parent = getattr(event, "payment_gateway_ref", None) or ((event.data or {}).get("payment_gateway_ref"))
    for ref in (parent, event.gateway_ref if event.kind in (EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED) else None):
        if ref:
            found = session.exec(
                select(Payment).where(Payment.gateway == event.gateway, Payment.gateway_ref == str(ref))
            ).first()
            if found is not None:
                return found
    return None


def _capture(session: Session, payment: Payment, event: GatewayEvent, now: datetime) -> None:
    if payment.succeeded_at is not None:
        return
    payment.succeeded_at = event.occurred_at or now
    if event.gateway_ref:
        payment.gateway_ref = str(event.gateway_ref)[:120]
    amount = event.amount_minor if event.amount_minor > 0 else payment.amount_minor
    currency = (event.currency or payment.currency).upper()
    session.add(payment)
    session.flush()
    assert payment.id is not None
    common: dict[str, Any] = {"user_id": payment.user_id, "payment_id": payment.id, "now": now}
    clearing = clearing_account(payment.gateway)
    _remember_provider_ids(payment, event)
    adopt_card_details(session, payment)
    mismatch = amount != payment.amount_minor or currency != payment.currency
    _adopt_orphans(session, payment, now)
    handler = HANDLERS.get(payment.purpose)
    promo_ok = mismatch or _promo_still_held(session, payment)
    if handler is not None and not mismatch and promo_ok and handler.capture(session, payment, now=now):
        return
    note = ("Credited to your wallet: its promo code had been used on another payment meanwhile." if not promo_ok
            else "Credited to your wallet: this payment could not be applied to its purpose.")
    set_extra(payment, note=note)
    promos.release_reservation(session, ref=f"payment:{payment.reference}")  # no discount was given
    ledger.post(session, kind="late_payment", idempotency_key=f"payment:{payment.reference}:captured",
                lines=[Line(clearing, amount, currency), Line(wallet_account(payment.user_id), -amount, currency)],
                memo=f"{payment.purpose} {payment.reference}", **common)


def _remember_provider_ids(payment: Payment, event: GatewayEvent) -> None:
    """Keep what a later refund or cancellation needs: a Stripe subscription checkout is paid by the
    subscription's first invoice (a refund names that invoice's PaymentIntent, payments.refund_target)."""
    data = event.data or {}
    changes = {key: str(data[name])[:120] for key, name in (("_invoice_id", "invoice_id"),
                                                            ("gateway_subscription_id", "subscription_id"))
               if data.get(name) and not (payment.extra or {}).get(key)}
    if changes and payment.purpose == PaymentPurpose.SUBSCRIPTION:
        set_extra(payment, **changes)


def _promo_still_held(session: Session, payment: Payment) -> bool:
    """A discounted checkout's code is still this payment's (promos.hold_for_capture)."""
    extra = payment.extra or {}
    code, discount = str(extra.get("promo_code") or ""), int(extra.get("discount_minor") or 0)
    if not code or discount <= 0:
        return True
    return promos.hold_for_capture(session, code=code, user_id=payment.user_id, ref=f"payment:{payment.reference}",
                                   list_minor=int(extra.get("list_minor") or payment.amount_minor + discount),
                                   currency=payment.currency, discount_minor=discount, started_at=payment.created_at)


def _refund_event(session: Session, payment: Payment | None, event: GatewayEvent, now: datetime) -> None:
    refund_id = str((event.data or {}).get("refund_id") or event.gateway_ref or event.event_id)
    ours = None
    our_ref = (event.data or {}).get("refund_reference")
    if our_ref:
        ours = session.exec(select(Refund).where(Refund.reference == str(our_ref))).first()
    if ours is None:
        ours = session.exec(select(Refund).where(Refund.gateway_ref == refund_id)).first()
    if ours is not None:  # a refund we started: its ledger posting was made when we started it
        if ours.status != "succeeded":
            ours.status = "succeeded"
            ours.completed_at = now
            session.add(ours)
        return
    # Made at the provider outside TutorHub (e.g. the Stripe dashboard): the money left anyway.
    currency = (event.currency or (payment.currency if payment else "")).upper()
    if event.amount_minor <= 0 or not currency:
        return
    ledger.post(session, kind="external_refund", idempotency_key=f"extrefund:{event.gateway}:{refund_id}",
                lines=[Line("refunds", event.amount_minor, currency), Line(clearing_account(event.gateway), -event.amount_minor, currency)],
                memo=f"refund {refund_id} made at {event.gateway}{_orphan_tag(event, payment)}",
                user_id=payment.user_id if payment else None,
                payment_id=payment.id if payment else None, now=now)
    if payment is not None:
        reference = f"ext_{event.gateway}_{refund_id}"[:80]
        if session.exec(select(Refund.id).where(Refund.reference == reference)).first() is None:
            session.add(Refund(reference=reference, user_id=payment.user_id, payment_id=payment.id, booking_id=payment.booking_id,
                               amount_minor=event.amount_minor, currency=currency, destination="gateway", status="succeeded",
                               gateway_ref=refund_id[:120], reason="Refunded by the payment provider", created_at=now,
                               completed_at=now))
            session.flush()


def _orphan_tag(event: GatewayEvent, payment: Payment | None) -> str:
    """Marks a posting about a payment we could not identify yet (the provider told us only its
    own payment id, e.g. a Stripe refund before the capture event): `_adopt_orphans` links it
    once the capture names that id, so the payment's status ends the same in any order."""
    parent = getattr(event, "payment_gateway_ref", None) or (event.data or {}).get("payment_gateway_ref")
    return f" [for {event.gateway}:{parent}]" if payment is None and parent else ""


def _adopt_orphans(session: Session, payment: Payment, now: datetime) -> None:
    if not payment.gateway_ref:
        return
    tag = f"[for {payment.gateway}:{payment.gateway_ref}]"
    # Filter on the (rare) orphan kinds only: with `payment_id IS NULL` in the SQL the planners
    # walk the payment_id index over every unlinked transaction (all top-ups, payouts …) — measured
    # 46 ms of a 56 ms capture at 1,000,000 ledger entries; this way it is a kind-index lookup.
    candidates = session.exec(
        select(LedgerTransaction).where(
            col(LedgerTransaction.kind).in_(["external_refund", "dispute_opened", "dispute_won"]),
            col(LedgerTransaction.memo).endswith(tag),
        )
    ).all()
    for tx in (t for t in candidates if t.payment_id is None):
        key = tx.idempotency_key.split(":")
        if tx.kind == "external_refund" and len(key) >= 3:
            amount = session.exec(select(LedgerEntry.amount).join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
                                  .where(LedgerEntry.transaction_id == tx.id, LedgerAccount.code == "refunds")).first()
            reference = f"ext_{payment.gateway}_{':'.join(key[2:])}"[:80]
            if amount and session.exec(select(Refund.id).where(Refund.reference == reference)).first() is None:
                session.add(Refund(reference=reference, user_id=payment.user_id, payment_id=payment.id, booking_id=payment.booking_id,
                                   amount_minor=int(amount), currency=payment.currency, destination="gateway", status="succeeded",
                                   gateway_ref=":".join(key[2:])[:120], reason="Refunded by the payment provider",
                                   created_at=now, completed_at=now))
                session.flush()
        elif tx.kind.startswith("dispute_") and len(key) == 4:
            _note_dispute(payment, key[2], key[3])


def _dispute_event(session: Session, payment: Payment | None, event: GatewayEvent, now: datetime) -> None:
    dispute_id = str((event.data or {}).get("dispute_id") or event.gateway_ref or event.reference or event.event_id)
    currency = (event.currency or (payment.currency if payment else "")).upper()
    amount = event.amount_minor if event.amount_minor > 0 else (payment.amount_minor if payment else 0)
    if amount <= 0 or not currency:
        return
    common: dict[str, Any] = {"user_id": payment.user_id if payment else None,
                              "payment_id": payment.id if payment else None, "now": now}
    clearing = clearing_account(event.gateway)
    # Every dispute event implies the dispute was opened (funds withdrawn): post that once.
    ledger.post(session, kind="dispute_opened", idempotency_key=f"dispute:{event.gateway}:{dispute_id}:opened",
                lines=[Line("platform:disputes", amount, currency), Line(clearing, -amount, currency)],
                memo=f"chargeback {dispute_id} opened{_orphan_tag(event, payment)}", **common)
    if event.kind == EventKind.DISPUTE_WON:
        ledger.post(session, kind="dispute_won", idempotency_key=f"dispute:{event.gateway}:{dispute_id}:won",
                    lines=[Line(clearing, amount, currency), Line("platform:disputes", -amount, currency)],
                    memo=f"chargeback {dispute_id} won{_orphan_tag(event, payment)}", **common)
    if payment is not None:
        _note_dispute(payment, dispute_id, event.kind.value.split(".")[1])
        if event.kind == EventKind.DISPUTE_WON:
            _refund_withheld_after_win(session, payment, now)


def _refund_withheld_after_win(session: Session, payment: Payment, now: datetime) -> None:
    """A chargeback we won gives back what a cancellation refund withheld while it was open
    (escrow.py's rule): the withheld share — booked to platform:disputes by that refund — goes to
    the student's wallet now. Once per payment."""
    assert payment.id is not None
    withheld = -int(session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .where(col(LedgerTransaction.payment_id) == payment.id, col(LedgerTransaction.kind) == "refund",
               col(LedgerAccount.code) == "platform:disputes", col(LedgerEntry.unit) == payment.currency)
    ).scalar_one())
    if withheld > 0:
        ledger.post(session, kind="refund", idempotency_key=f"payment:{payment.reference}:dispute_remainder",
                    lines=[Line("platform:disputes", withheld, payment.currency),
                           Line(wallet_account(payment.user_id), -withheld, payment.currency)],
                    memo=f"chargeback won: the refund withheld while it was open ({payment.reference})",
                    user_id=payment.user_id, booking_id=payment.booking_id, payment_id=payment.id, now=now)


def _note_dispute(payment: Payment, dispute_id: str, outcome: str) -> None:
    """Remember that `dispute_id` reached `outcome` ("opened", "won", "lost") in Payment.extra, where
    `payments.refresh_status` reads it; a set per dispute, so repeats and any order end the same."""
    disputes = {k: list(v) for k, v in (payment.extra or {}).get("_disputes", {}).items()}
    disputes[dispute_id] = sorted(set(disputes.get(dispute_id, [])) | {outcome})
    set_extra(payment, _disputes=disputes)


def apply_gateway_event(session: Session, event: GatewayEvent, now: datetime) -> None:
    """Apply one verified gateway event; safe for duplicates and any order (see module doc)."""
    if event.kind in (EventKind.PAYOUT_PAID, EventKind.PAYOUT_FAILED):
        apply_payout_event(session, event, now=now)
        return
    if event.kind == EventKind.ACCOUNT_UPDATED:
        apply_account_event(session, event)
        return
    if event.kind in (EventKind.SUBSCRIPTION_RENEWED, EventKind.SUBSCRIPTION_PAYMENT_FAILED,
                      EventKind.SUBSCRIPTION_CANCELLED):
        _forward_subscription_event(session, event, now)
        return
    payment = _find_payment(session, event)
    if payment is not None:
        payment = lock_payment(session, payment)
        remember_card(payment, event)
    if event.kind == EventKind.PAYMENT_DETAILS:
        return  # kept above; a payment not known by this id yet takes it at capture (card_details.adopt_card_details)
    if event.kind == EventKind.PAYMENT_SUCCEEDED:
        if payment is None:
            raise NotFound(f"No payment with reference {event.reference!r}.")
        _capture(session, payment, event, now)
    elif event.kind == EventKind.PAYMENT_FAILED:
        if payment is None:
            raise NotFound(f"No payment with reference {event.reference!r}.")
        if payment.succeeded_at is None and not (payment.extra or {}).get("_failed"):
            reason = str((event.data or {}).get("reason") or "")
            set_extra(payment, _failed=True, **({"_expired": True} if reason == "expired" else {}),
                      **({"_cancelled": True} if reason in ("abandoned", "cancelled") else {}))
            promos.release_reservation(session, ref=f"payment:{payment.reference}")
            _renewal_failed(session, payment, now)
    elif event.kind == EventKind.PAYMENT_ATTEMPT_FAILED:
        if payment is None:
            raise NotFound(f"No payment with reference {event.reference!r}.")
        if payment.succeeded_at is None:  # the checkout is still open: tell the payer, hold everything
            declines = int((payment.extra or {}).get("_declines") or 0) + 1
            set_extra(payment, _declines=declines,
                      _decline=str((event.data or {}).get("decline") or (event.data or {}).get("error")
                                   or "The card was declined.")[:200])
    elif event.kind == EventKind.REFUND_SUCCEEDED:
        _refund_event(session, payment, event, now)
    elif event.kind in (EventKind.DISPUTE_OPENED, EventKind.DISPUTE_WON, EventKind.DISPUTE_LOST):
        _dispute_event(session, payment, event, now)
    else:
        return
    if payment is not None:
        refresh_status(session, payment, now)
        _take_back_purchase(session, payment, now)


def _take_back_purchase(session: Session, payment: Payment, now: datetime) -> None:
    """A refunded or charged-back payment whose purpose granted something (a pack, a plan's minutes,
    lead credits): its handler takes back the unspent share (cumulative and idempotent, so calling
    it after every event about the payment — in whatever order they come — ends the same)."""
    handler = HANDLERS.get(payment.purpose)
    if handler is None or handler.take_back is None or payment.succeeded_at is None or payment.id is None:
        return
    disputes: dict[str, list[str]] = (payment.extra or {}).get("_disputes", {})
    lost = any("lost" in seen for seen in disputes.values())
    if payment.refunded_minor <= 0 and not lost:
        return
    handler.take_back(session, payment, now=now, charged_back=lost)


def _renewal_failed(session: Session, payment: Payment, now: datetime) -> None:
    """A renewal payment of ours (the sandbox's saved card) failed: the subscription is past due
    (billing/past_due.py). Once per payment (the caller checks it was not failed before)."""
    extra = payment.extra or {}
    if payment.purpose == PaymentPurpose.SUBSCRIPTION and extra.get("kind") == "renewal":
        past_due.renewal_failed(session, subscription_id=int(extra.get("subscription_id") or 0), now=now)


def _forward_subscription_event(session: Session, event: GatewayEvent, now: datetime) -> None:
    """Renewals/cancellations billed by the provider belong to the subscription purpose."""
    provider_event = HANDLERS[PaymentPurpose.SUBSCRIPTION].provider_event
    if provider_event is None:
        raise NotFound("Subscriptions are not handled here.")
    provider_event(session, event, now=now)


def release_lapsed_promo_reservations(session: Session, *, now: datetime) -> int:
    """Release promo reservations past their `expires_at` whose payment has not succeeded (under
    the payment's lock, so a capture racing this job either confirms first or finds it released),
    and mark pending checkouts past their window EXPIRED (`expire_lapsed_checkouts`); how many
    reservations were released."""
    released = expire_lapsed_checkouts(session, now=now)
    for ref in promos.lapsed_reservations(session, now=now):
        reference = ref.removeprefix("payment:")
        payment = session.exec(select(Payment).where(Payment.reference == reference)).first()
        if payment is not None:
            payment = lock_payment(session, payment)
            if payment.succeeded_at is not None:
                continue  # its capture confirmed (or released) the reservation already
        released += promos.release_reservation(session, ref=ref)
    return released


def expire_lapsed_checkouts(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Pending hosted checkouts whose window ended unpaid become EXPIRED (the payer sees "Expired",
    not "Processing" forever) and give their promo back. Money that still arrives later (a provider
    without an expiry) is captured as usual: a capture outranks the expiry (refresh_status). How many
    promo reservations this gave back."""
    refs = session.exec(select(Payment.reference).where(
        col(Payment.status) == PaymentStatus.PENDING, col(Payment.expires_at).is_not(None),
        col(Payment.expires_at) <= now).order_by(col(Payment.id)).limit(limit)).all()
    released = 0
    for reference in refs:
        payment = session.exec(select(Payment).where(Payment.reference == reference)).one()
        payment = lock_payment(session, payment)
        if payment.succeeded_at is not None or (payment.extra or {}).get("_failed"):
            continue
        set_extra(payment, _failed=True, _expired=True)
        released += promos.release_reservation(session, ref=f"payment:{payment.reference}")
        refresh_status(session, payment, now)
    return released
