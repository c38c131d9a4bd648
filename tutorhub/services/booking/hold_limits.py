"""Bounds on unpaid holds: a hold takes a tutor's time before any money moves, so without bounds a
new student with an empty wallet could block a tutor's whole week, again every 15 minutes.

The limits (the same for the UI and the API, enforced here, under a per-student lock):

- **3 unpaid single holds at a time** (`MAX_UNPAID_HOLDS`): single and trial lessons waiting for
  payment whose 15 minutes have not run out. A 4th is refused with `TooManyHolds` (HTTP 409 — a
  conflict with the student's own state, resolved by paying or releasing a held lesson; 429 is kept
  for "too often"). Paying, releasing (cancel) or letting a hold expire frees a place.
- **A weekly series only when it is covered** (`SeriesNotCovered`, HTTP 402): series are paid from
  the wallet or with credits (never by card), so they can be held only when the wallet, in the
  series' currency, covers every lesson held — or the credit minutes cover every lesson's minutes.
  Lessons of other series still waiting for payment count against the same balance, so one wallet
  cannot back several series at once.
- **20 hold attempts per student per hour** (`MAX_ATTEMPTS_PER_HOUR`): every call to hold a lesson or
  a series counts, whether it succeeds or is refused (taken slot, invalid time, the limits above).
  The 21st within an hour is `HoldRateLimited` (HTTP 429 with `Retry-After`: when the oldest counted
  attempt leaves the window). The attempts live in the database (`hold_attempts`), so the limit
  holds across app replicas; when a hold is refused its partial work is rolled back to a savepoint
  and the attempt committed before the error goes on (like a refused login), so a refusal still
  counts.

Race safety: `hold_attempt` takes a per-student lock first (PostgreSQL: a transaction-scoped
advisory lock on the student; SQLite: the database write lock, which a write transaction holds from
BEGIN IMMEDIATE), so the counts are checked and the hold is written before another request of the
same student can count — never check-then-insert. The booking path then takes the tutor lock
(guard.py); the student lock always comes first, so the two cannot deadlock.

Balances: booking sits below money and billing in the domain order, so the wallet and credit
balances are read here from their tables with the same queries as `money.ledger.balance` and
`billing.credits.credit_summary` (a test pins them equal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from math import ceil
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from tutorhub.db import lock_key
from tutorhub.models.bookings import Booking, BookingKind, BookingStatus, HoldAttempt
from tutorhub.models.credits import CreditLot
from tutorhub.models.money import LedgerAccount, LedgerEntry
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.currency import format_money
from tutorhub.services.errors import Conflict, DomainError, RateLimited

T = TypeVar("T")
MAX_UNPAID_HOLDS = 3
MAX_ATTEMPTS_PER_HOUR = 20
ATTEMPT_WINDOW = timedelta(hours=1)


class TooManyHolds(Conflict):
    """A 4th unpaid single hold (HTTP 409)."""

    def __init__(self, held: int) -> None:
        super().__init__(
            f"You already have {held} lessons held and awaiting payment (at most {MAX_UNPAID_HOLDS} at a time). "
            "Pay for one or release it before holding another.",
            extra={"unpaid_holds": held, "max_unpaid_holds": MAX_UNPAID_HOLDS},
        )


class HoldRateLimited(RateLimited):
    """Over 20 hold attempts in an hour (HTTP 429 + Retry-After)."""

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, ceil(retry_after_seconds / 60))
        super().__init__(
            f"Too many attempts to hold lessons (at most {MAX_ATTEMPTS_PER_HOUR} an hour). "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            retry_after_seconds=retry_after_seconds,
        )


class SeriesNotCovered(DomainError):
    """The wallet and the credits each fall short of the series (HTTP 402 Payment Required)."""

    status_code = 402


class HoldStatusOut(BaseModel):
    unpaid_holds: int  # single/trial lessons held and waiting for payment
    max_unpaid_holds: int


def lock_student(session: Session, student_id: int) -> None:
    """Serialize this student's hold attempts until the transaction ends (see the module doc)."""
    if session.get_bind().dialect.name == "postgresql":
        lock_key(session, f"booking-holds:student:{student_id}")
        return
    conn = session.connection()
    if conn.get_execution_options().get("sqlite_begin", "IMMEDIATE") == "DEFERRED":
        # A deferred transaction takes the write lock at its first write: take it now.
        session.execute(text("UPDATE users SET id = id WHERE id = :id"), {"id": student_id})


def unpaid_holds_count(student_id: int, now: datetime) -> Any:
    """SQL scalar subquery: single and trial lessons this student holds, unpaid, whose hold has not
    run out (to be folded into another query, e.g. the booking path's tutor lookup)."""
    return select(func.count()).select_from(Booking).where(
        col(Booking.student_id) == student_id,
        col(Booking.status) == BookingStatus.PENDING_PAYMENT,
        col(Booking.series_id).is_(None),
        col(Booking.hold_expires_at) > now,
    ).scalar_subquery()


def unpaid_holds(session: Session, student_id: int, now: datetime) -> int:
    """Single and trial lessons this student holds, unpaid, whose hold has not run out."""
    return int(session.exec(select(unpaid_holds_count(student_id, now))).one())


