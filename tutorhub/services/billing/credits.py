"""Lesson-time credits (minutes): grants as lots with an expiry, expiry and revocation, the
student's summary, and the consistency check used by verify-ledger. Spending lots on a lesson and
refunding into them is credit_spending.py.

Why lots *and* the ledger: the ledger (unit "MIN") is the truth for how many minutes a student holds,
but a total cannot say which minutes expire when. Each grant is a `CreditLot`; spending takes from the
lot that expires first (ties: the older lot) and records a `CreditSpend` per lot, so a refund puts the
minutes back where they came from — keeping their original expiry. If that lot has already expired, the
returned minutes expire again at once (a refund never extends credit life). Every change to a lot's
`remaining` is posted to the ledger in the same transaction, so the lots always sum to the balance.

Ledger postings (unit "MIN"; the ledger's sign convention: positive = debit, and student credits and
escrow are credit-normal, so adding minutes to them is a negative line):
    grant   Dr platform:credit_issuance m      Cr student:{id}:credits m        kind "credit_grant"
    spend   Dr student:{id}:credits m          Cr escrow:booking:{b} m          kind "credit_spend"
    refund  Dr escrow:booking:{b} r            Cr student:{id}:credits r        kind "credit_refund"
    expiry  Dr student:{id}:credits x          Cr platform:credit_issuance x    kind "credit_expiry"
The minutes sit in the booking's escrow until the money core settles the lesson (it empties the MIN
escrow at settlement) or a cancellation refunds them through `credit_spending.refund_booking_credits`.

Group sessions consume fewer credits per student: `credit_cost` applies the group credit rates by group size
(an admin platform setting, services/platform/store.py; default 100% alone, 60% up to 4, 40% beyond),
rounded up to a whole minute; callers pass the result as `minutes`, or pass `group_percent`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.classes import SeatCreditSpend
from tutorhub.models.courses import CourseCreditSpend
from tutorhub.models.credits import CreditLot, CreditSpend, LotSource
from tutorhub.models.money import LedgerAccount
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import DomainError
from tutorhub.services.money import ledger
from tutorhub.services.platform import store

UNIT = "MIN"
PLAN_ROLLOVER_DAYS = 60  # plan and trial credits live 60 days from their grant
PACK_VALIDITY_DAYS = 365  # default for packs (each pack row carries its own validity_days)
TRIAL_MINUTES = 60  # the free tier: one lesson-hour, once per student

ISSUANCE = "platform:credit_issuance"


class InsufficientCredits(DomainError):
    """Not enough credits (minutes or lead credits) for the spend: 402 Payment Required."""

    status_code = 402


class CreditLotOut(BaseModel):
    minutes: int  # remaining minutes in the lot
    expires_at: datetime
    source: str


class CreditSummaryOut(BaseModel):
    credits_minutes: int
    lots: list[CreditLotOut]
    trial_available: bool


def credits_account(user_id: int) -> str:
    return f"student:{user_id}:credits"


def credit_cost(minutes: int, *, group_size: int = 1) -> int:
    """Minutes one student's seat costs: a full lesson alone, less per student in a group."""
    rates = store.value("group_credit_rates")  # [[largest size, percent], ...] ascending; the last covers the rest
    percent = next((int(p) for bound, p in rates if group_size <= bound), int(rates[-1][1]))
    return percent_of_minutes(minutes, percent)


