"""The CSV export kinds (registered into services/ops/exports.EXPORTS on import): each is a header
and a keyset page reader over one table, filtered like its admin list page.

Campaigns: the ad-campaign table belongs to the growth domain, which may not be installed in this
build. The reader looks the `campaigns` table up in the database itself (SQLAlchemy reflection, on
first use): present → its rows (the columns below that it has, in this order); absent → the header
row only. The growth domain can also replace this kind with `register_export("campaigns", ...)`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, inspect, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tutorhub.models.accounts import Role, User
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.money import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    Refund,
)
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.ops.exports import ExportFilters, ExportSpec, register_export

CAMPAIGN_COLUMNS = ("id", "advertiser_id", "kind", "title", "status", "starts_at", "ends_at", "budget_minor", "currency",
                    "cpm_minor", "cpc_minor", "spend_minor", "impressions", "clicks", "created_at")


def _page(session: Session, query: Any, key: Any, created: Any, filters: ExportFilters, after: int,
          limit: int) -> list[tuple[int, list[Any]]]:
    """One keyset page: rows with key > `after` in key order, inside the created-at range. The key
    is the query's first column."""
    query = query.where(key > after).order_by(key).limit(limit)
    if filters.since is not None:
        query = query.where(created >= filters.since)
    if filters.until is not None:
        query = query.where(created < filters.until)
    return [(int(row[0]), list(row)) for row in session.execute(query)]


def _users(session: Session, f: ExportFilters, after: int, limit: int) -> list[tuple[int, list[Any]]]:
    query = sa_select(col(User.id), col(User.email), col(User.phone), col(User.full_name), col(User.role),
                      col(User.is_suspended), col(User.timezone), col(User.created_at))
    if f.role:
        query = query.where(col(User.role) == f.role)
    if f.status:
        query = query.where(col(User.is_suspended) == (f.status == "suspended"))
    if f.q:
        like = "%" + f.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(col(User.email).ilike(like, escape="\\"), col(User.full_name).ilike(like, escape="\\"),
                                col(User.phone).ilike(like, escape="\\")))
    return _page(session, query, col(User.id), col(User.created_at), f, after, limit)


def _bookings(session: Session, f: ExportFilters, after: int, limit: int) -> list[tuple[int, list[Any]]]:
    query = (
        sa_select(col(Booking.id), col(Booking.created_at), col(Booking.status), col(Booking.kind), col(Booking.student_id),
                  col(TutorProfile.user_id), col(Booking.subject), col(Booking.mode), col(Booking.start_at),
                  col(Booking.end_at), col(Booking.duration_min), col(Booking.price_minor), col(Booking.currency),
                  col(Booking.paid_at), col(Booking.cancelled_at), col(Booking.cancelled_by), col(Booking.refund_minor))
        .join(TutorProfile, TutorProfile.id == Booking.tutor_id)  # type: ignore[arg-type]
    )
    if f.status:
        query = query.where(col(Booking.status) == f.status)
    return _page(session, query, col(Booking.id), col(Booking.created_at), f, after, limit)


def _flat(model: Any, header: tuple[str, ...]) -> Any:
    """Rows of one table whose export columns are its own fields, named as in the header, with the
    list's status filter (payments, refunds, payouts)."""
    def rows(session: Session, f: ExportFilters, after: int, limit: int) -> list[tuple[int, list[Any]]]:
        query = sa_select(*(col(getattr(model, name)) for name in header))
        if f.status:
            query = query.where(col(model.status) == f.status)
        return _page(session, query, col(model.id), col(model.created_at), f, after, limit)
    return rows


PAYMENT_COLUMNS = ("id", "reference", "created_at", "user_id", "purpose", "booking_id", "amount_minor", "currency",
                   "gateway", "status", "refunded_minor", "succeeded_at")
REFUND_COLUMNS = ("id", "reference", "created_at", "user_id", "payment_id", "booking_id", "amount_minor", "currency",
                  "destination", "status", "reason", "completed_at")