def check_unpaid_holds(session: Session, student_id: int, now: datetime, held: int | None = None) -> None:
    """TooManyHolds when the student already holds the maximum (call under `hold_attempt`);
    `held`: the count, when the caller already read it (`unpaid_holds_count`) under the lock."""
    held = unpaid_holds(session, student_id, now) if held is None else held
    if held >= MAX_UNPAID_HOLDS:
        raise TooManyHolds(held)


# PostgreSQL: the window's old rows go, the recent ones are counted and this attempt is counted when
# under the limit, all in one round trip (every part sees the statement's snapshot, taken after the
# student lock; the count excludes the deleted rows by its own condition). The transaction's commit
# is made asynchronous here (`synchronous_commit` off) and made durable again when the hold succeeds:
# a refused attempt's commit only records the attempt, which need not wait for the disk.
_PG_COUNT_ATTEMPT = text("""
WITH gone AS (DELETE FROM hold_attempts WHERE student_id = :s AND created_at <= :since),
recent AS (SELECT count(*) AS n, min(created_at) AS oldest FROM hold_attempts
           WHERE student_id = :s AND created_at > :since),
counted AS (INSERT INTO hold_attempts (student_id, kind, created_at)
            SELECT :s, :kind, :now FROM recent WHERE n < :most RETURNING id)
SELECT n, oldest, set_config('synchronous_commit', 'off', true) FROM recent
""")


def _count_attempt(session: Session, student_id: int, kind: str, now: datetime) -> None:
    """Under the student lock: forget attempts older than the window, refuse a 21st (HoldRateLimited),
    else record this attempt."""
    since = now - ATTEMPT_WINDOW
    if session.get_bind().dialect.name == "postgresql":
        count, oldest, _ = session.execute(
            _PG_COUNT_ATTEMPT, {"s": student_id, "since": since, "kind": kind, "now": now, "most": MAX_ATTEMPTS_PER_HOUR}
        ).one()
    else:
        session.execute(delete(HoldAttempt).where(
            col(HoldAttempt.student_id) == student_id, col(HoldAttempt.created_at) <= since))
        count, oldest = session.execute(
            sa_select(func.count(), func.min(HoldAttempt.created_at)).where(
                col(HoldAttempt.student_id) == student_id, col(HoldAttempt.created_at) > since)
        ).one()
        if count < MAX_ATTEMPTS_PER_HOUR:
            session.execute(insert(HoldAttempt).values(student_id=student_id, kind=kind, created_at=now))
    if count >= MAX_ATTEMPTS_PER_HOUR and oldest is not None:
        if oldest.tzinfo is None:  # SQLite hands aggregates back without the column type
            oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=now.tzinfo)
        raise HoldRateLimited(max(1, ceil((oldest + ATTEMPT_WINDOW - now).total_seconds())))


class DurableCommitNeeded(Exception):  # noqa: N818  (a signal to the caller, not an error)
    """A hold begun relaxed (`relax_if_refused` expected a refusal) is about to write a booking:
    the caller rolls back and runs the attempt again with a durable commit."""


def relax_if_refused(session: Session, refused: Callable[[Session], bool]) -> bool:
    """SQLite only, on a session that has not begun: ask `refused` (a read, in its own deferred
    transaction) whether this hold will certainly be refused; if so, the write transaction that
    follows commits without an fsync (db.py, `sqlite_sync`): only the attempt row is at stake, and
    31 of 32 requests for a contested slot would otherwise each wait for the disk while holding the
    database write lock. PostgreSQL does the same within the transaction (`_PG_COUNT_ATTEMPT`).
    If the hold then gets as far as writing a booking, `HoldScope.protect` raises
    `DurableCommitNeeded`. Returns whether the write transaction was relaxed."""
    if session.get_bind().dialect.name != "sqlite" or session.in_transaction() or session.new or session.dirty \
            or session.deleted:
        return False
    session.connection(execution_options={"sqlite_begin": "DEFERRED"})
    expected = refused(session)
    session.commit()  # ends the read transaction; nothing was written
    if expected:
        session.connection(execution_options={"sqlite_sync": "NORMAL"})
    return expected


class HoldScope:
    """What `hold_attempt` hands to the hold: `protect()` opens the savepoint that a refusal rolls
    back. Call it before the hold's first write; a refusal raised before it (a taken slot, an
    unknown tutor, a limit: reads only) then costs no savepoint round trips."""

    def __init__(self, session: Session, relaxed: bool = False) -> None:
        self._session = session
        self._relaxed = relaxed
        self.savepoint: SessionTransaction | None = None

    def protect(self) -> None:
        if self._relaxed:
            raise DurableCommitNeeded
        if self.savepoint is None:
            self.savepoint = self._session.begin_nested()


