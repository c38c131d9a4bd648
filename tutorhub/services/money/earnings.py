"""A tutor's money: held in escrow (their lessons not yet settled), available, payout pending,
paid out, commission taken; a monthly series for the chart and a CSV statement per month.
All figures come from the ledger (release transactions of the tutor's lessons, their accounts)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, cast, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.bookings import Booking
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Payout, PayoutStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.money import ledger
from tutorhub.services.money.payouts import earnings_account, hold_account
from tutorhub.services.validation import fail


class EarningsTotals(BaseModel):
    currency: str
    held_in_escrow_minor: int
    available_minor: int
    payout_pending_minor: int
    paid_out_minor: int
    commission_minor: int
    earned_minor: int  # released to the tutor (after commission), all time


class EarningsPoint(BaseModel):
    bucket_start: date  # first day of the month
    currency: str
    earned_minor: int
    commission_minor: int


class EarningsOut(BaseModel):
    totals: list[EarningsTotals]
    series: list[EarningsPoint]


class Statement(BaseModel):
    filename: str
    content_type: str
    body: str


def _profile_id(session: Session, user_id: int) -> int | None:
    return session.exec(select(TutorProfile.id).where(TutorProfile.user_id == user_id)).first()


def _releases(session: Session, user_id: int, profile_id: int | None,
              since: datetime | None = None, until: datetime | None = None) -> list[tuple[datetime, int | None, str, str, int]]:
    """(created_at, booking_id, account code, unit, amount) of release entries of the tutor's lessons."""
    if profile_id is None:
        return []
    query = (
        sa_select(col(LedgerTransaction.created_at), col(LedgerTransaction.booking_id), col(LedgerAccount.code), col(LedgerEntry.unit), col(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)  # type: ignore[arg-type]
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .join(Booking, Booking.id == LedgerTransaction.booking_id)  # type: ignore[arg-type]
        .where(LedgerTransaction.kind == "release", Booking.tutor_id == profile_id,  # type: ignore[arg-type]
               col(LedgerAccount.code).in_([earnings_account(user_id), "platform:revenue"]))
    )
    if since is not None:
        query = query.where(LedgerTransaction.created_at >= since)  # type: ignore[arg-type]
    if until is not None:
        query = query.where(LedgerTransaction.created_at < until)  # type: ignore[arg-type]
    return [(r[0], r[1], str(r[2]), str(r[3]), int(r[4])) for r in session.execute(query).all()]


def _escrow_held(session: Session, profile_id: int | None) -> dict[str, int]:
    if profile_id is None:
        return {}
    code = literal("escrow:booking:") + cast(Booking.id, String)
    rows = session.execute(
        select(LedgerEntry.unit, func.sum(LedgerEntry.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .join(Booking, col(LedgerAccount.code) == code)
        .where(Booking.tutor_id == profile_id, LedgerAccount.kind == "escrow", LedgerEntry.unit != "MIN")
        .group_by(LedgerEntry.unit)
    ).all()
    return {str(u): -int(t) for u, t in rows}


def tutor_earnings(session: Session, *, actor: UserOut | None, now: datetime | None = None) -> EarningsOut:
    user = require_role(actor, Role.TUTOR)
    profile_id = _profile_id(session, user.id)
    held = _escrow_held(session, profile_id)
    available = ledger.balances(session, earnings_account(user.id))
    pending = ledger.balances(session, hold_account(user.id))
    paid: dict[str, int] = defaultdict(int)
    for cur, amount in session.exec(select(Payout.currency, Payout.amount_minor).where(
            Payout.tutor_user_id == user.id, Payout.status == PayoutStatus.PAID)).all():
        paid[cur] += int(amount)
    earned: dict[str, int] = defaultdict(int)
    commission: dict[str, int] = defaultdict(int)
    monthly: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for created, _bid, code, unit, amount in _releases(session, user.id, profile_id):
        month = created.astimezone(UTC).date().replace(day=1)
        slot = 0 if code.startswith("tutor:") else 1
        (earned if slot == 0 else commission)[unit] += -amount
        monthly[(month, unit)][slot] += -amount
    currencies = sorted(set(held) | set(available) | set(pending) | set(paid) | set(earned))
    totals = [EarningsTotals(currency=c, held_in_escrow_minor=held.get(c, 0), available_minor=available.get(c, 0),
                             payout_pending_minor=pending.get(c, 0), paid_out_minor=paid.get(c, 0),
                             commission_minor=commission.get(c, 0), earned_minor=earned.get(c, 0)) for c in currencies]
    series = [EarningsPoint(bucket_start=m, currency=c, earned_minor=v[0], commission_minor=v[1])
              for (m, c), v in sorted(monthly.items())]
    return EarningsOut(totals=totals, series=series)


def _month(value: Any) -> tuple[datetime, datetime]:
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit():
        raise fail("month", "must look like 2026-11")
    year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise fail("month", "must look like 2026-11")
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def monthly_statement(session: Session, *, actor: UserOut | None, month: Any) -> Statement:
    """CSV of one month: each settled lesson (earned, commission) and each payout."""
    user = require_role(actor, Role.TUTOR)
    start, end = _month(month)
    profile_id = _profile_id(session, user.id)
    per_booking: dict[tuple[int | None, str], list[Any]] = {}
    for created, bid, code, unit, amount in _releases(session, user.id, profile_id, start, end):
        row = per_booking.setdefault((bid, unit), [created, 0, 0])
        row[1 if code.startswith("tutor:") else 2] += -amount
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date (UTC)", "type", "reference", "currency", "earned_minor", "commission_minor", "payout_minor"])
    for (bid, unit), (created, earned, fee) in sorted(per_booking.items(), key=lambda kv: kv[1][0]):
        writer.writerow([created.astimezone(UTC).strftime("%Y-%m-%d"), "lesson", f"lesson #{bid}", unit, earned, fee, ""])
    payouts = session.exec(select(Payout).where(Payout.tutor_user_id == user.id, col(Payout.created_at) >= start,
                                                col(Payout.created_at) < end).order_by(col(Payout.created_at))).all()
    for p in payouts:
        writer.writerow([p.created_at.astimezone(UTC).strftime("%Y-%m-%d"), f"payout ({p.status})", p.reference, p.currency,
                         "", "", p.amount_minor])
    return Statement(filename=f"statement-{month}.csv", content_type="text/csv; charset=utf-8", body=out.getvalue())
