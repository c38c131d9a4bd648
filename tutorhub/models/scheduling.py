"""Availability rules, overrides, scheduling settings, busy time, student windows and the
precomputed free-slot index.

Why this shape:
- Weekly rules and overrides are *local wall-clock minutes* (0..1440) in the tutor's IANA zone
  (`TutorProfile.timezone`), never UTC: "Tuesdays 17:00 in Berlin" must stay 17:00 across
  daylight-saving changes, so rules are expanded to UTC on demand (services/scheduling/engine/tzclock.py).
- Busy time is UTC instants (`UtcDateTime`), whatever its source, so the engine subtracts one
  kind of thing. Bookings and holds will be read by the same `busy_spans` service function.
- `TutorFreeSlots` is a derived index for search (rebuilt from the tables above at any time):
  a bitmask of valid lesson starts on a 15-minute UTC tick grid per (tutor, lesson length).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class BusySource:
    """Where a busy interval came from. Lesson-like sources get buffers on both sides."""

    MANUAL = "manual"  # the tutor blocked the time by hand
    EXTERNAL = "external"  # imported from an outside calendar (iCalendar URL)
    BOOKING = "booking"  # a TutorHub lesson
    HOLD = "hold"  # a pending hold on a slot
    CLASS = "class"  # a session of a published group class (read from class_sessions, never stored here)
    ALL = (MANUAL, EXTERNAL, BOOKING, HOLD)
    LESSONS = (BOOKING, HOLD, CLASS)


class AvailabilityRule(SQLModel, table=True):
    """One weekly interval: `weekday` (0 = Monday) from `start_min` to `end_min` local minutes."""

    __tablename__ = "availability_rules"
    __table_args__ = (
        Index("ix_availability_rules_tutor_weekday", "tutor_id", "weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_availability_rules_weekday"),
        CheckConstraint(
            "start_min >= 0 AND start_min < end_min AND end_min <= 1440", name="ck_availability_rules_span"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    weekday: int
    start_min: int
    end_min: int


class AvailabilityOverride(SQLModel, table=True):
    """A dated exception that replaces the weekly intervals of that local day.

    `intervals` is a list of [start_min, end_min] pairs; an empty list blocks the whole day.
    """

    __tablename__ = "availability_overrides"
    __table_args__ = (UniqueConstraint("tutor_id", "day", name="uq_availability_overrides_tutor_day"),)

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    day: date
    intervals: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class SchedulingSettings(SQLModel, table=True):
    """Per-tutor booking rules; a tutor without a row uses the defaults below."""

    __tablename__ = "scheduling_settings"
    __table_args__ = (UniqueConstraint("tutor_id", name="uq_scheduling_settings_tutor"),)

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    lesson_lengths: list[int] = Field(default_factory=lambda: [60], sa_column=Column(JSON, nullable=False))
    buffer_before_min: int = Field(default=0)
    buffer_after_min: int = Field(default=0)
    min_notice_hours: int = Field(default=12)
    booking_window_days: int = Field(default=60)
    max_lessons_per_day: int = Field(default=8)
    instant_booking: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class BusyInterval(SQLModel, table=True):
    """Time the tutor cannot teach, in UTC: [start_at, end_at)."""

    __tablename__ = "busy_intervals"
    __table_args__ = (
        Index("ix_busy_intervals_tutor_start", "tutor_id", "start_at"),
        Index("ix_busy_intervals_tutor_source", "tutor_id", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    start_at: datetime = Field(sa_type=UtcDateTime)
    end_at: datetime = Field(sa_type=UtcDateTime)
    source: str = Field(default=BusySource.MANUAL, max_length=16)
    ref: str = Field(default="", max_length=200)  # e.g. an iCalendar UID or a booking id
    note: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class StudentSchedulePrefs(SQLModel, table=True):
    """A student's preferred weekly windows (in `StudentProfile.timezone`) and lesson length.

    `windows` is a list of [weekday, start_min, end_min] triples.
    """

    __tablename__ = "student_schedule_prefs"
    __table_args__ = (UniqueConstraint("user_id", name="uq_student_schedule_prefs_user"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    windows: list[list[int]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lesson_length: int = Field(default=60)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TutorFreeSlots(SQLModel, table=True):
    """Precomputed valid lesson starts of one tutor for one lesson length (the search index).

    Bit i of `starts` (little-endian integer) is set when a lesson may start at epoch minute
    `base_minute + 15 × i`. The anchor is an integer, not a datetime, because it is part of the
    bitmask encoding: search aligns thousands of masks per request and must not parse a
    timestamp per row. Minimum notice and booking window move with the clock, so they are stored
    here and applied when the index is read, not baked into the bits.
    """

    __tablename__ = "tutor_free_slots"
    __table_args__ = (
        UniqueConstraint("tutor_id", "duration_min", name="uq_tutor_free_slots_tutor_duration"),
        Index("ix_tutor_free_slots_duration", "duration_min"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    duration_min: int
    base_minute: int  # UTC minutes since 1970-01-01 of bit 0 (fits 32 bits until year 6053)
    horizon_end: datetime = Field(sa_type=UtcDateTime)
    starts: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    slot_count: int = Field(default=0)
    first_start_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    min_notice_min: int = Field(default=0)
    booking_window_min: int = Field(default=0)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