@contextmanager
def hold_attempt(session: Session, *, student_id: int, kind: str, now: datetime,
                 lazy: bool = False, relaxed: bool = False) -> Iterator[HoldScope]:
    """Lock the student, refuse a 21st attempt in the hour, count this one, then run the hold.

    The hold runs in a savepoint (opened at once, or by the hold through `HoldScope.protect` when
    `lazy`). A domain error it raises (taken slot, invalid input, a limit) still counts: the
    savepoint is rolled back and the attempt committed before the error goes on — the caller's unit
    of work would otherwise roll it back (the same rule as a refused login). That commit does not
    wait for the disk on PostgreSQL (see `_PG_COUNT_ATTEMPT`); a successful hold's does.
    """
    lock_student(session, student_id)
    _count_attempt(session, student_id, kind, now)
    scope = HoldScope(session, relaxed)
    if not lazy:
        scope.protect()
    try:
        yield scope
    except DomainError:
        # After a failed flush (the exclusion backstop) the savepoint is inactive but still open:
        # it must be rolled back all the same before the attempt can be committed.
        if scope.savepoint is not None and session.get_nested_transaction() is scope.savepoint:
            scope.savepoint.rollback()
        session.commit()
        raise
    if scope.savepoint is not None and session.get_nested_transaction() is scope.savepoint:
        scope.savepoint.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_DURABLE_COMMIT)


_DURABLE_COMMIT = text("SET LOCAL synchronous_commit TO DEFAULT")


def relaxed_hold(session: Session, *, student_id: int, kind: str, now: datetime, refused: Callable[[Session], bool],
                 hold: Callable[[HoldScope], T]) -> T:
    """`hold(scope)` under a lazy `hold_attempt`, its transaction relaxed when `refused` says the hold
    will certainly be refused (`relax_if_refused`); run again durably if it was wrong."""
    relaxed = relax_if_refused(session, refused)
    while True:
        try:
            with hold_attempt(session, student_id=student_id, kind=kind, now=now, lazy=True, relaxed=relaxed) as scope:
                return hold(scope)
        except DurableCommitNeeded:
            session.rollback()  # the time came free since the look: again, with a durable commit
            relaxed = False


def wallet_balance(session: Session, student_id: int, currency: str) -> int:
    """The student's wallet balance in `currency` (minor units), as `money.ledger.balance` computes it."""
    raw = session.exec(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, col(LedgerAccount.id) == col(LedgerEntry.account_id))
        .where(col(LedgerAccount.code) == f"student:{student_id}:wallet", col(LedgerEntry.unit) == currency)
    ).one()
    return -int(raw)  # a wallet is credit-normal


def credit_minutes(session: Session, student_id: int, now: datetime) -> int:
    """Usable credit minutes (unexpired lots), as `billing.credits.credit_summary` counts them."""
    return int(session.exec(
        select(func.coalesce(func.sum(CreditLot.remaining), 0)).where(
            col(CreditLot.user_id) == student_id, col(CreditLot.remaining) > 0, col(CreditLot.expires_at) > now)
    ).one())


def _held_series(session: Session, student_id: int, currency: str, now: datetime) -> tuple[int, int]:
    """(price in `currency`, minutes) of the student's series lessons still waiting for payment."""
    rows = session.exec(
        select(col(Booking.price_minor), col(Booking.currency), col(Booking.duration_min)).where(
            col(Booking.student_id) == student_id,
            col(Booking.status) == BookingStatus.PENDING_PAYMENT,
            col(Booking.kind) == BookingKind.SERIES,
            col(Booking.hold_expires_at) > now,
        )
    ).all()
    return sum(p for p, c, _ in rows if c == currency), sum(m for _, _, m in rows)


def check_series_covered(session: Session, student_id: int, *, lessons: int, price_minor: int, currency: str,
                         duration_min: int, now: datetime) -> None:
    """SeriesNotCovered unless the wallet or the credits cover `lessons` lessons (call under `hold_attempt`)."""
    money_held, minutes_held = _held_series(session, student_id, currency, now)
    need_money, need_minutes = lessons * price_minor, lessons * duration_min
    wallet = wallet_balance(session, student_id, currency) - money_held
    minutes = credit_minutes(session, student_id, now) - minutes_held
    if wallet >= need_money or minutes >= need_minutes:
        return
    missing = need_money - max(0, wallet)
    set_aside = f" ({format_money(money_held, currency)} is set aside for weekly lessons you already hold)" \
        if money_held else ""
    raise SeriesNotCovered(
        f"Weekly lessons are paid from your wallet or with credits, so they can be held only when those cover "
        f"every lesson. These {lessons} lessons cost {format_money(need_money, currency)} and your wallet has "
        f"{format_money(max(0, wallet), currency)}{set_aside}: top up {format_money(missing, currency)} more, "
        f"or use credits ({need_minutes} minutes needed, you have {max(0, minutes)}).",
        extra={"currency": currency, "missing_minor": missing, "needed_minor": need_money,
               "needed_minutes": need_minutes, "credit_minutes": max(0, minutes)},
    )


def hold_status(session: Session, *, actor: UserOut | None, now: datetime) -> HoldStatusOut:
    """How many single holds the signed-in student has waiting for payment, and the maximum."""
    user = require_role(actor, "student")
    return HoldStatusOut(unpaid_holds=unpaid_holds(session, user.id, now), max_unpaid_holds=MAX_UNPAID_HOLDS)