PAYOUT_COLUMNS = ("id", "reference", "created_at", "tutor_user_id", "amount_minor", "currency", "status", "gateway",
                  "destination", "note", "decided_at", "paid_at")


def _ledger(session: Session, f: ExportFilters, after: int, limit: int) -> list[tuple[int, list[Any]]]:
    """Entries in entry order; the range is on their transaction's time. Amount: + debit, − credit."""
    query = (
        sa_select(col(LedgerEntry.id), col(LedgerEntry.transaction_id), col(LedgerTransaction.created_at),
                  col(LedgerTransaction.kind), col(LedgerAccount.code), col(LedgerEntry.unit), col(LedgerEntry.amount),
                  col(LedgerTransaction.user_id), col(LedgerTransaction.booking_id), col(LedgerTransaction.payment_id),
                  col(LedgerTransaction.memo))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)  # type: ignore[arg-type]
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
    )
    return _page(session, query, col(LedgerEntry.id), col(LedgerTransaction.created_at), f, after, limit)


_campaigns_table: dict[str, Table | None] = {}


def campaigns_table(session: Session) -> Table | None:
    """The `campaigns` table as the database has it, or None (the growth domain is not installed)."""
    key = str(session.connection().engine.url)
    if key not in _campaigns_table or _campaigns_table[key] is None:
        found = inspect(session.connection()).has_table("campaigns")
        _campaigns_table[key] = Table("campaigns", MetaData(), autoload_with=session.connection()) if found else None
    return _campaigns_table[key]


def _campaign_header(session: Session) -> tuple[str, ...]:
    table = campaigns_table(session)
    return CAMPAIGN_COLUMNS if table is None else tuple(c for c in CAMPAIGN_COLUMNS if c in table.c)


def _campaigns(session: Session, f: ExportFilters, after: int, limit: int) -> list[tuple[int, list[Any]]]:
    table = campaigns_table(session)
    if table is None:
        return []
    columns = [table.c[c] for c in CAMPAIGN_COLUMNS if c in table.c]
    query = sa_select(*columns)
    if f.status and "status" in table.c:
        query = query.where(table.c.status == f.status)
    created = table.c.created_at if "created_at" in table.c else table.c.id
    if "created_at" not in table.c:
        f = ExportFilters(status=f.status)
    return _page(session, query, table.c.id, created, f, after, limit)


register_export("users", ExportSpec(
    ("id", "email", "phone", "full_name", "role", "suspended", "timezone", "created_at"), _users,
    statuses=("active", "suspended"), roles=Role.ALL, searchable=True))
register_export("bookings", ExportSpec(
    ("id", "created_at", "status", "kind", "student_id", "tutor_user_id", "subject", "mode", "start_at", "end_at",
     "duration_min", "price_minor", "currency", "paid_at", "cancelled_at", "cancelled_by", "refund_minor"),
    _bookings, statuses=BookingStatus.ALL))
register_export("payments", ExportSpec(
    PAYMENT_COLUMNS, _flat(Payment, PAYMENT_COLUMNS),
    statuses=tuple(v for k, v in vars(PaymentStatus).items() if k.isupper())))
register_export("refunds", ExportSpec(
    REFUND_COLUMNS, _flat(Refund, REFUND_COLUMNS), statuses=("pending", "succeeded", "failed")))
register_export("payouts", ExportSpec(
    PAYOUT_COLUMNS, _flat(Payout, PAYOUT_COLUMNS),
    statuses=tuple(v for k, v in vars(PayoutStatus).items() if k.isupper() and isinstance(v, str))))
register_export("ledger", ExportSpec(
    ("entry_id", "transaction_id", "created_at", "kind", "account", "unit", "amount", "user_id", "booking_id",
     "payment_id", "memo"), _ledger))
register_export("campaigns", ExportSpec(
    _campaign_header, _campaigns, statuses=("DRAFT", "SCHEDULED", "ACTIVE", "PAUSED", "COMPLETED", "CANCELLED")))
