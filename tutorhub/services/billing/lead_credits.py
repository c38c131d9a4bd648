"""Tutor lead credits: bought through a gateway or from earnings, one is the price of claiming a
student's enquiry (PRODUCT.md §2, leads).

The balance lives only in the ledger (unit "LEAD"): Dr platform:lead_issuance / Cr
tutor:{id}:lead_credits to grant, the reverse to spend. The price per credit is fixed per currency
(LEAD_PRICE_MINOR, the smallest sensible amount in each; an admin screen can come with the lead inbox).
Paying from earnings moves money Dr tutor:{id}:earnings / Cr platform:revenue in the same transaction
as the grant, refused with 402 when the earnings would go negative.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Payment, PaymentPurpose
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.money import ledger, payments
from tutorhub.services.money.payouts import earnings_account
from tutorhub.services.validation import clean_int, clean_text, fail, validate_currency

UNIT = "LEAD"
ISSUANCE = "platform:lead_issuance"
LEAD_PRICE_MINOR = {"USD": 200, "EUR": 200, "GBP": 180, "INR": 15000, "AUD": 300, "CAD": 280, "SGD": 280, "AED": 750,
                    "JPY": 300}
MAX_QUANTITY = 500


class LeadPriceOut(BaseModel):
    currency: str
    amount_minor: int


class LeadCreditsOut(BaseModel):
    balance: int
    prices: list[LeadPriceOut]


class LeadPurchaseOut(BaseModel):
    status: str  # pending | completed
    quantity: int
    price_minor: int
    currency: str
    balance: int
    payment_reference: str | None = None
    checkout_url: str | None = None


def lead_account(tutor_user_id: int) -> str:
    return f"tutor:{tutor_user_id}:lead_credits"


def lead_balance(session: Session, tutor_user_id: int) -> int:
    return ledger.balance(session, lead_account(tutor_user_id), UNIT)


def lead_summary(session: Session, *, actor: UserOut | None) -> LeadCreditsOut:
    user = require_role(actor, "tutor")
    return LeadCreditsOut(balance=lead_balance(session, user.id),
                          prices=[LeadPriceOut(currency=c, amount_minor=a) for c, a in LEAD_PRICE_MINOR.items()])


def _grant(session: Session, *, tutor_user_id: int, quantity: int, key: str, now: datetime,
           extra_lines: list[ledger.Line] | None = None, never_negative: list[str] | None = None,
           payment_id: int | None = None) -> bool:
    lines = [ledger.Line(ISSUANCE, quantity, UNIT), ledger.Line(lead_account(tutor_user_id), -quantity, UNIT)]
    posted = ledger.post(session, kind="lead_grant", idempotency_key=key, lines=lines + (extra_lines or []),
                         user_id=tutor_user_id, payment_id=payment_id, memo=f"{quantity} lead credits", now=now,
                         never_negative=never_negative or [])
    return posted is not None


def buy_lead_credits(session: Session, *, actor: UserOut | None, quantity: Any, currency: Any, method: Any = "gateway",
                     now: datetime | None = None) -> LeadPurchaseOut:
    user = require_role(actor, "tutor")
    now = now or utcnow()
    qty = clean_int(quantity, "quantity", minimum=1, maximum=MAX_QUANTITY)
    cur = validate_currency(currency)
    how = clean_text(method, "method", max_len=16, required=True).lower()
    if how not in ("gateway", "earnings"):
        raise fail("method", "must be gateway or earnings")
    if cur not in LEAD_PRICE_MINOR:  # a currency added to validation later must not be a KeyError (500)
        raise fail("currency", f"Lead credits are not sold in {cur}.")
    price = LEAD_PRICE_MINOR[cur] * qty
    if how == "gateway":
        payment, url = payments.start_gateway_payment(
            session, user=user, purpose=PaymentPurpose.LEAD_CREDITS, amount_minor=price, currency=cur,
            description=f"{qty} lead credits", metadata={"leads": qty}, now=now,
        )
        return LeadPurchaseOut(status="pending", quantity=qty, price_minor=price, currency=cur,
                               balance=lead_balance(session, user.id), payment_reference=payment.reference, checkout_url=url)
    earnings = earnings_account(user.id)
    try:
        _grant(session, tutor_user_id=user.id, quantity=qty, key=f"leads:earnings:{user.id}:{now.isoformat()}", now=now,
               extra_lines=[ledger.Line(earnings, price, cur), ledger.Line("platform:revenue", -price, cur)],
               never_negative=[earnings])
    except ledger.InsufficientFunds:
        raise InsufficientCredits("Your available earnings do not cover these lead credits.",
                                  fields={"quantity": "more than your earnings cover"}) from None
    return LeadPurchaseOut(status="completed", quantity=qty, price_minor=price, currency=cur,
                           balance=lead_balance(session, user.id))


def grant_from_payment(session: Session, payment: Payment, *, now: datetime) -> bool:
    """A succeeded lead-credit payment (the money core booked the money): grant the credits once."""
    qty = int((payment.extra or {}).get("leads") or 0)
    if qty <= 0:
        return False
    return _grant(session, tutor_user_id=payment.user_id, quantity=qty, key=f"leads:payment:{payment.reference}", now=now,
                  payment_id=payment.id)


def spend_lead_credit(session: Session, *, tutor_user_id: int, ref: str, now: datetime) -> int:
    """Spend one lead credit for `ref` (e.g. "lead:42"); idempotent per ref; returns the balance left.

    402 (InsufficientCredits) when the tutor has none — the ledger locks the account, so two
    simultaneous spends of the last credit cannot both succeed."""
    ref = clean_text(ref, "ref", max_len=80, required=True)
    account = lead_account(tutor_user_id)
    try:
        ledger.post(session, kind="lead_spend", idempotency_key=f"leads:spend:{tutor_user_id}:{ref}",
                    lines=[ledger.Line(account, 1, UNIT), ledger.Line(ISSUANCE, -1, UNIT)], user_id=tutor_user_id,
                    memo=f"lead credit for {ref}", now=now, never_negative=[account])
    except ledger.InsufficientFunds:
        raise InsufficientCredits("You have no lead credits left.") from None
    return lead_balance(session, tutor_user_id)


def revoke_for_payment(session: Session, payment: Payment, *, refunded_minor: int, now: datetime) -> int:
    """Take back the refunded share of a lead-credit purchase, as far as the tutor still has credits.

    `refunded_minor` is the cumulative amount refunded so far, so the target is cumulative too: what
    earlier calls for this payment already revoked is subtracted (a 50% refund then a full one takes
    back the purchase once, not 150% of it), and a repeat with the same target is a no-op (its key)."""
    qty = int((payment.extra or {}).get("leads") or 0)
    if qty <= 0 or payment.amount_minor <= 0:
        return 0
    target = qty * min(refunded_minor, payment.amount_minor) // payment.amount_minor
    if target <= 0:
        return 0
    account = lead_account(payment.user_id)
    ledger.lock_accounts(session, [account])
    take = min(target - _revoked(session, payment), lead_balance(session, payment.user_id))
    if take <= 0:
        return 0
    posted = ledger.post(session, kind="lead_revoke", idempotency_key=f"leads:revoke:{payment.reference}:{target}",
                         lines=[ledger.Line(account, take, UNIT), ledger.Line(ISSUANCE, -take, UNIT)],
                         user_id=payment.user_id, payment_id=payment.id, memo="lead credits refunded", now=now,
                         never_negative=[account])
    return take if posted is not None else 0


def _revoked(session: Session, payment: Payment) -> int:
    """Lead credits already taken back for this payment (sum of its "lead_revoke" postings)."""
    total = session.exec(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .where(col(LedgerTransaction.kind) == "lead_revoke", col(LedgerTransaction.payment_id) == payment.id,
               col(LedgerAccount.code) == lead_account(payment.user_id), col(LedgerEntry.unit) == UNIT)
    ).one()
    return int(total or 0)  # debits of the tutor's account: positive
