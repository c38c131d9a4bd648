"""Reading tutors' scheduling data from the database into the engine's plain data classes.

Two shapes of every read — one tutor (slot pages, incremental refresh) and many tutors at once
(the full rebuild of the search index, which must not issue queries per tutor). Column tuples are
selected instead of ORM rows: the slot page budget is a few milliseconds end to end.

`busy_spans` is the single place that says what makes a tutor busy: the `busy_intervals` table
(manual blocks, imported calendars) and the `bookings` table — every booking whose status still
occupies the time (`BookingStatus.BLOCKING`: holds in PENDING_PAYMENT as source "hold", the rest
as "booking") — and the `class_sessions` of published group classes (`blocking`, source "class",
lesson-like: buffers and lessons-per-day apply to them). Every consumer — slot pages, best times, the search index and the booking path
itself — reads busy time from here, so a taken slot disappears from all of them at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import select as sa_select  # sqlmodel's select is typed for at most four columns
from sqlmodel import Session, col, select

from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.classes import ClassSession
from tutorhub.models.scheduling import (
    AvailabilityOverride,
    AvailabilityRule,
    BusyInterval,
    BusySource,
    SchedulingSettings,
)
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.scheduling.engine.slot_engine import BusySpan, Span, TutorCalendar
from tutorhub.services.scheduling.engine.tzclock import (
    MINUTES_PER_DAY,
    date_of_day,
    day_of_date,
    from_minute,
    to_minute,
    to_minute_ceil,
)
from tutorhub.services.scheduling.schedule_input import weekly_to_days

_DEFAULT = SchedulingSettings(tutor_id=0)
SETTINGS_COLUMNS = (
    col(SchedulingSettings.lesson_lengths),
    col(SchedulingSettings.buffer_before_min),
    col(SchedulingSettings.buffer_after_min),
    col(SchedulingSettings.min_notice_hours),
    col(SchedulingSettings.booking_window_days),
    col(SchedulingSettings.max_lessons_per_day),
)
DEFAULT_SETTINGS = (
    _DEFAULT.lesson_lengths,
    _DEFAULT.buffer_before_min,
    _DEFAULT.buffer_after_min,
    _DEFAULT.min_notice_hours,
    _DEFAULT.booking_window_days,
    _DEFAULT.max_lessons_per_day,
)


def _rows(session: Session, statement: Any) -> Sequence[Any]:
    """Plain tuples through the connection: column reads skip ORM row processing (the slot page
    budget is a few milliseconds end to end)."""
    return session.connection().execute(statement).all()


def _settings_tuple(row: Sequence[Any]) -> tuple:
    lengths, before, after, notice_hours, window_days, per_day = row
    return (
        tuple(sorted(lengths or [60])),
        before,
        after,
        notice_hours * 60,
        window_days * MINUTES_PER_DAY,
        per_day,
    )


def _calendar(
    tutor_id: int,
    zone: str,
    rules: Iterable[tuple[int, int, int]],
    overrides: dict[int, tuple[Span, ...]],
    settings: Sequence[Any],
) -> TutorCalendar:
    lengths, before, after, notice, window, per_day = _settings_tuple(settings)
    return TutorCalendar(
        tutor_id=tutor_id,
        zone=zone,
        weekly=weekly_to_days(rules),
        overrides=overrides,
        lesson_lengths=lengths,
        buffer_before=before,
        buffer_after=after,
        min_notice_min=notice,
        booking_window_min=window,
        max_per_day=per_day,
    )


def _day_range(lo: int, hi: int) -> tuple[int, int]:
    """Local day numbers that can touch the UTC range [lo, hi)."""
    return lo // MINUTES_PER_DAY - 1, (hi - 1) // MINUTES_PER_DAY + 1


def load_calendars(
    session: Session, tutor_ids: list[int] | None, lo: int, hi: int, zones: dict[int, str] | None = None
) -> dict[int, TutorCalendar]:
    """Calendars of many tutors (all with a profile when `tutor_ids` is None), with the dated
    overrides that can affect [lo, hi) epoch minutes. Five queries whatever the count."""
    first_day, last_day = _day_range(lo, hi)
    if zones is None:
        query = select(col(TutorProfile.id), col(TutorProfile.timezone))
        if tutor_ids is not None:
            query = query.where(col(TutorProfile.id).in_(tutor_ids))
        zones = {tid: tz for tid, tz in _rows(session, query) if tid is not None}
    ids = list(zones)
    rules: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    overrides: dict[int, dict[int, tuple[Span, ...]]] = defaultdict(dict)
    settings: dict[int, Sequence[Any]] = {}
    for chunk_start in range(0, len(ids), 2000):
        chunk = ids[chunk_start : chunk_start + 2000]
        for tid, weekday, start, end in _rows(
            session,
            select(
                col(AvailabilityRule.tutor_id),
                col(AvailabilityRule.weekday),
                col(AvailabilityRule.start_min),
                col(AvailabilityRule.end_min),
            ).where(col(AvailabilityRule.tutor_id).in_(chunk)),
        ):
            rules[tid].append((weekday, start, end))
        for tid, day, intervals in _rows(
            session,
            select(
                col(AvailabilityOverride.tutor_id), col(AvailabilityOverride.day), col(AvailabilityOverride.intervals)
            ).where(
                col(AvailabilityOverride.tutor_id).in_(chunk),
                col(AvailabilityOverride.day) >= date_of_day(first_day),
                col(AvailabilityOverride.day) <= date_of_day(last_day),
            ),
        ):
            overrides[tid][day_of_date(day)] = tuple((int(a), int(b)) for a, b in intervals or [])
        for tid, *values in _rows(
            session,
            sa_select(col(SchedulingSettings.tutor_id), *SETTINGS_COLUMNS).where(
                col(SchedulingSettings.tutor_id).in_(chunk)
            ),
        ):
            settings[tid] = values
    return {
        tid: _calendar(tid, zone, rules.get(tid, ()), overrides.get(tid, {}), settings.get(tid, DEFAULT_SETTINGS))
        for tid, zone in zones.items()
    }


def load_calendar(session: Session, tutor_id: int, lo: int, hi: int, zone: str | None = None) -> TutorCalendar:
    """One tutor's calendar for the UTC range [lo, hi) (see `load_calendars`)."""
    if zone is None:
        found = _rows(session, select(col(TutorProfile.timezone)).where(col(TutorProfile.id) == tutor_id))
        zone = found[0][0] if found else "UTC"
    return load_calendars(session, [tutor_id], lo, hi, zones={tutor_id: zone})[tutor_id]