def percent_of_minutes(minutes: int, percent: int) -> int:
    """`percent` of `minutes`, rounded up to a whole minute."""
    return -(-minutes * percent // 100)  # ceil, integers only


def grant_lot(
    session: Session, *, user_id: int, minutes: int, source: str, source_ref: str, expires_at: datetime,
    now: datetime, memo: str = "", payment_id: int | None = None,
) -> CreditLotOut | None:
    """Grant `minutes` as a new lot; None when `source_ref` was granted before (idempotent)."""
    if minutes <= 0 or source not in LotSource.ALL:
        raise ValueError("a grant needs positive minutes and a known source")
    existing = session.exec(select(CreditLot).where(col(CreditLot.source_ref) == source_ref)).first()
    if existing is not None:
        return None
    ledger.lock_accounts(session, [credits_account(user_id)])
    posted = ledger.post(
        session, kind="credit_grant", idempotency_key=f"credits:grant:{source_ref}", memo=memo or f"{minutes} min ({source})",
        lines=[ledger.Line(ISSUANCE, minutes, UNIT), ledger.Line(credits_account(user_id), -minutes, UNIT)],
        user_id=user_id, payment_id=payment_id, now=now,
    )
    if posted is None:
        return None
    lot = CreditLot(user_id=user_id, minutes=minutes, remaining=minutes, source=source, source_ref=source_ref,
                    granted_at=now, expires_at=expires_at, created_at=now, payment_id=payment_id)
    session.add(lot)
    session.flush()
    return CreditLotOut(minutes=minutes, expires_at=expires_at, source=source)


def _trial_ref(user_id: int) -> str:
    return f"trial:{user_id}"


def ensure_trial_credit(session: Session, *, user_id: int, now: datetime) -> bool:
    """Give a student the free tier's single trial credit (60 minutes, 60 days), once ever."""
    lot = grant_lot(session, user_id=user_id, minutes=TRIAL_MINUTES, source=LotSource.TRIAL, source_ref=_trial_ref(user_id),
                    expires_at=now + timedelta(days=PLAN_ROLLOVER_DAYS), now=now, memo="Free tier trial credit")
    return lot is not None


def claim_trial_credit(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> CreditSummaryOut:
    user = require_role(actor, "student")
    now = now or utcnow()
    ensure_trial_credit(session, user_id=user.id, now=now)
    return my_credits(session, actor=user, now=now)


def expire_lot(session: Session, lot: CreditLot, now: datetime) -> int:
    """Write off what is left of an expired lot; the key includes the cumulative amount, so a refund
    into an expired lot expires again under a new key while a re-run of the same sweep is a no-op."""
    amount = lot.remaining
    if amount <= 0:
        return 0
    key = f"credits:expire:lot:{lot.id}:{lot.expired_minutes + amount}"
    posted = ledger.post(
        session, kind="credit_expiry", idempotency_key=key, memo=f"{amount} min expired (lot {lot.id})",
        user_id=lot.user_id, now=now,
        lines=[ledger.Line(credits_account(lot.user_id), amount, UNIT), ledger.Line(ISSUANCE, -amount, UNIT)],
        never_negative=[credits_account(lot.user_id)],
    )
    if posted is None:
        return 0
    lot.remaining = 0
    lot.expired_minutes += amount
    session.add(lot)
    session.flush()
    return amount


def expire_lots(session: Session, *, now: datetime) -> int:
    """The expiry job: write off every expired lot's remaining minutes; returns minutes expired."""
    ids = list(session.exec(select(CreditLot.id).where(col(CreditLot.expires_at) <= now, col(CreditLot.remaining) > 0)
                            .order_by(col(CreditLot.id))).all())
    total = 0
    for lot_id in ids:
        lot = session.get(CreditLot, lot_id)
        if lot is None:
            continue
        ledger.lock_accounts(session, [credits_account(lot.user_id)])
        session.refresh(lot)
        if lot.expires_at <= now and lot.remaining > 0:
            total += expire_lot(session, lot, now)
    return total


def revoke_payment_lots(session: Session, *, payment_id: int, fraction_num: int, fraction_den: int, now: datetime) -> int:
    """Take back minutes granted by a purchase that was refunded (or charged back): in total
    floor(minutes × num / den) of each lot the payment paid for, as far as they are still unspent
    (minutes already used stay used — that loss is the platform's). Cumulative target, so repeated
    calls with the same fraction are no-ops. Returns minutes revoked by this call.

    Ledger: Dr student:{id}:credits / Cr platform:credit_issuance, kind "credit_revoke"."""
    if fraction_den <= 0 or not 0 <= fraction_num <= fraction_den:
        raise ValueError("fraction must be within 0..1")
    total = 0
    lots = list(session.exec(select(CreditLot).where(col(CreditLot.payment_id) == payment_id).order_by(col(CreditLot.id))).all())
    if lots:
        ledger.lock_accounts(session, sorted({credits_account(lot.user_id) for lot in lots}))
    for lot in lots:
        session.refresh(lot)
        target = lot.minutes * fraction_num // fraction_den
        take = min(target - lot.revoked_minutes, lot.remaining)
        if take <= 0:
            continue
        posted = ledger.post(
            session, kind="credit_revoke", idempotency_key=f"credits:revoke:lot:{lot.id}:{lot.revoked_minutes + take}",
            memo=f"{take} min revoked (payment {payment_id} refunded)", user_id=lot.user_id, payment_id=payment_id, now=now,
            lines=[ledger.Line(credits_account(lot.user_id), take, UNIT), ledger.Line(ISSUANCE, -take, UNIT)],
            never_negative=[credits_account(lot.user_id)],
        )
        if posted is None:
            continue
        lot.remaining -= take
        lot.revoked_minutes += take
        session.add(lot)
        total += take
    session.flush()
    return total


def credit_summary(session: Session, user_id: int, now: datetime) -> tuple[int, list[CreditLotOut]]:
    """Usable minutes and the lots behind them (soonest expiry first) — for GET /api/v1/wallet."""
    lots = session.exec(
        select(CreditLot)
        .where(col(CreditLot.user_id) == user_id, col(CreditLot.remaining) > 0, col(CreditLot.expires_at) > now)
        .order_by(col(CreditLot.expires_at), col(CreditLot.id))
    ).all()
    out = [CreditLotOut(minutes=lot.remaining, expires_at=lot.expires_at, source=lot.source) for lot in lots]
    return sum(lot.minutes for lot in out), out


def my_credits(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> CreditSummaryOut:
    user = require_role(actor, "student")
    now = now or utcnow()
    total, lots = credit_summary(session, user.id, now)
    claimed = session.exec(select(CreditLot.id).where(col(CreditLot.source_ref) == _trial_ref(user.id))).first()
    return CreditSummaryOut(credits_minutes=total, lots=lots, trial_available=claimed is None)


def credit_lots_consistent(session: Session) -> list[str]:
    """Problems, for verify-ledger: each student's lots must sum to their ledger credit balance, and no
    lot may have handed out more than it holds (the table's check constraints cover the single row)."""
    problems: list[str] = []
    sums: dict[int, int] = {
        int(uid): int(total)
        for uid, total in session.exec(
            select(CreditLot.user_id, func.sum(CreditLot.remaining)).group_by(col(CreditLot.user_id))
        ).all()
    }
    for uid in sorted(set(sums) | set(_ledger_credit_users(session))):
        balance = ledger.balance(session, credits_account(uid), UNIT)
        if balance != sums.get(uid, 0):
            problems.append(f"credits of user {uid}: lots hold {sums.get(uid, 0)} min, ledger says {balance} min")
    net: dict[int, int] = {
        int(lot_id): int(total)
        for lot_id, total in session.exec(
            select(CreditSpend.lot_id, func.sum(CreditSpend.minutes - CreditSpend.refunded_minutes))
            .group_by(col(CreditSpend.lot_id))
        ).all()
    }
    for table in (SeatCreditSpend, CourseCreditSpend):  # class seats and courses paid with minutes
        for lot_id, total in session.exec(
            select(table.lot_id, func.sum(table.minutes - table.refunded_minutes)).group_by(col(table.lot_id))
        ).all():
            net[int(lot_id)] = net.get(int(lot_id), 0) + int(total)
    for lot in session.exec(select(CreditLot).order_by(col(CreditLot.id))).all():
        spent = net.get(lot.id or 0, 0)
        if spent + lot.remaining + lot.expired_minutes + lot.revoked_minutes != lot.minutes:
            problems.append(f"credit lot {lot.id}: spent {spent} + remaining {lot.remaining} + expired "
                            f"{lot.expired_minutes} + revoked {lot.revoked_minutes} != granted {lot.minutes}")
    return problems


def _ledger_credit_users(session: Session) -> list[int]:
    """Students who have a credits account in the ledger (even with no lot — that would be a problem)."""
    codes = session.exec(select(LedgerAccount.code).where(col(LedgerAccount.code).like("student:%:credits"))).all()
    users = []
    for code in codes:
        middle = code.split(":")[1]
        if middle.isdigit():
            users.append(int(middle))
    return users

