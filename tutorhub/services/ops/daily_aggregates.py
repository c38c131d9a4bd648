"""The dashboard's precomputed daily figures (models/metrics.py): refreshed hourly for yesterday and
today by the `refresh_metrics` job, rebuilt from the first record by `python -m tutorhub rebuild-metrics`.

Freshness: the dashboard reads only these tables, so today's figures are at most one hour old
(the job runs at :07 every hour); the API says when they were last computed (`fresh_as_of`).

Days are UTC days. Money figures come from the ledger through money/finance.classified_flows (the
same classification as the finance page); stocks (escrow, payouts pending) are stored as each day's
net change of the escrow and tutor payout-hold accounts, so any day's closing stock is the sum of
the changes up to it and agrees with the ledger to the minor unit.

"Active" on a day (a user, by role): made a booking (hold) that day; had a lesson starting that day
(student and tutor; lessons that went ahead or are going ahead, not cancelled/declined/expired
ones); logged in successfully; or had a payment succeed. Admin accounts are never counted.

A refresh deletes and rewrites the rows of the days (and the weeks and months holding them) it
covers, so running it twice gives the same rows. The per-user week and month rollups
(models/metrics.py: user_activity_weeks / user_activity_months) are rewritten the same way, from
the day rows of every week and month the refresh touches (days outside the refreshed range but
inside those weeks and months are already stored), in the same transaction, and so are the bit
sets of the refreshed days and of those weeks and months (services/ops/activity_bits.py), from
which distinct active counts over any range are read (`distinct_active`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tutorhub.models.accounts import LoginEvent, Role, User
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.metrics import MetricDaily, UserActivityBits, UserActivityDay, UserActivityMonth, UserActivityWeek
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Payment
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.money.finance import classified_flows
from tutorhub.services.ops import activity_bits

MONEY_FLOWS = ("gmv", "revenue", "refunds", "ad_spend")
STOCK_CHANGES = {"escrow": "escrow_change", "payout_hold": "payout_hold_change"}
DAY_COUNTS = ("signups", "signups_student", "signups_tutor", "holds", "paid_bookings", "active_students", "active_tutors")
WEEK_COUNTS = ("active_students_week", "active_tutors_week")
MONTH_COUNTS = ("active_students_month", "active_tutors_month")
DAILY_METRICS = MONEY_FLOWS + tuple(STOCK_CHANGES.values()) + DAY_COUNTS
_ROLE_KEYS = {Role.STUDENT: "students", Role.TUTOR: "tutors"}
_NOT_A_LESSON = set(BookingStatus.RELEASED) | {BookingStatus.PENDING_PAYMENT}
CHUNK = 5000
# Distinct-active counts per (database, range, freshness) that services/ops/metrics.py has read:
# valid until the next refresh (which empties it here; other processes see a new `fresh_as_of`).
ACTIVE_MEMO: dict[tuple[object, ...], dict[str, int]] = {}


class RefreshOut(BaseModel):
    first_day: date
    last_day: date
    metric_rows: int
    activity_rows: int


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _in_range(column, since: datetime, until: datetime):
    return (col(column) >= since) & (col(column) < until)


def _money(session: Session, since: datetime, until: datetime) -> dict[tuple[date, str, str], int]:
    """(day, currency, metric) → amount: GMV, revenue, refunds, ad spend and the stock changes."""
    out: dict[tuple[date, str, str], int] = defaultdict(int)
    for created, figure, unit, amount in classified_flows(session, since=since, until=until):
        out[(utc_day(created), unit, figure)] += amount
    stocks = session.execute(
        sa_select(col(LedgerTransaction.created_at), col(LedgerAccount.kind), col(LedgerEntry.unit), col(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)  # type: ignore[arg-type]
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)  # type: ignore[arg-type]
        .where(col(LedgerAccount.kind).in_(tuple(STOCK_CHANGES)), col(LedgerEntry.unit).not_in(("MIN", "LEAD")))
        .where(_in_range(LedgerTransaction.created_at, since, until))
    )
    for created, kind, unit, amount in stocks:
        out[(utc_day(created), str(unit), STOCK_CHANGES[str(kind)])] -= int(amount)  # credit-normal: − is more
    return out


def _activity(session: Session, since: datetime, until: datetime) -> set[tuple[date, int]]:
    """(day, user id) for everyone active in [since, until) (see the module docstring)."""
    seen: set[tuple[date, int]] = set()
    for created, student in session.execute(
        sa_select(col(Booking.created_at), col(Booking.student_id)).where(_in_range(Booking.created_at, since, until))
    ):
        seen.add((utc_day(created), int(student)))
    lessons = (
        sa_select(col(Booking.start_at), col(Booking.student_id), col(TutorProfile.user_id))
        .join(TutorProfile, TutorProfile.id == Booking.tutor_id)  # type: ignore[arg-type]
        .where(_in_range(Booking.start_at, since, until), col(Booking.status).not_in(tuple(_NOT_A_LESSON)))
    )
    for start, student, tutor in session.execute(lessons):
        seen.update({(utc_day(start), int(student)), (utc_day(start), int(tutor))})
    for created, user_id in session.execute(
        sa_select(col(LoginEvent.created_at), col(LoginEvent.user_id)).where(
            col(LoginEvent.success), col(LoginEvent.user_id).is_not(None), _in_range(LoginEvent.created_at, since, until))
    ):
        seen.add((utc_day(created), int(user_id)))
    for paid, user_id in session.execute(
        sa_select(col(Payment.succeeded_at), col(Payment.user_id)).where(_in_range(Payment.succeeded_at, since, until))
    ):
        seen.add((utc_day(paid), int(user_id)))
    return seen


def _users(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, date]]:
    """user id → (role, sign-up month) for non-admin users among `ids`."""
    wanted, found = sorted(set(ids)), {}
    for i in range(0, len(wanted), CHUNK):
        for uid, role, created in session.execute(
            sa_select(col(User.id), col(User.role), col(User.created_at)).where(
                col(User.id).in_(wanted[i:i + CHUNK]), col(User.role) != Role.ADMIN)
        ):
            found[int(uid)] = (str(role), month_start(utc_day(created)))
    return found


def _counts(session: Session, since: datetime, until: datetime) -> dict[tuple[date, str], int]:
    """(day, metric) → count: sign-ups (by role), holds made, bookings paid."""
    out: dict[tuple[date, str], int] = defaultdict(int)
    for created, role in session.execute(
        sa_select(col(User.created_at), col(User.role)).where(col(User.role) != Role.ADMIN, _in_range(User.created_at, since, until))
    ):
        out[(utc_day(created), "signups")] += 1
        if role in _ROLE_KEYS:
            out[(utc_day(created), f"signups_{role}")] += 1
    for (created,) in session.execute(sa_select(col(Booking.created_at)).where(_in_range(Booking.created_at, since, until))):
        out[(utc_day(created), "holds")] += 1
    for (paid,) in session.execute(sa_select(col(Booking.paid_at)).where(_in_range(Booking.paid_at, since, until))):
        out[(utc_day(paid), "paid_bookings")] += 1
    return out


def _roll_up(session: Session, weeks: list[date], months: list[date]) -> None:
    """Rewrite the per-user rows of these ISO weeks and calendar months from the day rows (one row
    per user and role that has any day in the bucket). The cohort month is the user's sign-up month,
    the same on every day row of a user (MIN only makes the grouping well defined)."""
    if months:
        session.execute(delete(UserActivityMonth).where(col(UserActivityMonth.month).in_(months)))
        session.execute(insert(UserActivityMonth).from_select(
            ["month", "user_id", "role", "cohort_month"],
            sa_select(col(UserActivityDay.month), col(UserActivityDay.user_id), col(UserActivityDay.role),
                      func.min(col(UserActivityDay.cohort_month)))
            .where(col(UserActivityDay.month).in_(months))
            .group_by(col(UserActivityDay.month), col(UserActivityDay.user_id), col(UserActivityDay.role))))
    if weeks:
        session.execute(delete(UserActivityWeek).where(col(UserActivityWeek.week).in_(weeks)))
    for week in weeks:
        session.execute(insert(UserActivityWeek).from_select(
            ["week", "user_id", "role"],
            sa_select(literal(week, UserActivityWeek.__table__.c.week.type), col(UserActivityDay.user_id),  # type: ignore[attr-defined]
                      col(UserActivityDay.role))
            .where(col(UserActivityDay.day) >= week, col(UserActivityDay.day) < week + timedelta(days=7))
            .group_by(col(UserActivityDay.user_id), col(UserActivityDay.role))))


def _bucket_counts(session: Session, weeks: list[date], months: list[date]) -> list[tuple[date, str, str, int]]:
    """(bucket start, "week" | "month", role key, distinct active users) from the rollups: each
    user has one row per bucket and role, so a plain count is the distinct count."""
    out: list[tuple[date, str, str, int]] = []
    for model, column, values, suffix in ((UserActivityWeek, UserActivityWeek.week, weeks, "week"),
                                          (UserActivityMonth, UserActivityMonth.month, months, "month")):
        if not values:
            continue
        for start, role, n in session.execute(
            sa_select(col(column), col(model.role), func.count()).where(  # type: ignore[attr-defined]
                col(column).in_(values), col(model.role).in_(tuple(_ROLE_KEYS)))  # type: ignore[attr-defined]
            .group_by(col(column), col(model.role))  # type: ignore[attr-defined]
        ):
            if n:
                out.append((start, suffix, _ROLE_KEYS[str(role)], int(n)))
    return out


def span_pieces(first: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]], list[tuple[date, date]]]:
    """Cover [first, end) exactly with whole calendar months, then whole ISO weeks inside what is
    left, then single days: (months [a, b) or None, week ranges [a, b) of Mondays, day ranges [a, b))."""
    m0 = first if first.day == 1 else next_month(first)
    m1 = month_start(end)
    months, rest = None, [(first, end)]
    if m0 < m1:
        months, rest = (m0, m1), [(first, m0), (m1, end)]
    weeks: list[tuple[date, date]] = []
    days: list[tuple[date, date]] = []
    for a, b in rest:
        if a >= b:
            continue
        w0 = a + timedelta(days=(7 - a.weekday()) % 7)
        w1 = w0 + timedelta(days=7 * ((b - w0).days // 7)) if w0 < b else w0
        if w0 < w1:
            weeks.append((w0, w1))
            days += [(x, y) for x, y in ((a, w0), (w1, b)) if x < y]
        else:
            days.append((a, b))
    return months, weeks, days


def distinct_active(session: Session, first: date, last: date) -> dict[str, int]:
    """Distinct students / tutors active on any UTC day of [first, last] (inclusive), exact: the OR
    of the bit sets of the range's whole months, whole weeks of what is left and remaining days
    (services/ops/activity_bits.py), at most a few dozen small rows per role."""
    months, weeks, days = span_pieces(first, last + timedelta(days=1))
    pieces = [("month", *months)] if months else []
    pieces += [("week", a, b) for a, b in weeks] + [("day", a, b) for a, b in days]
    return activity_bits.count_active(session, pieces)


def _cohort_cells(session: Session, months: list[date], now: datetime) -> list[dict[str, object]]:
    """Per activity month: how many of each sign-up cohort were active, in all and by role, stored as
    metric "cohort_{all|student|tutor}:{YYYY-MM of the cohort}" on the activity month's first day."""
    rows: list[dict[str, object]] = []
    for month in months:
        found: dict[str, int] = defaultdict(int)
        for cohort, role, n in session.execute(
            sa_select(col(UserActivityMonth.cohort_month), col(UserActivityMonth.role), func.count())
            .where(col(UserActivityMonth.month) == month)
            .group_by(col(UserActivityMonth.cohort_month), col(UserActivityMonth.role))
        ):
            label = cohort.strftime("%Y-%m")
            found[f"cohort_all:{label}"] += int(n)
            if role in _ROLE_KEYS:
                found[f"cohort_{role}:{label}"] += int(n)
        rows += [{"day": month, "currency": "", "metric": metric, "value": n, "refreshed_at": now}
                 for metric, n in sorted(found.items())]
    return rows