def busy_spans(
    session: Session,
    tutor_ids: list[int] | None,
    lo: int,
    hi: int,
    *,
    exclude_booking_ids: Collection[int] = (),
) -> dict[int, list[BusySpan]]:
    """Everything that makes the tutors busy and overlaps [lo, hi) epoch minutes, by tutor.

    `tutor_ids=None` reads every tutor (the full rebuild). Callers widen [lo, hi) by the buffers
    they apply. Bookings are returned as their lesson time (the engine adds the tutor's current
    buffers); `exclude_booking_ids` leaves some out (a reschedule checks the new time without
    the lesson it moves).
    """
    start_at, end_at = from_minute(lo), from_minute(hi)
    query = select(
        col(BusyInterval.tutor_id), col(BusyInterval.start_at), col(BusyInterval.end_at), col(BusyInterval.source)
    ).where(col(BusyInterval.start_at) < end_at, col(BusyInterval.end_at) > start_at)
    lessons = sa_select(
        col(Booking.tutor_id), col(Booking.start_at), col(Booking.end_at), col(Booking.status), col(Booking.id)
    ).where(
        col(Booking.status).in_(BookingStatus.BLOCKING),
        # The block contains the lesson, and the index is on (tutor_id, block_start).
        col(Booking.block_start) < end_at,
        col(Booking.block_end) > start_at,
        col(Booking.start_at) < end_at,
        col(Booking.end_at) > start_at,
    )
    sessions = sa_select(col(ClassSession.tutor_id), col(ClassSession.start_at), col(ClassSession.end_at)).where(
        col(ClassSession.blocking),
        col(ClassSession.block_start) < end_at,
        col(ClassSession.block_end) > start_at,
        col(ClassSession.start_at) < end_at,
        col(ClassSession.end_at) > start_at,
    )
    out: dict[int, list[BusySpan]] = defaultdict(list)
    chunks: list[list[int] | None] = (
        [None] if tutor_ids is None else [tutor_ids[i : i + 2000] for i in range(0, len(tutor_ids), 2000)]
    )
    excluded = set(exclude_booking_ids)
    for chunk in chunks:
        chunk_query = query if chunk is None else query.where(col(BusyInterval.tutor_id).in_(chunk))
        for tid, start, end, source in _rows(session, chunk_query):
            # Busy time is widened to whole minutes (an imported 10:00:30 end blocks 10:01).
            out[tid].append(BusySpan(to_minute(start), to_minute_ceil(end), source))
        lesson_query = lessons if chunk is None else lessons.where(col(Booking.tutor_id).in_(chunk))
        for tid, start, end, status, booking_id in _rows(session, lesson_query):
            if booking_id in excluded:
                continue
            source = BusySource.HOLD if status == BookingStatus.PENDING_PAYMENT else BusySource.BOOKING
            out[tid].append(BusySpan(to_minute(start), to_minute_ceil(end), source))
        session_query = sessions if chunk is None else sessions.where(col(ClassSession.tutor_id).in_(chunk))
        for tid, start, end in _rows(session, session_query):
            out[tid].append(BusySpan(to_minute(start), to_minute_ceil(end), BusySource.CLASS))
    return out


def busy_for_tutor(
    session: Session, tutor_id: int, lo: int, hi: int, *, exclude_booking_ids: Collection[int] = ()
) -> list[BusySpan]:
    """`busy_spans` for one tutor."""
    return busy_spans(session, [tutor_id], lo, hi, exclude_booking_ids=exclude_booking_ids).get(tutor_id, [])
