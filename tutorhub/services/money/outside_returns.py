"""Money a payer got back outside TutorHub — a refund made at the provider's dashboard, or a chargeback
the bank decided against us — taken out of the escrow that payment funded.

Without it, a class seat or a course paid by card and refunded at the provider would still hold its
full price in escrow: the tutor would be paid for it, and a later cancellation or refund request would
give the same money back a second time (to the wallet). So what came back outside moves from the escrow
to the cost account that paid it (`refunds` for a provider refund, `platform:disputes` for a lost
chargeback), up to what the escrow still holds; whatever the escrow no longer holds (already paid to
the tutor or refunded by us) stays a platform cost, as for a lesson (checkout/escrow.py).

Cumulative and idempotent: each call computes what came back so far and what earlier calls already
took, and posts only the difference, keyed by the running totals — so it can run after every event
about the payment, duplicates and any order included, and end the same.
Ledger: "escrow_take_back" Dr the escrow / Cr refunds and/or platform:disputes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Payment, Refund
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import disputed_outstanding

KIND = "escrow_take_back"
EXTERNAL_PREFIX = "ext_"  # Refund.reference of a refund made at the provider (checkout/events.py)


@dataclass(frozen=True)
class TakeBack:
    moved: int  # what this call took from the escrow
    returned: int  # everything the payer got back outside TutorHub so far (refunds + lost chargebacks)


def external_refunds(session: Session, payment: Payment) -> int:
    """Refunds of this payment made at the provider, not by TutorHub."""
    assert payment.id is not None
    total = session.execute(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            col(Refund.payment_id) == payment.id, col(Refund.reference).startswith(EXTERNAL_PREFIX),
            col(Refund.status) == "succeeded")
    ).scalar_one()
    return int(total)


def _taken(session: Session, payment_id: int, account: str, unit: str) -> int:
    total = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .where(col(LedgerTransaction.payment_id) == payment_id, col(LedgerTransaction.kind) == KIND,
               col(LedgerAccount.code) == account, col(LedgerEntry.unit) == unit)
    ).scalar_one()
    return -int(total)


def take_back_from_escrow(session: Session, payment: Payment, *, escrow: str, charged_back: bool, memo: str,
                          user_id: int | None, now: datetime) -> TakeBack:
    """Move what `payment`'s payer got back outside TutorHub out of `escrow` (see the module doc)."""
    assert payment.id is not None
    unit = payment.currency
    taken_r, taken_d = _taken(session, payment.id, "refunds", unit), _taken(session, payment.id, "platform:disputes", unit)
    refunded = min(external_refunds(session, payment), payment.amount_minor)
    # platform:disputes' net for the payment already counts what earlier calls took back
    disputed = min(disputed_outstanding(session, payment) + taken_d, payment.amount_minor - refunded) if charged_back else 0
    available = max(0, ledger.balance(session, escrow, unit))
    from_refunds = min(max(0, refunded - taken_r), available)
    from_disputes = min(max(0, disputed - taken_d), available - from_refunds)
    returned = refunded + disputed
    if from_refunds + from_disputes <= 0:
        return TakeBack(0, returned)
    lines = [Line(escrow, from_refunds + from_disputes, unit), Line("refunds", -from_refunds, unit),
             Line("platform:disputes", -from_disputes, unit)]
    posted = ledger.post(
        session, kind=KIND, idempotency_key=f"{escrow}:taken_back:{taken_r + from_refunds}:{taken_d + from_disputes}",
        lines=[line for line in lines if line.amount], memo=memo, user_id=user_id, payment_id=payment.id, now=now,
    )
    return TakeBack(from_refunds + from_disputes if posted is not None else 0, returned)