def _insert(session: Session, model: type, rows: list[dict[str, object]]) -> None:
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[i:i + CHUNK])


def refresh_days(session: Session, *, first_day: date, last_day: date, now: datetime) -> RefreshOut:
    """Recompute every figure of the UTC days first_day..last_day (inclusive), and the distinct
    active counts of the weeks and months that hold them. Idempotent: rows are replaced."""
    since, until = day_start(first_day), day_start(last_day + timedelta(days=1))
    session.execute(delete(UserActivityDay).where(col(UserActivityDay.day) >= first_day, col(UserActivityDay.day) <= last_day))
    active = _activity(session, since, until)
    users = _users(session, (uid for _day, uid in active))
    activity_rows: list[dict[str, object]] = [
        {"day": day, "month": month_start(day), "user_id": uid, "role": users[uid][0], "cohort_month": users[uid][1]}
        for day, uid in sorted(active) if uid in users
    ]
    _insert(session, UserActivityDay, activity_rows)
    counts = _counts(session, since, until)
    for row in activity_rows:
        if row["role"] in _ROLE_KEYS:
            counts[(row["day"], f"active_{_ROLE_KEYS[str(row['role'])]}")] += 1  # type: ignore[index]
    metric_rows: list[dict[str, object]] = [
        {"day": day, "currency": cur, "metric": metric, "value": value, "refreshed_at": now}
        for (day, cur, metric), value in sorted(_money(session, since, until).items()) if value
    ]
    metric_rows += [{"day": day, "currency": "", "metric": metric, "value": value, "refreshed_at": now}
                    for (day, metric), value in sorted(counts.items()) if value]
    weeks = sorted({week_start(first_day + timedelta(days=n)) for n in range((last_day - first_day).days + 1)})
    months = sorted({month_start(w) for w in weeks} | {month_start(last_day)})
    months = [m for m in months if next_month(m) > first_day and m <= last_day]
    _roll_up(session, weeks, months)
    activity_bits.rewrite(session, "day", [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)],
                          ((r["day"], r["role"], r["user_id"]) for r in activity_rows))  # type: ignore[misc]
    activity_bits.rewrite_rollups(session, weeks, months)
    for start, suffix, key, n in _bucket_counts(session, weeks, months):
        metric_rows.append({"day": start, "currency": "", "metric": f"active_{key}_{suffix}", "value": n, "refreshed_at": now})
    metric_rows += _cohort_cells(session, months, now)
    session.execute(delete(MetricDaily).where(col(MetricDaily.day).in_(months), col(MetricDaily.metric).like("cohort_%")))
    session.execute(delete(MetricDaily).where(
        col(MetricDaily.day) >= first_day, col(MetricDaily.day) <= last_day, col(MetricDaily.metric).in_(DAILY_METRICS)))
    session.execute(delete(MetricDaily).where(col(MetricDaily.day).in_(weeks), col(MetricDaily.metric).in_(WEEK_COUNTS)))
    session.execute(delete(MetricDaily).where(col(MetricDaily.day).in_(months), col(MetricDaily.metric).in_(MONTH_COUNTS)))
    _insert(session, MetricDaily, metric_rows)
    ACTIVE_MEMO.clear()
    return RefreshOut(first_day=first_day, last_day=last_day, metric_rows=len(metric_rows), activity_rows=len(activity_rows))


