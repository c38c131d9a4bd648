"""The student's wallet: balances per currency (from the ledger), credit minutes (credits.py),
and top-ups through the gateway. Spending from the wallet is `ledger.post(..., never_negative=
[wallet])`, which locks the wallet account first, so two simultaneous spends of the same
balance can never both succeed (PostgreSQL row lock; SQLite's write lock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from tutorhub.models.base import utcnow
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.billing import credits
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import clean_money, clearing_account, start_gateway_payment, wallet_account
from tutorhub.services.validation import fail_fields

MIN_TOPUP_MINOR = 100


class CurrencyBalance(BaseModel):
    currency: str
    available_minor: int


class CreditLotView(BaseModel):
    minutes: int
    expires_at: datetime


class WalletOut(BaseModel):
    balances: list[CurrencyBalance]
    credits_minutes: int
    credit_lots: list[CreditLotView]


class TopupOut(BaseModel):
    payment_id: str  # the Payment.reference
    checkout_url: str


def wallet_balance(session: Session, user_id: int, currency: str) -> int:
    return ledger.balance(session, wallet_account(user_id), currency)


def wallet_summary(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> WalletOut:
    """The caller's balances (every currency they ever held, zero included) and credit lots."""
    user = require_role(actor)
    now = now or utcnow()
    balances = [CurrencyBalance(currency=c, available_minor=v)
                for c, v in sorted(ledger.balances(session, wallet_account(user.id)).items())]
    minutes, raw_lots = credits.credit_summary(session, user.id, now)
    lots = [CreditLotView(minutes=lot.minutes, expires_at=lot.expires_at) for lot in raw_lots]
    return WalletOut(balances=balances, credits_minutes=int(minutes), credit_lots=lots)


def start_topup(
    session: Session, *, actor: UserOut | None, amount_minor: Any, currency: Any, now: datetime | None = None
) -> TopupOut:
    """Start a wallet top-up checkout; the wallet is credited when the gateway confirms. Guardians
    top up too: they pay for their children's lessons from their own wallet."""
    user = require_role(actor, "student", "guardian")
    now = now or utcnow()
    errors: dict[str, str] = {}
    amount, cur = clean_money(amount_minor, currency, errors, minimum=MIN_TOPUP_MINOR)
    if errors:
        raise fail_fields(errors)
    assert amount is not None and cur is not None
    payment, url = start_gateway_payment(session, user=user, purpose=PaymentPurpose.TOPUP, amount_minor=amount, currency=cur,
                                         description="Wallet top-up", now=now)
    return TopupOut(payment_id=payment.reference, checkout_url=url)


def credit_topup(session: Session, payment: Payment, now: datetime) -> bool:
    """A captured top-up payment (the checkout's purpose handler): its money goes to the wallet
    ("topup": Dr gateway clearing / Cr student wallet, keyed by the payment). Always takes it: True."""
    assert payment.id is not None
    ledger.post(session, kind="topup", idempotency_key=f"payment:{payment.reference}:captured",
                lines=[ledger.Line(clearing_account(payment.gateway), payment.amount_minor, payment.currency),
                       ledger.Line(wallet_account(payment.user_id), -payment.amount_minor, payment.currency)],
                memo=f"{payment.purpose} {payment.reference}", user_id=payment.user_id, payment_id=payment.id, now=now)
    return True
