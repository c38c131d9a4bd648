"""The double-entry ledger: every movement of money and of credit minutes.

Rules (ARCHITECTURE "Money"):
- A transaction is a set of `Line`s that sums to zero per unit (ISO currency, or "MIN" for credit
  minutes). Positive amount = DEBIT, negative = CREDIT. Entries are immutable (database triggers);
  corrections are new reversing transactions.
- Every transaction carries an `idempotency_key` (UNIQUE in the database): posting the same key
  again is a no-op returning None, so every money step (webhook, job, retry) is safe to repeat.
- Balances are never stored; `balance()` sums entries through a covering index.

Sign convention of `balance()`: it returns the balance in the account's NORMAL direction, so a
student's wallet with 10.00 in it reads 1000 (not -1000):
- credit-normal (what the platform owes / holds for someone): student wallet, student credits,
  escrow, tutor earnings, tutor payout hold, tutor lead credits, platform revenue.
  To ADD to one of these, post a NEGATIVE amount (a credit).
- debit-normal (everything else: cash at gateways, issuance and cost accounts): positive = more.

Account codes (LedgerAccount.code; `kind` is derived from the code):
- "student:{user_id}:wallet"   (unit currency) money a student can spend; never negative.
- "student:{user_id}:credits"  (unit MIN) lesson-minute credits; never negative (billing/credits.py
   keeps lots/expiry in its own tables; the ledger holds the totals).
- "escrow:booking:{booking_id}" (currency, or MIN when paid with credits) a lesson's payment held
   until settlement / refund.
- "escrow:course_enrolment:{enrolment_id}" (currency, or MIN when paid with credits) a course sale held
   through its 7-day refund window (services/checkout/course_payments.py, services/courses/course_credits.py).
- "tutor:{user_id}:earnings"   (currency) released earnings, available for payout.
- "tutor:{user_id}:payout_hold" (currency) earnings reserved by an open payout request.
- "tutor:{user_id}:lead_credits" (unit "LEAD") lead credits bought by a tutor (billing/lead_credits.py).
- "platform:revenue"           (currency) commission and other platform income.
- "platform:promotions"        (currency, debit-normal) the cost of promo discounts the platform funds.
- "platform:credit_issuance"   (MIN, debit-normal) source of granted minutes / sink of expired ones.
- "platform:disputes"          (currency, debit-normal) funds withdrawn by chargebacks.
- "gateway:{name}:clearing"    (currency, debit-normal) the platform's money at a gateway
   (payments in; refunds to the original method and payouts out).
- "advertiser:{advertiser_id}:prepaid" (currency, credit-normal; kind "prepaid") money an advertiser
   prepaid for ad campaigns, not yet spent; never negative (services/growth/advertisers.py).
   The id is an advertiser id (growth), not a user id, so the account has no owner user.
- "refunds"                    (currency, debit-normal) refunds made at the provider outside
   TutorHub (e.g. from the Stripe dashboard) that matched no refund of ours.

Transaction kinds (LedgerTransaction.kind) and their lines:
- "topup"            Dr gateway:G:clearing / Cr student wallet.
- "booking_payment"  Dr gateway:G:clearing (+ Dr platform:promotions for a promo) / Cr escrow:booking.
- "wallet_spend"     Dr student wallet / Cr escrow:booking (booking paid from the wallet).
- "late_payment"     Dr gateway:G:clearing / Cr student wallet (money for a booking that can no
                     longer be paid, or paid twice: kept for the student, spendable or refundable).
- "purchase"         Dr gateway:G:clearing / Cr platform:revenue (minute packs, plans, lead credits;
                     billing/purchases.py then grants the units).
- "refund"           Dr escrow:booking / Cr student wallet (destination wallet) or gateway:G:clearing
                     (original method); the promo share goes back Cr platform:promotions.
- "release"          Dr escrow:booking / Cr tutor earnings (price − commission) + Cr platform:revenue.
- "course_payment"   Dr student wallet or gateway:G:clearing / Cr escrow:course_enrolment.
- "course_refund"    Dr escrow:course_enrolment / Cr student wallet (within the refund window).
- "course_release"   Dr escrow:course_enrolment / Cr tutor earnings (price − commission) + Cr
                     platform:revenue, after the refund window (the courses release job). Paid with
                     credits: the minutes go Cr platform:credit_issuance and the price comes Dr
                     platform:credit_lessons (as for a lesson or class seat paid with credits); the
                     spend and refund of those minutes are "credit_spend" / "credit_refund".
- "transfer"         Dr escrow:booking:{old} / Cr escrow:booking:{replacement}.
- "payout_request"   Dr tutor earnings / Cr tutor payout_hold.
- "payout_paid"      Dr tutor payout_hold / Cr gateway:G:clearing.
- "payout_returned"  Dr tutor payout_hold / Cr tutor earnings (rejected or failed payout).
- "dispute_opened" / "dispute_won"  Dr/Cr platform:disputes against gateway:G:clearing.
- "external_refund"  Dr refunds / Cr gateway:G:clearing.
- "ad_prepay"        Dr gateway:manual:clearing / Cr advertiser:{id}:prepaid (an admin records a
                     prepayment received outside TutorHub, e.g. a bank transfer).
- "ad_spend"         Dr advertiser:{id}:prepaid / Cr platform:revenue (campaign spend; the key
                     "ad_spend:{campaign}:{total}" names the running spend it reaches, so the
                     platform's ad revenue = the platform:revenue credits of "ad_spend" transactions).
- credit-minute kinds ("credit_grant", "credit_spend", "credit_expire", ...) are documented in
  billing/credits.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy import insert as sa_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import upsert_insert
from tutorhub.models.base import utcnow
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction
from tutorhub.services.errors import DomainError
from tutorhub.services.money.wallet_messages import shortfall_message

CREDIT_NORMAL_KINDS = frozenset(
    {"wallet", "credits", "escrow", "earnings", "payout_hold", "lead_credits", "revenue", "prepaid"}
)


class InsufficientFunds(DomainError):
    """The account would go below zero (HTTP 402)."""

    status_code = 402


@dataclass(frozen=True)
class Line:
    account: str
    amount: int  # minor units (or minutes); positive = debit
    unit: str


def account_kind(code: str) -> str:
    """The kind of an account from its code: "student:5:wallet" → "wallet", "escrow:booking:9" → "escrow",
    "advertiser:3:prepaid" → "prepaid"."""
    parts = code.split(":")
    if parts[0] in ("student", "tutor", "advertiser") and len(parts) == 3:
        return parts[2]
    if parts[0] == "platform" and len(parts) == 2:
        return "revenue" if parts[1] == "revenue" else parts[1]
    return parts[0]


def account_owner(code: str) -> int | None:
    parts = code.split(":")
    if parts[0] in ("student", "tutor") and len(parts) == 3 and parts[1].isdigit():
        return int(parts[1])
    return None


def is_credit_normal(code: str) -> bool:
    return account_kind(code) in CREDIT_NORMAL_KINDS


def _check_code(code: str) -> None:
    if not isinstance(code, str) or not code or len(code) > 120 or any(c.isspace() for c in code):
        raise ValueError(f"bad account code {code!r}")


def ensure_accounts(session: Session, codes: Iterable[str], *, likely_new: bool = False) -> dict[str, int]:
    """Account ids for `codes`, creating missing accounts (concurrent creators do not collide).
    `likely_new`: the caller expects none of them to exist yet (an account named after a row this
    transaction inserted): the INSERT goes first and only the codes it did not create are read."""
    wanted = sorted(set(codes))
    for code in wanted:
        _check_code(code)
    if not wanted:
        return {}
    found: dict[str, int | None] = {} if likely_new else dict(session.exec(select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(wanted))).all())  # type: ignore[attr-defined]
    missing = [c for c in wanted if c not in found]
    if missing:
        insert = upsert_insert(session)
        stamp = utcnow()
        rows: list[dict[str, object]] = [
            {"code": c, "kind": account_kind(c), "owner_user_id": account_owner(c), "created_at": stamp} for c in missing
        ]
        statement = insert(LedgerAccount).values(rows).on_conflict_do_nothing(index_elements=["code"])
        found.update({str(c): i for c, i in session.execute(statement.returning(col(LedgerAccount.code), col(LedgerAccount.id)))})
        raced = [c for c in missing if c not in found]  # created meanwhile by a concurrent transaction
        if raced:
            found.update(
                dict(session.exec(select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(raced))).all())  # type: ignore[attr-defined]
            )
    return {c: int(found[c] or 0) for c in wanted}


def lock_accounts(session: Session, accounts: list[str]) -> dict[str, int]:
    """Serialize spenders of these accounts until the transaction ends; returns their ids.

    PostgreSQL: row locks on the account rows, always in code order (no deadlocks between two
    spenders of overlapping sets). SQLite: write transactions already hold the database write
    lock (BEGIN IMMEDIATE), so only the accounts are made to exist.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and len(set(accounts)) == 1:  # one account (a wallet): find and lock it in one statement
        (code,) = set(accounts)
        _check_code(code)
        found = session.execute(text("SELECT id FROM ledger_accounts WHERE code = :code FOR UPDATE"),
                                {"code": code}).first()
        if found is not None:
            return {code: int(found[0])}
    ids = ensure_accounts(session, accounts)
    if postgres and ids:
        session.execute(
            text("SELECT id FROM ledger_accounts WHERE id = ANY(:ids) ORDER BY code FOR UPDATE"),
            {"ids": list(ids.values())},
        )
    return ids