def refresh_recent(session: Session, *, now: datetime) -> RefreshOut:
    """The hourly job: yesterday (late postings, holds paid after midnight) and today so far."""
    today = utc_day(now)
    return refresh_days(session, first_day=today - timedelta(days=1), last_day=today, now=now)


def refresh_now(session: Session, *, actor: UserOut | None, now: datetime) -> RefreshOut:
    """The dashboard's "Refresh now" (admins only): what the hourly job does, at once."""
    require_role(actor, Role.ADMIN)
    return refresh_recent(session, now=now)


def first_record_day(session: Session) -> date | None:
    """The earliest UTC day anything the dashboard counts happened on."""
    firsts = [
        session.execute(sa_select(func.min(col(User.created_at)))).scalar(),
        session.execute(sa_select(func.min(col(LedgerTransaction.created_at)))).scalar(),
        session.execute(sa_select(func.min(col(Booking.created_at)))).scalar(),
        session.execute(sa_select(func.min(col(Booking.start_at)))).scalar(),
    ]
    days = [utc_day(f) if isinstance(f, datetime) else None for f in firsts]
    found = [d for d in days if d is not None]
    return min(found) if found else None


def rebuild_all(session: Session, *, now: datetime) -> RefreshOut:
    """Everything from the first record to today, in one pass per source (after a restore, a bug
    fix, or on a database that predates the dashboard)."""
    today = utc_day(now)
    first = min(first_record_day(session) or today, today)
    session.execute(delete(MetricDaily))
    session.execute(delete(UserActivityDay))
    session.execute(delete(UserActivityWeek))
    session.execute(delete(UserActivityMonth))
    session.execute(delete(UserActivityBits))
    return refresh_days(session, first_day=first, last_day=today, now=now)
