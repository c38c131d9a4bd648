"""Precomputed dashboard figures: one row per (UTC day, currency, metric), and one row per user and
UTC day on which that user was active.

Why this shape:
- The admin dashboard must answer over years of ledger entries in well under a second, so the
  figures are summed once per day by services/ops/daily_aggregates.py (refreshed hourly for
  yesterday and today, rebuilt in full by `python -m tutorhub rebuild-metrics`) and the dashboard
  adds up at most a few thousand small rows.
- Money figures are per currency (`currency` = ISO code); counts use currency "" (no currency).
  Flows (GMV, revenue, refunds, ad spend) are the day's sums; stocks (escrow, payouts pending) are
  stored as the day's net change, so the stock at any day's end is the sum of changes up to it.
- The hourly refresh reads one day of ledger transactions; without an index on their time it
  would scan every entry, so this module adds `ix_ledger_transactions_created` to the ledger's
  table (declared here, beside its only reader, and created by this domain's migration).
- Distinct counts (active users) cannot be added across days, so `user_activity_days` keeps who was
  active on which day (one small row each), with the month of the day and of the user's sign-up
  for the cohort table; week and month distinct counts are stored as metrics at the bucket's first day.
- Counting distinct users over a long range from those day rows reads every active day of every
  user (measured: p95 557 ms on SQLite, 645 ms on PostgreSQL for twelve months at 200,000
  bookings). So `user_activity_months` and `user_activity_weeks` roll them up to one row per user
  and calendar month / ISO week (Monday first) the user was active in: a range is answered from
  its whole months, then whole weeks, then the few remaining days, as one UNION of user ids, which
  stays exact (a user active on three days of a month is one row). They are derived only from
  `user_activity_days`, rewritten for every month and week a refresh touches, so a refresh run
  twice gives the same rows.
- That UNION still reads one row per user and month: twelve months by day measured p95 417 ms on
  PostgreSQL under load. `user_activity_bits` holds the same user ids once more, per role and day /
  ISO week / calendar month, as one compressed bit set (bit n set = user n active): a range's
  distinct count ORs at most a few dozen of them (services/ops/activity_bits.py) and stays exact.
  Day sets are written from the day rows, week and month sets as the OR of their days' sets, in the
  same refresh transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow
from tutorhub.models.money import LedgerTransaction


class MetricDaily(SQLModel, table=True):
    __tablename__ = "metric_daily"
    __table_args__ = (UniqueConstraint("day", "currency", "metric", name="uq_metric_daily_key"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date
    currency: str = Field(default="", max_length=3)  # "" for counts
    metric: str = Field(max_length=32)
    value: int = Field(default=0, sa_type=BigInteger)
    refreshed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class UserActivityDay(SQLModel, table=True):
    __tablename__ = "user_activity_days"
    __table_args__ = (
        UniqueConstraint("day", "user_id", name="uq_user_activity_days_key"),
        Index("ix_user_activity_days_role_day", "role", "day", "user_id"),
        Index("ix_user_activity_days_month", "month", "cohort_month", "role", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: date
    month: date  # first day of the month of `day`
    user_id: int
    role: str = Field(max_length=16)
    cohort_month: date  # first day of the month the user signed up in


# The daily refresh's range scan of the ledger (see the module docstring).
Index("ix_ledger_transactions_created", LedgerTransaction.__table__.c.created_at)  # type: ignore[attr-defined]


class UserActivityMonth(SQLModel, table=True):
    """One row per user, role and calendar month in which `user_activity_days` has that user."""

    __tablename__ = "user_activity_months"
    __table_args__ = (
        UniqueConstraint("month", "user_id", "role", name="uq_user_activity_months_key"),
        Index("ix_user_activity_months_role_month", "role", "month", "user_id"),
        Index("ix_user_activity_months_cohort", "month", "cohort_month", "role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: date  # first day of the calendar month
    user_id: int
    role: str = Field(max_length=16)
    cohort_month: date  # first day of the month the user signed up in


class UserActivityWeek(SQLModel, table=True):
    """One row per user, role and ISO week (starting Monday) in which `user_activity_days` has that user."""

    __tablename__ = "user_activity_weeks"
    __table_args__ = (
        UniqueConstraint("week", "user_id", "role", name="uq_user_activity_weeks_key"),
        Index("ix_user_activity_weeks_role_week", "role", "week", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    week: date  # the Monday the week starts on
    user_id: int
    role: str = Field(max_length=16)


class UserActivityBits(SQLModel, table=True):
    """The ids of the users of one role active in one UTC day, ISO week or calendar month, as a bit
    set: zlib of the little-endian bytes of an integer whose bit n is set when user n was active."""

    __tablename__ = "user_activity_bits"
    __table_args__ = (UniqueConstraint("span", "role", "start", name="uq_user_activity_bits_key"),)

    id: int | None = Field(default=None, primary_key=True)
    span: str = Field(max_length=5)  # "day" | "week" | "month"
    role: str = Field(max_length=16)
    start: date  # the day, the Monday of the week, the first of the month
    users: int = 0  # how many bits are set
    bits: bytes = Field(sa_type=LargeBinary)
