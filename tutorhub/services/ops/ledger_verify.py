"""`python -m tutorhub verify-ledger`: every invariant of the ledger, checked in SQL.

1. every transaction balances to zero per unit (and has entries);
2. no wallet, credits, escrow, earnings, payout-hold, lead-credit or advertiser prepaid account is below zero;
3. the escrow of every booking whose outcome is final (SETTLED / CANCELLED / DECLINED / EXPIRED,
   also with a refund still DUE or a transfer not made; only open replacement offers may keep it)
   is empty — bookings changed in the last GRACE minutes are skipped, the minutely money job
   may not have run for them yet; likewise a course sale's escrow once it was refunded or released;
4. every captured payment has its ledger posting;
5. the credit lots agree with the ledger's credit balances (credits.credit_lots_consistent).
Balances are never cached (they are sums of entries), so there is no cache to compare.
Each violation names the offending transaction ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from tutorhub.models.base import utcnow
from tutorhub.services.billing import credits

GRACE_MINUTES = 10
NON_NEGATIVE_KINDS = ("wallet", "credits", "escrow", "earnings", "payout_hold", "lead_credits", "prepaid")
_NEGATIVE_SQL = (
    "SELECT a.id, a.code, e.unit, SUM(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
    "WHERE a.kind IN ('wallet', 'credits', 'escrow', 'earnings', 'payout_hold', 'lead_credits', 'prepaid') "
    "GROUP BY a.id, a.code, e.unit HAVING SUM(e.amount) > 0"
)


@dataclass
class Violation:
    code: str
    message: str
    transaction_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        ids = ", ".join(str(i) for i in self.transaction_ids[:20]) or "-"
        return f"[{self.code}] {self.message} (transactions: {ids})"


def _unbalanced(session: Session) -> list[Violation]:
    rows = session.execute(text(
        "SELECT transaction_id, unit, SUM(amount) FROM ledger_entries GROUP BY transaction_id, unit HAVING SUM(amount) <> 0"
    )).all()
    out = [Violation("unbalanced", f"transaction {tx} does not balance in {unit}: off by {total}", [int(tx)])
           for tx, unit, total in rows]
    empty = session.execute(text(
        "SELECT t.id FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)"
    )).scalars().all()
    out += [Violation("empty", f"transaction {tx} has no entries", [int(tx)]) for tx in empty]
    return out


def _first_negative_tx(session: Session, account_id: int, unit: str) -> list[int]:
    rows = session.execute(text(
        "SELECT transaction_id, amount FROM ledger_entries WHERE account_id = :a AND unit = :u ORDER BY transaction_id, id"
    ), {"a": account_id, "u": unit}).all()
    running = 0
    for tx, amount in rows:
        running += int(amount)
        if running > 0:  # credit-normal accounts: a debit balance is a negative balance
            return [int(tx)]
    return [int(rows[-1][0])] if rows else []


def _negative(session: Session) -> list[Violation]:
    rows = session.execute(text(_NEGATIVE_SQL)).all()
    return [Violation("negative", f"{code} is negative: {-int(total)} {unit}", _first_negative_tx(session, int(aid), str(unit)))
            for aid, code, unit, total in rows]


def _settled_escrow(session: Session, now: datetime) -> list[Violation]:
    cutoff = now - timedelta(minutes=GRACE_MINUTES)
    rows = session.execute(text(
        "SELECT a.id, a.code, e.unit, SUM(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
        "WHERE a.kind = 'escrow' GROUP BY a.id, a.code, e.unit HAVING SUM(e.amount) <> 0"
    )).all()
    out = []
    for aid, code, unit, total in rows:
        if str(code).startswith("escrow:course_enrolment:"):
            out.extend(_course_escrow(session, aid, str(code), unit, int(total)))
            continue
        if not str(code).startswith("escrow:booking:"):
            continue  # a class seat's escrow (escrow:seat:{id}) holds money for sessions still to settle
        try:
            booking_id = int(str(code).rsplit(":", 1)[1])
        except ValueError:
            continue
        booking = session.execute(text(
            "SELECT status, refund_status, updated_at FROM bookings WHERE id = :b"), {"b": booking_id}).first()
        if booking is None:
            final = False  # bookings are never deleted: an escrow without one is not a lesson's (tests, imports)
        else:
            status, refund_status, updated_at = booking
            # Every final booking's escrow must be empty once the money job had its chance — also
            # when its refund is still DUE or its transfer not made (a refund stuck for days is a
            # real violation, not something the grace period may hide). Only a tutor-cancelled
            # lesson whose replacement offers are still open may keep its money.
            final = status in ("SETTLED", "CANCELLED", "DECLINED", "EXPIRED") and refund_status != "PENDING_REPLACEMENT"
            stamp = datetime.fromisoformat(updated_at) if isinstance(updated_at, str) else updated_at  # SQLite: text
            if isinstance(stamp, datetime) and stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            if final and stamp is not None and stamp > cutoff:
                final = False
        if final:
            txs = session.execute(text("SELECT DISTINCT transaction_id FROM ledger_entries WHERE account_id = :a "
                                       "ORDER BY transaction_id"), {"a": aid}).scalars().all()
            why = {"DUE": " (its refund was never made)", "TRANSFERRED": " (never moved to the replacement lesson)"}
            out.append(Violation("settled_escrow", f"{code} still holds {-int(total)} {unit} after its booking was settled"
                                 f"{why.get(str(booking[1]), '') if booking else ''}", [int(t) for t in txs]))
    return out


def _course_escrow(session: Session, account_id: int, code: str, unit: str, total: int) -> list[Violation]:
    """A course sale's escrow must be empty once the sale was refunded or released to the tutor."""
    try:
        enrolment_id = int(code.rsplit(":", 1)[1])
    except ValueError:
        return []
    row = session.execute(text("SELECT status, released_at FROM course_enrolments WHERE id = :e"),
                          {"e": enrolment_id}).first()
    if row is None or (row[0] != "REFUNDED" and row[1] is None):
        return []  # still inside its refund window (or not a course's: tests, imports)
    txs = session.execute(text("SELECT DISTINCT transaction_id FROM ledger_entries WHERE account_id = :a "
                               "ORDER BY transaction_id"), {"a": account_id}).scalars().all()
    return [Violation("settled_escrow", f"{code} still holds {-total} {unit} after its course sale was settled",
                      [int(t) for t in txs])]


def _payments(session: Session) -> list[Violation]:
    rows = session.execute(text(
        "SELECT p.reference FROM payments p WHERE p.succeeded_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM ledger_transactions t WHERE t.payment_id = p.id "
        "AND t.kind IN ('topup', 'booking_payment', 'late_payment', 'purchase', 'seat_payment', 'course_payment'))"
    )).scalars().all()
    return [Violation("payment_unposted", f"captured payment {ref} has no ledger posting") for ref in rows]


def _credit_lots(session: Session) -> list[Violation]:
    return [Violation("credit_lots", str(problem)) for problem in credits.credit_lots_consistent(session)]


def verify_ledger(session: Session, *, now: datetime | None = None) -> list[Violation]:
    now = now or utcnow()
    return _unbalanced(session) + _negative(session) + _settled_escrow(session, now) + _payments(session) + _credit_lots(session)
