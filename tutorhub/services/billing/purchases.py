"""Buying credits: minute packs (gateway or wallet), and turning succeeded purchase payments into
units — pack lots, subscription cycles and upgrades, tutor lead credits.

When the gateway says a purchase payment succeeded, the checkout hands it to `capture_purchase` (the
handler registered for these purposes), which books the money ("purchase": Dr gateway clearing / Cr
platform:revenue) and calls `fulfil_payment`, which reads what was bought from `Payment.extra` and
grants it. Every grant is keyed by the payment (lot `source_ref`
"payment:{id}", ledger keys), so duplicate webhooks and retries grant once.

Paying a pack from the wallet is one transaction here: the wallet money (Dr student wallet / Cr
platform:revenue, refused with 402 if it would go below zero, the wallet account locked first) and
the minutes grant, so a crash cannot leave one without the other.

A promo code on a pack lowers what the student pays; the discount is the platform's cost, booked
Dr platform:promotions / Cr platform:revenue, so revenue shows the list price and promotions what
was given away (promos.promo_funding_lines).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.integrations.payments.base import EventKind
from tutorhub.models.base import utcnow
from tutorhub.models.credits import LotSource, Subscription, SubscriptionStatus
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing import (
    credits,
    duplicate_payments,
    lead_credits,
    past_due,
    provider_endings,
    subscription_cycles,
    subscriptions,
)
from tutorhub.services.billing.plans import get_pack
from tutorhub.services.errors import DomainError
from tutorhub.services.money import ledger, payments, promos
from tutorhub.services.money.payments import clearing_account, wallet_account
from tutorhub.services.validation import clean_text, fail

log = logging.getLogger(__name__)

METHODS = ("gateway", "wallet")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PurchaseOut(BaseModel):
    status: str  # pending (pay at checkout_url) | completed
    minutes: int
    price_minor: int
    discount_minor: int
    currency: str
    payment_reference: str | None = None
    checkout_url: str | None = None


def _clean_method(value: Any, allowed: tuple[str, ...]) -> str:
    text = clean_text(value, "method", max_len=16, required=True).lower()
    if text not in allowed:
        raise fail("method", f"must be one of {', '.join(allowed)}")
    return text


def buy_pack(session: Session, *, actor: UserOut | None, pack_code: Any, method: Any = "gateway",
             promo_code: Any = None, now: datetime | None = None) -> PurchaseOut:
    """Buy a minute pack: through a gateway checkout (minutes granted when it succeeds) or from the
    wallet (granted now). A promo code is reserved for a gateway checkout now and redeemed when the
    pack is paid (released if the payment fails or expires)."""
    user = require_role(actor, "student")
    return sell_pack(session, payer=user, recipient=user, pack_code=pack_code, method=method, promo_code=promo_code,
                     now=now or utcnow())


def sell_pack(session: Session, *, payer: UserOut, recipient: UserOut, pack_code: Any, method: Any,
              promo_code: Any, now: datetime) -> PurchaseOut:
    """`payer` pays for a minute pack whose minutes go to `recipient`'s credit lots: the same
    person for a student's own pack, a linked child when a guardian buys for them (the caller has
    authorized the pair; billing/guardian_packs.py). The money, the promo code and any refund are
    the payer's; the minutes are the recipient's, so a refund takes them back from the recipient's
    lots (`revoke_payment_lots` follows the lot's `payment_id`)."""
    user = payer
    for_child = recipient.id != payer.id
    pack = get_pack(session, pack_code)
    how = _clean_method(method, METHODS)
    code = clean_text(promo_code, "promo_code", max_len=promos.CODE_MAX_LEN) if promo_code else ""
    discount = promos.quote_promo(session, code=code, user_id=user.id, amount_minor=pack.price_minor,
                                  currency=pack.currency, now=now) if code else 0
    price = pack.price_minor - discount
    if how == "gateway":
        if price <= 0:
            raise fail("promo_code", "This code makes the pack free; pay from the wallet instead.")
        payment, url = payments.start_gateway_payment(
            session, user=user, purpose=PaymentPurpose.MINUTE_PACK, amount_minor=price, currency=pack.currency,
            description=f"{pack.name} ({pack.minutes} minutes)" + (f" for {recipient.full_name}" if for_child else ""),
            # What was bought is fixed now: an admin editing the pack before the webhook lands must
            # not change the minutes (or their life) this payment buys.
            metadata={"pack": pack.code, "promo_code": code, "discount_minor": discount, "list_minor": pack.price_minor,
                      "minutes": pack.minutes, "validity_days": pack.validity_days,
                      **({"for_student_id": recipient.id} if for_child else {})},
            promo=payments.PromoHold(code=code, discount_minor=discount, list_minor=pack.price_minor,
                                     expires_at=now + promos.PACK_RESERVATION_TTL) if code and discount else None,
            now=now,
        )
        return PurchaseOut(status="pending", minutes=pack.minutes, price_minor=price, discount_minor=discount,
                           currency=pack.currency, payment_reference=payment.reference, checkout_url=url)
    # Short and fixed-size (pack id, microsecond timestamp): the lot's source_ref holds 80 characters,
    # and a cut reference would let two purchases share a source_ref while their ledger keys differ
    # (the second charged and granted nothing).
    ref = f"wallet:{user.id}:{pack.id}:{(now - _EPOCH) // timedelta(microseconds=1)}" \
        + (f":{recipient.id}" if for_child else "")
    if discount:
        discount = promos.redeem_promo(session, code=code, user_id=user.id, ref=f"pack:{ref}",
                                       amount_minor=pack.price_minor, currency=pack.currency, now=now)
        price = pack.price_minor - discount
    wallet = wallet_account(user.id)
    lines = [ledger.Line("platform:revenue", -pack.price_minor, pack.currency)]
    if price > 0:
        lines.append(ledger.Line(wallet, price, pack.currency))
    if discount:
        lines.append(ledger.Line(promos.PROMOTIONS, discount, pack.currency))
    ledger.post(session, kind="purchase_wallet", idempotency_key=f"pack:{ref}", lines=lines, user_id=user.id,
                memo=f"{pack.name} from wallet", now=now, never_negative=[wallet])
    credits.grant_lot(session, user_id=recipient.id, minutes=pack.minutes, source=LotSource.PACK,
                      source_ref=f"pack:{ref}", expires_at=now + timedelta(days=pack.validity_days), now=now,
                      memo=pack.name + (f" paid by {payer.full_name}" if for_child else ""))
    return PurchaseOut(status="completed", minutes=pack.minutes, price_minor=price, discount_minor=discount,
                       currency=pack.currency)


def capture_purchase(session: Session, payment: Payment, now: datetime) -> bool:
    """A captured minute-pack / subscription / lead-credit payment (the checkout's purpose handler):
    its money is platform revenue ("purchase": Dr gateway clearing / Cr platform:revenue, keyed by
    the payment), then what it bought is granted. Always takes the money: True."""
    assert payment.id is not None
    ledger.post(session, kind="purchase", idempotency_key=f"payment:{payment.reference}:captured",
                lines=[ledger.Line(clearing_account(payment.gateway), payment.amount_minor, payment.currency),
                       ledger.Line("platform:revenue", -payment.amount_minor, payment.currency)],
                memo=f"{payment.purpose} {payment.reference}", user_id=payment.user_id, payment_id=payment.id, now=now)
    fulfil_payment(session, payment.id, now)
    return True


def take_back_purchase(session: Session, payment: Payment, now: datetime, *, charged_back: bool) -> int:
    """The checkout's purpose handler after a refund or chargeback of a purchase payment."""
    assert payment.id is not None
    return on_purchase_refunded(session, payment.id, now, charged_back=charged_back)


def fulfil_payment(session: Session, payment_id: int, now: datetime) -> bool:
    """Grant what a succeeded purchase payment bought; True when something was granted now.

    Called by `capture_purchase` after the money was booked; idempotent."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.succeeded_at is None:
        return False
    extra = dict(payment.extra or {})
    if payment.purpose == PaymentPurpose.MINUTE_PACK:
        return _fulfil_pack(session, payment, extra, now)
    if payment.purpose == PaymentPurpose.SUBSCRIPTION:
        return _fulfil_subscription(session, payment, extra, now)
    if payment.purpose == PaymentPurpose.LEAD_CREDITS:
        return lead_credits.grant_from_payment(session, payment, now=now)
    return False


def _fulfil_pack(session: Session, payment: Payment, extra: dict[str, Any], now: datetime) -> bool:
    try:
        pack = get_pack(session, extra.get("pack"), active_only=False)
    except DomainError:  # a payment for a pack that no longer exists: logged, money stays booked
        log.error("payment %s: unknown pack %r", payment.reference, extra.get("pack"))
        return False
    code = str(extra.get("promo_code") or "")
    discount = int(extra.get("discount_minor") or 0)
    # As quoted at checkout (older payments without these keys: the pack as it is now).
    minutes = int(extra.get("minutes") or pack.minutes)
    validity_days = int(extra.get("validity_days") or pack.validity_days)
    list_minor = int(extra.get("list_minor") or pack.price_minor)
    if code and discount > 0:
        try:
            promos.redeem_promo(session, code=code, user_id=payment.user_id, ref=f"payment:{payment.reference}",
                                amount_minor=list_minor, currency=payment.currency, now=now, quoted=discount)
        except DomainError as exc:  # e.g. used up meanwhile: the student paid the discounted price; honour the quote
            log.warning("payment %s: promo %s not redeemable at fulfilment (%s); quote honoured", payment.reference, code, exc)
        ledger.post(session, kind="promo_discount", idempotency_key=f"payment:{payment.reference}:promo",
                    lines=promos.promo_funding_lines(discount_minor=discount, currency=payment.currency),
                    user_id=payment.user_id, payment_id=payment.id, memo=f"promo {code}", now=now)
    # A guardian's purchase for a child names the child (fixed at checkout, when the link was checked):
    # the minutes are theirs even if the link ended before the money arrived.
    recipient = int(extra.get("for_student_id") or payment.user_id)
    lot = credits.grant_lot(session, user_id=recipient, minutes=minutes, source=LotSource.PACK,
                            source_ref=f"payment:{payment.id}", expires_at=now + timedelta(days=validity_days),
                            now=now, memo=pack.name, payment_id=payment.id)
    return lot is not None


def _fulfil_subscription(session: Session, payment: Payment, extra: dict[str, Any], now: datetime) -> bool:
    sub_id = int(extra.get("subscription_id") or 0)
    kind = extra.get("kind")
    if kind == "start":
        # Stripe's subscription checkout has no payment intent: the payment's gateway_ref is the subscription id.
        provider_id = extra.get("gateway_subscription_id") or (payment.gateway_ref if payment.gateway != "sandbox" else "")
        started = subscriptions.activate(session, subscription_id=sub_id, payment_id=payment.id, gateway=payment.gateway,
                                         gateway_ref=str(provider_id or ""), now=now)
        sub = session.get(Subscription, sub_id)
        if not started and sub is not None and sub.status == SubscriptionStatus.ENDED and sub.anchor_at is None:
            # Paid while another subscription of this student was already active (a double-click
            # paid twice): nothing was granted, so the money goes back.
            duplicate_payments.refund_unused_payment(
                session, payment, now=now,
                reason="You already had an active subscription when this payment arrived, so it was not needed.")
            # …and the provider's second subscription goes at once, or it would bill again next month
            provider_endings.request_provider_end(session, sub, now=now)
        return started
    if kind == "upgrade":
        return subscriptions.apply_upgrade(session, change_id=int(extra.get("change_id") or 0), payment_id=payment.id,
                                           now=now)
    if kind == "renewal":
        return subscription_cycles.renew(session, subscription_id=sub_id, renewal_key=f"payment:{payment.reference}",
                                   payment_id=payment.id, now=now)
    log.error("payment %s: unknown subscription payment kind %r", payment.reference, kind)
    return False


def apply_subscription_event(session: Session, event: Any, *, now: datetime) -> None:
    """SUBSCRIPTION_RENEWED / _PAYMENT_FAILED / _CANCELLED from a provider (dispatched here by the
    checkout's event handling); a failed renewal makes the subscription past due (past_due.py).

    A provider renewal charged the card itself, so its money is booked here ("purchase", keyed by the
    event) before the next cycle is granted."""
    data = dict(event.data or {})
    sub_ref = str(data.get("subscription_id") or "")
    if not sub_ref and event.reference:  # providers echo our metadata: the start payment's reference
        start = session.exec(select(Payment).where(col(Payment.reference) == str(event.reference))).first()
        sub_ref = str((start.extra or {}).get("subscription_id") or "") if start else ""
    if not sub_ref:
        log.warning("subscription event %s without a subscription id", event.event_id)
        return
    if event.kind == EventKind.SUBSCRIPTION_RENEWED:
        sub = _find_subscription(session, event.gateway, sub_ref)
        if sub is None:
            log.warning("renewal for unknown subscription %s/%s", event.gateway, sub_ref)
            return
        if sub.status == SubscriptionStatus.ACTIVE and not subscription_cycles.renewal_due(sub, now):
            # A duplicate for a period already renewed (or the first charge, booked by its payment):
            # booking its money again would count one charge twice.
            log.warning("renewal event %s for subscription %s is not due (period ends %s); ignored",
                        event.event_id, sub.id, sub.current_period_end)
            return
        live = sub.status in subscription_cycles.LIVE
        if event.amount_minor > 0:  # paid after the plan ended (past due, grace over): back to the wallet
            credit_to = "platform:revenue" if live else wallet_account(sub.user_id)
            ledger.post(session, kind="purchase" if live else "late_payment",
                        idempotency_key=f"subscription:{event.gateway}:{event.event_id}",
                        lines=[ledger.Line(clearing_account(event.gateway), event.amount_minor, event.currency.upper()),
                               ledger.Line(credit_to, -event.amount_minor, event.currency.upper())],
                        user_id=sub.user_id, memo=f"subscription {sub.id} renewal{'' if live else ' after it ended'}",
                        now=now)
        subscription_cycles.renew(session, subscription_id=sub.id or 0, renewal_key=f"{event.gateway}:{event.event_id}",
                            payment_id=None, now=now)
    elif event.kind == EventKind.SUBSCRIPTION_PAYMENT_FAILED:
        sub = _find_subscription(session, event.gateway, sub_ref)
        retry_at = _timestamp(data.get("next_payment_attempt"))
        if sub is not None:
            past_due.renewal_failed(session, subscription_id=sub.id or 0, now=now, provider_retry_at=retry_at)
    elif event.kind == EventKind.SUBSCRIPTION_CANCELLED:
        sub = _find_subscription(session, event.gateway, sub_ref)
        if sub is not None and sub.status == SubscriptionStatus.PAST_DUE:  # the provider gave up retrying
            past_due.end(session, sub, now=now, reason="Its renewal payment failed and the provider stopped retrying.")
        elif sub is not None and sub.status == SubscriptionStatus.ACTIVE and not sub.cancel_at_period_end:
            sub.cancel_at_period_end = True
            sub.cancelled_at = now
            sub.updated_at = now
            session.add(sub)
            session.flush()


def _timestamp(value: Any) -> datetime | None:
    """A provider's unix time (Stripe's next_payment_attempt, Razorpay's charge_at), or None."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC) if value else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _find_subscription(session: Session, gateway: str, ref: str) -> Subscription | None:
    """Ours by id, or the provider's id: stored at activation, else found through the start payment
    (whose gateway_ref is the provider's subscription id) and then remembered."""
    if ref.isdigit():
        return session.get(Subscription, int(ref))
    sub = session.exec(select(Subscription).where(col(Subscription.gateway) == gateway,
                                                  col(Subscription.gateway_ref) == ref)).first()
    if sub is not None:
        return sub
    start = session.exec(select(Payment).where(col(Payment.gateway) == gateway, col(Payment.gateway_ref) == ref,
                                               col(Payment.purpose) == PaymentPurpose.SUBSCRIPTION)).first()
    sub_id = str((start.extra or {}).get("subscription_id") or "") if start else ""
    sub = session.get(Subscription, int(sub_id)) if sub_id.isdigit() else None
    if sub is not None and not sub.gateway_ref:
        sub.gateway_ref = ref[:120]
        session.add(sub)
        session.flush()
    return sub


def on_purchase_refunded(session: Session, payment_id: int, now: datetime, *, charged_back: bool = False) -> int:
    """After a refund (or a lost chargeback) of a minute_pack / subscription / lead_credits payment: the unspent share of what it bought is taken back, in proportion to the
    amount refunded (`Payment.refunded_minor`; everything when `charged_back`). Idempotent; returns
    the minutes (or lead credits) revoked by this call."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.amount_minor <= 0:
        return 0
    refunded = payment.amount_minor if charged_back else min(payment.refunded_minor, payment.amount_minor)
    if payment.purpose == PaymentPurpose.LEAD_CREDITS:
        return lead_credits.revoke_for_payment(session, payment, refunded_minor=refunded, now=now)
    return credits.revoke_payment_lots(session, payment_id=payment_id, fraction_num=refunded,
                                       fraction_den=payment.amount_minor, now=now)
