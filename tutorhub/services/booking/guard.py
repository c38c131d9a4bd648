"""The one path that takes a tutor's time: lock, check, write — never a double booking.

Check-then-insert double-books under concurrency (two transactions both see the slot free).
So every change to a tutor's booked time — a new hold, a paid request, a tutor's accept, a
reschedule, every occurrence of a series, a replacement booking — runs `check_slot` inside the
caller's transaction, then writes:

1. Without the lock, one cheap query: does a booking overlap the bare lesson? Requests that
   already lost leave here (409) without queueing.
2. `lock_tutors` — PostgreSQL: `SELECT … FOR NO KEY UPDATE` on the tutor profile rows (ascending id,
   so paths that lock two tutors cannot deadlock each other). Transactions for one tutor queue
   here; READ COMMITTED then lets the next one see the previous winner's booking. SQLite: the
   write transaction already holds the database write lock from its first statement
   (`BEGIN IMMEDIATE`, db.py); a session opened DEFERRED takes it here by touching the row.
3. Under the lock, the authoritative checks: one query for an overlap of the lesson padded by the
   tutor's buffers (`padded_clash`, the cheap exit for the queue: no calendar is loaded for a
   loser), the tutor's rules via the scheduling engine (422 when the time is outside
   availability, notice, window or lesson lengths), overlapping padded blocks (a hold past its
   15 minutes is expired on the spot instead of counting), then the engine over everything
   `busy_spans` returns (manual blocks, imported calendars, buffers, lessons per day) — 409
   when the time is not free.
4. The caller writes and calls `flush_or_conflict`: on PostgreSQL the exclusion constraint
   `ex_bookings_tutor_block` (migration 0003) is the backstop; exclusion and unique violations,
   deadlocks, serialization and lock failures become `SlotTaken` (409), never a 500.

`LOCKING` and `after_check_hook` exist for the concurrency tests only: the hook widens the gap
between check and write, and switching the lock off shows the tests catch its absence.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.scheduling import SchedulingSettings
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.states import SYSTEM, transition
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.scheduling.calendar_store import busy_for_tutor, load_calendar
from tutorhub.services.scheduling.engine.slot_engine import BusySpan, TutorCalendar, full_days, slot_starts
from tutorhub.services.scheduling.engine.tzclock import MINUTES_PER_DAY, clock_for, day_of, to_minute
from tutorhub.services.scheduling.schedule_input import parse_instant
from tutorhub.services.validation import clean_id, clean_int, fail

LOCKING = True  # tests only: False shows that the concurrency suite fails without the lock
after_check_hook: Callable[[], None] | None = None  # tests only: a pause between check and write
# Busy time two days away can still matter (buffers, lessons per day); the wider reach lets the
# caller's index refresh (free_index.refresh_tutor_free_slots_near) reuse what was read here.
_CAL_REACH = 3 * MINUTES_PER_DAY
_BUSY_REACH = 4 * MINUTES_PER_DAY
# How far `padded_clash` looks around a lesson: buffers beyond this never make it refuse (the full check
# after it still does), they only cost the quick exit.
_CLASH_REACH = timedelta(hours=12)
_CONTENTION_STATES = {"23P01", "23505", "40P01", "40001", "55P03"}


class SlotTaken(Conflict):
    """The time is not free (someone else has it, or got it a moment ago): HTTP 409."""

    def __init__(self, message: str = "This time is no longer free. Please pick another slot.") -> None:
        super().__init__(message, fields={"start": "is not free"})


def holds_tutor_lock(session: Session, tutor_id: int) -> bool:
    """Did this transaction already lock the tutor (so a second lock and re-read are not needed)?"""
    txn = session.get_transaction()
    return txn is not None and session.info.get("tutor_lock_txn") is txn and tutor_id in session.info["tutor_lock_ids"]


def lock_tutors(session: Session, tutor_ids: Iterable[int]) -> None:
    """Serialize every booking change of these tutors until the transaction ends.

    Lock waits that end in a deadlock or a lock timeout are reported as SlotTaken (409).
    """
    ids = sorted(set(tutor_ids))
    if not ids or not LOCKING:
        return
    try:
        if session.get_bind().dialect.name == "sqlite":
            conn = session.connection()
            if conn.get_execution_options().get("sqlite_begin", "IMMEDIATE") == "DEFERRED":
                # A deferred transaction takes the write lock at its first write: take it now.
                session.execute(text("UPDATE tutor_profiles SET id = id WHERE id = :id"), {"id": ids[0]})
        else:
            # FOR NO KEY UPDATE: serializes booking paths (and availability edits, which lock the row
            # FOR UPDATE) without blocking foreign-key checks of unrelated inserts that reference
            # the tutor (e.g. a student's message to them).
            session.execute(
                select(col(TutorProfile.id)).where(col(TutorProfile.id).in_(ids)).with_for_update(key_share=True)
            )
    except DBAPIError as exc:
        if is_contention(exc):
            raise SlotTaken("Someone else is booking this tutor right now. Please try again.") from exc
        raise
    txn = session.get_transaction()
    if session.info.get("tutor_lock_txn") is not txn:
        session.info["tutor_lock_txn"] = txn
        session.info["tutor_lock_ids"] = set()
    session.info["tutor_lock_ids"].update(ids)


def release_stale_holds(session: Session, tutor_id: int, now: datetime, ids: Collection[int] | None = None) -> int:
    """Expire this tutor's holds whose time ran out (all, or those in `ids`), under the tutor
    lock; returns how many."""
    query = select(Booking).where(
        col(Booking.tutor_id) == tutor_id,
        col(Booking.status) == BookingStatus.PENDING_PAYMENT,
        col(Booking.hold_expires_at) <= now,
    )
    if ids is not None:
        if not ids:
            return 0
        query = query.where(col(Booking.id).in_(list(ids)))
    stale = session.exec(query).all()
    for booking in stale:
        transition(session, booking, BookingStatus.EXPIRED, action="expire", actor=SYSTEM, now=now,
                   reason="The 15-minute hold ran out before payment.")
    if stale:
        session.flush()
    return len(stale)


def block_of(start_at: datetime, end_at: datetime, cal: TutorCalendar) -> tuple[datetime, datetime]:
    """The lesson padded by half the tutor's buffer on each side: two blocks are disjoint exactly
    when the lessons are at least max(buffer_before, buffer_after) apart (the engine's rule)."""
    pad = timedelta(seconds=max(cal.buffer_before, cal.buffer_after) * 30)
    return start_at - pad, end_at + pad


def overlapping_bookings(
    session: Session,
    tutor_id: int,
    block_start: datetime,
    block_end: datetime,
    exclude: Collection[int] = (),
    now: datetime | None = None,
) -> list[tuple[int, bool]]:
    """(id, is a stale hold) of blocking bookings whose block overlaps this one — the exclusion
    constraint's test; a stale hold (past its 15 minutes, not yet expired by the job) can be
    released instead of counting as taken."""
    query = sa_select(col(Booking.id), col(Booking.status), col(Booking.hold_expires_at)).where(
        col(Booking.tutor_id) == tutor_id,
        col(Booking.status).in_(BookingStatus.BLOCKING),
        col(Booking.block_start) < block_end,
        col(Booking.block_end) > block_start,
    )
    if exclude:
        query = query.where(col(Booking.id).not_in(list(exclude)))
    return [
        (bid or 0, status == BookingStatus.PENDING_PAYMENT and expires is not None and now is not None and expires <= now)
        for bid, status, expires in session.connection().execute(query.limit(50))
    ]


def bare_overlap_exists(tutor_id: Any, start_at: datetime, end_at: datetime, now: datetime) -> Any:
    """SQL `EXISTS` for "a blocking booking (not a stale hold) overlaps the bare lesson", to be
    folded into another query so the cheap pre-lock check costs no extra round trip."""
    return (
        sa_select(col(Booking.id))
        .where(
            col(Booking.tutor_id) == tutor_id,
            col(Booking.status).in_(BookingStatus.BLOCKING),
            col(Booking.block_start) < end_at,
            col(Booking.block_end) > start_at,
            ~((col(Booking.status) == BookingStatus.PENDING_PAYMENT) & (col(Booking.hold_expires_at) <= now)),
        )
        .exists()
    )


def padded_clash(
    session: Session, tutor_id: int, start_at: datetime, end_at: datetime, now: datetime, exclude: Collection[int] = ()
) -> bool:
    """One query: does a blocking booking (not a stale hold) overlap the lesson padded by the tutor's
    buffers, as `block_of` pads it? True only when the full check would refuse too (given the same
    settings), so a loser whose time collides only through a buffer leaves before the calendar is
    loaded. Bookings more than `_CLASH_REACH` away are not looked at (the full check covers them)."""
    buffers = [
        sa_select(col(column)).where(col(SchedulingSettings.tutor_id) == tutor_id).scalar_subquery()
        for column in (SchedulingSettings.buffer_before_min, SchedulingSettings.buffer_after_min)
    ]
    query = sa_select(col(Booking.block_start), col(Booking.block_end), col(Booking.status),
                      col(Booking.hold_expires_at), *buffers).where(
        col(Booking.tutor_id) == tutor_id,
        col(Booking.status).in_(BookingStatus.BLOCKING),
        col(Booking.block_start) < end_at + _CLASH_REACH,
        col(Booking.block_end) > start_at - _CLASH_REACH,
    )
    if exclude:
        query = query.where(col(Booking.id).not_in(list(exclude)))
    for block_start, block_end, status, expires, before, after in session.connection().execute(query.limit(200)):
        if status == BookingStatus.PENDING_PAYMENT and expires is not None and expires <= now:
            continue  # a stale hold is released by the full check, never counted
        pad = timedelta(seconds=max(before or 0, after or 0) * 30)
        if block_start < end_at + pad and block_end > start_at - pad:
            return True
    return False


def refusal_certain(session: Session, tutor_id: Any, start: Any, duration_min: Any, now: datetime) -> bool:
    """Will this hold certainly be refused (input that does not parse, or a booking already in the
    way of the padded lesson)? A read for hold_limits.relax_if_refused; a wrong "no" costs an fsync."""
    try:
        tid = clean_id(tutor_id, "Tutor not found.")
        start_at = parse_instant(start, "start")
        duration = clean_int(duration_min, "duration_min", minimum=1, maximum=24 * 60)
    except (InvalidInput, NotFound):
        return True
    return padded_clash(session, tid, start_at, start_at + timedelta(minutes=duration), now)


def overlapping_booking(
    session: Session, tutor_id: int, block_start: datetime, block_end: datetime, exclude: Collection[int] = ()
) -> int | None:
    """Id of a blocking booking whose block overlaps this one, if any."""
    found = overlapping_bookings(session, tutor_id, block_start, block_end, exclude)
    return found[0][0] if found else None


def _rules(cal: TutorCalendar, start: int, duration: int, now_min: int, apply_window: bool, field: str) -> None:
    """422 unless the tutor's rules allow a `duration`-minute lesson at `start`."""
    if duration not in cal.lesson_lengths:
        offered = ", ".join(map(str, cal.lesson_lengths))
        raise fail("duration_min", f"this tutor offers {offered}-minute lessons")
    if start < now_min + cal.min_notice_min:
        hours = cal.min_notice_min // 60
        raise fail(field, f"must be at least {hours} hours from now (the tutor's minimum notice)")
    if apply_window and start >= now_min + cal.booking_window_min:
        days = cal.booking_window_min // MINUTES_PER_DAY
        raise fail(field, f"must be within the next {days} days (the tutor's booking window)")
    if start not in slot_starts(cal, [], duration=duration, lo=start, hi=start + duration):
        raise fail(field, "is outside the tutor's available hours (or not on their :00/:30 grid)")


@dataclass(frozen=True, slots=True)
class SlotCheck:
    """What `check_slot` learned under the lock, reusable by the caller's index refresh:
    the calendar (rules within three days of the lesson) and the busy time within four days,
    read after any stale hold was released and before the new lesson was written."""

    cal: TutorCalendar
    block_start: datetime
    block_end: datetime
    busy: list[BusySpan]


def _taken(clashes: list[tuple[int, bool]]) -> bool:
    return any(not stale for _, stale in clashes)


def check_slot(
    session: Session,
    *,
    tutor_id: int,
    zone: str,
    start_at: datetime,
    duration: int,
    now: datetime,
    exclude: Collection[int] = (),
    apply_window: bool = True,
    field: str = "start",
    prechecked: bool = False,
) -> SlotCheck:
    """Take the tutor lock (unless this transaction holds it already) and check that a
    `duration`-minute lesson may start at `start_at`; return the calendar, the lesson's block
    and the busy time around it.

    InvalidInput (422) when the tutor's rules forbid it, SlotTaken (409) when the time is taken
    (a time both taken and invalid may get either answer). Before the lock only one cheap query
    runs: does a booking's block overlap the bare lesson? (If so the padded lesson overlaps it
    too, so this never refuses a free time.) Requests that already lost leave there; the queue
    at the lock leaves through one query too (`padded_clash`, the same test with the buffers). Then, under the lock, the authoritative
    checks: the tutor's rules, overlapping padded blocks (stale holds are released), and the
    engine over all busy time (manual blocks, imported calendars, buffers, lessons per day).
    `prechecked` says the caller already ran the cheap query (`bare_overlap_exists`) itself.
    """
    if start_at.second or start_at.microsecond:
        raise fail(field, "must be a whole minute")
    start, now_min = to_minute(start_at), to_minute(now)
    end_at = start_at + timedelta(minutes=duration)
    if not holds_tutor_lock(session, tutor_id):
        if not prechecked and _taken(overlapping_bookings(session, tutor_id, start_at, end_at, exclude, now)):
            raise SlotTaken()
        lock_tutors(session, [tutor_id])
    if padded_clash(session, tutor_id, start_at, end_at, now, exclude):
        raise SlotTaken()
    cal = load_calendar(session, tutor_id, start - _CAL_REACH, start + duration + _CAL_REACH, zone=zone)
    _rules(cal, start, duration, now_min, apply_window, field)
    block_start, block_end = block_of(start_at, end_at, cal)
    clashes = overlapping_bookings(session, tutor_id, block_start, block_end, exclude, now)
    if _taken(clashes):
        raise SlotTaken()
    release_stale_holds(session, tutor_id, now, [bid for bid, _ in clashes])
    busy = busy_for_tutor(
        session, tutor_id, start - _BUSY_REACH, start + duration + _BUSY_REACH, exclude_booking_ids=exclude
    )
    if start not in slot_starts(cal, busy, duration=duration, lo=start, hi=start + duration):
        if day_of(clock_for(cal.zone).to_local(start)) in full_days(cal, busy):
            raise SlotTaken("The tutor's day is fully booked. Please pick another day.")
        raise SlotTaken()
    if after_check_hook is not None:
        after_check_hook()
    return SlotCheck(cal, block_start, block_end, busy)


def is_contention(exc: BaseException) -> bool:
    """Does this database error mean "another transaction got there first"?"""
    orig: Any = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state in _CONTENTION_STATES:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "unique constraint failed" in message


def flush_or_conflict(session: Session, *, conflict: Callable[[str], Conflict | None] | None = None) -> None:
    """Flush pending writes; a lost race (constraint, deadlock, lock timeout) becomes a 409.

    `conflict(message_of_db_error)` may supply a more precise error (e.g. "trial already used").
    """
    try:
        session.flush()
    except DBAPIError as exc:
        if conflict is not None:
            specific = conflict(str(exc.orig))
            if specific is not None:
                raise specific from exc
        if is_contention(exc):
            raise SlotTaken() from exc
        raise