def raw_balance(session: Session, account: str, unit: str) -> int:
    """Sum of entries (debit positive)."""
    value = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .where(LedgerAccount.code == account, LedgerEntry.unit == unit)
    ).scalar_one()
    return int(value)


def balance(session: Session, account: str, unit: str) -> int:
    """The balance of `account` in `unit`, in the account's normal direction (see module doc)."""
    raw = raw_balance(session, account, unit)
    return -raw if is_credit_normal(account) else raw


def balances(session: Session, account: str) -> dict[str, int]:
    """Every unit's balance of one account (normal direction), e.g. {"USD": 1200, "EUR": 0}."""
    rows = session.execute(
        select(LedgerEntry.unit, func.sum(LedgerEntry.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .where(LedgerAccount.code == account)
        .group_by(LedgerEntry.unit)
    ).all()
    sign = -1 if is_credit_normal(account) else 1
    return {str(unit): sign * int(total) for unit, total in rows}


def _insufficient(session: Session, code: str, unit: str, after: int) -> InsufficientFunds:
    """The 402 for an account that would end at `after` (normal direction, negative)."""
    if account_kind(code) == "wallet":  # say which balance can pay what
        return InsufficientFunds(shortfall_message(unit, -after, balances(session, code)))
    return InsufficientFunds("Not enough balance for this payment.")


def reserve(session: Session, account: str, unit: str, amount: int) -> int:
    """Lock a never-negative `account` and refuse (402, nothing written) unless it holds `amount`;
    returns the account's id (for `post(..., known_ids=...)`).

    The lock holds until the transaction ends, so a later `post(..., never_negative=[account],
    funds_checked=True)` of this transaction spending at most `amount` cannot overdraw it. The
    balance is read by a statement of its own, after the lock is granted: one that waited for the
    lock must see what the previous holder committed (a statement's snapshot is taken at its start).
    """
    account_id = lock_accounts(session, [account])[account]
    after = balance(session, account, unit) - amount
    if after < 0:
        raise _insufficient(session, account, unit, after)
    return account_id


def _stored_key(key: str) -> str:
    """The key as stored (a seam the idempotency-removal experiment in the tests patches)."""
    return key


def already_posted(session: Session, idempotency_key: str) -> bool:
    found = session.exec(
        select(LedgerTransaction.id).where(LedgerTransaction.idempotency_key == _stored_key(idempotency_key))
    ).first()
    return found is not None


def validate_lines(lines: list[Line]) -> list[Line]:
    """Drop zero lines; refuse non-integer amounts, bad units and unbalanced sets (ValueError)."""
    kept: list[Line] = []
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise ValueError(f"amount must be an integer, got {line.amount!r}")
        if not isinstance(line.unit, str) or not (1 <= len(line.unit) <= 8) or not line.unit.isalnum():
            raise ValueError(f"bad unit {line.unit!r}")
        _check_code(line.account)
        if line.amount:
            kept.append(line)
            totals[line.unit] += line.amount
    unbalanced = {u: t for u, t in totals.items() if t}
    if unbalanced:
        raise ValueError(f"unbalanced transaction: {unbalanced}")
    if not kept:
        raise ValueError("a transaction needs at least one non-zero line")
    return kept


def post(
    session: Session,
    *,
    kind: str,
    lines: list[Line],
    idempotency_key: str,
    memo: str = "",
    user_id: int | None = None,
    booking_id: int | None = None,
    payment_id: int | None = None,
    now: datetime,
    never_negative: Iterable[str] = (),
    funds_checked: bool = False,
    fresh_key: bool = False,
    known_ids: Mapping[str, int] | None = None,
) -> int | None:
    """Post one balanced transaction; None when `idempotency_key` was already posted.

    `never_negative`: accounts (credit-normal) that must not go below zero after this posting;
    they are locked first, and InsufficientFunds (402) is raised — nothing written — if one would.
    (Pass the wallet/credits account a spend draws on; every spender must pass it, so the lock
    serializes them and two spends of the same balance can never both succeed.)
    `funds_checked`: `reserve` already locked and checked those accounts in this transaction for at
    least this spend. `fresh_key`: the key names a row inserted by this very transaction (uncommitted,
    so nobody else can post it): no idempotency read and no savepoint, and the accounts not in
    `known_ids` (ids this transaction already read, e.g. from `reserve`) are taken to be that row's
    own, new ones (`ensure_accounts(likely_new=True)`).
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("idempotency_key must be 1-200 characters")
    kept = validate_lines(lines)
    guarded = sorted(set(never_negative))
    if funds_checked:
        guarded = []
    if guarded:
        lock_accounts(session, guarded)
    if not fresh_key and already_posted(session, idempotency_key):
        return None
    for code in guarded:
        for unit in {line.unit for line in kept if line.account == code}:
            delta = sum(line.amount for line in kept if line.account == code and line.unit == unit)
            after = raw_balance(session, code, unit) + delta
            normal = -after if is_credit_normal(code) else after
            if normal < 0:
                raise _insufficient(session, code, unit, normal)
    known = dict(known_ids or {})
    ids = {**known, **ensure_accounts(session, [line.account for line in kept if line.account not in known],
                                      likely_new=fresh_key)}
    row: dict[str, Any] = {"kind": kind[:32], "idempotency_key": _stored_key(idempotency_key), "memo": memo[:500], "user_id": user_id,
           "booking_id": booking_id, "payment_id": payment_id, "created_at": now}
    if fresh_key:  # nobody else can post this key: a plain INSERT
        table = LedgerTransaction.__table__  # type: ignore[attr-defined]
        tx_id: int | None = session.execute(sa_insert(table).values(row).returning(table.c.id)).scalar_one()
    else:
        tx = LedgerTransaction(**row)
        try:
            with session.begin_nested():
                session.add(tx)
                session.flush()
        except IntegrityError:
            return None  # a concurrent poster of the same key won
        tx_id = tx.id
    assert tx_id is not None
    if kept:  # plain INSERTs: nothing reads the entries back as objects in this unit of work
        session.execute(sa_insert(LedgerEntry.__table__), [  # type: ignore[attr-defined]
            {"transaction_id": tx_id, "account_id": ids[line.account], "unit": line.unit, "amount": line.amount}
            for line in kept])
    return tx_id
