"""Group classes: a published class on a recurrence rule, its sessions, seats, attendance and history.

Why this shape:
- `classes` holds the batch and its schedule as typed (an RFC 5545 rule evaluated in the tutor's
  local wall-clock time from `first_start_local`); the sessions are generated from it and stored in
  `class_sessions` (UTC instants), so every reader sees the same times whatever the zone database does
  later, and a single session can be cancelled on its own.
- A class session occupies the tutor's time like a lesson: `block_start`/`block_end` are the session
  padded by half the tutor's buffer, fixed at publish. `blocking` is true while the session holds the
  time (published and not cancelled). services/scheduling/calendar_store.py reads blocking sessions as
  busy time, so the booking guard refuses 1:1 lessons over them and the free-slot index drops them.
  On PostgreSQL an exclusion constraint over blocking sessions' blocks (migration 0017) is the backstop
  between classes; between classes and lessons the tutor lock (services/booking/guard.py) serializes.
- Seats are counted in `classes.seats_taken`, changed only by conditional UPDATEs (`seats_taken <
  capacity`) with a CHECK constraint behind them: the database, not a read-then-write, guarantees
  that never more students hold a seat than the capacity, on SQLite and PostgreSQL alike.
- One `class_enrolments` row per student per class while it is live (a partial unique index); a
  student who left and comes back gets a new row, so the history stays.
- Every status change of a class is a `class_events` row (actor, from, to, reason, time).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class ClassStatus:
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ALL = (DRAFT, PUBLISHED, IN_PROGRESS, COMPLETED, CANCELLED)
    OPEN = (PUBLISHED, IN_PROGRESS)  # visible in search, seats can be taken


class SessionStatus:
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class SeatStatus:
    ENROLLED = "ENROLLED"  # paid seat
    WAITLISTED = "WAITLISTED"  # in line, charged nothing
    OFFERED = "OFFERED"  # a freed seat is held for this student until `offer_expires_at`
    LEFT = "LEFT"  # the student left (refunded per policy)
    REFUNDED = "REFUNDED"  # the class was cancelled: refunded in full
    EXPIRED = "EXPIRED"  # an offer ran out unpaid
    LIVE = (ENROLLED, WAITLISTED, OFFERED)
    HOLDS_SEAT = (ENROLLED, OFFERED)


class AttendanceStatus:
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    ALL = (PRESENT, LATE, ABSENT)


_LIVE_SQL = "status IN (" + ", ".join(f"'{s}'" for s in SeatStatus.LIVE) + ")"


class GroupClass(SQLModel, table=True):
    __tablename__ = "classes"
    __table_args__ = (
        Index("ix_classes_status_subject", "status", "subject"),
        Index("ix_classes_tutor", "tutor_id", "status"),
        CheckConstraint("capacity >= 2", name="ck_classes_capacity"),
        CheckConstraint("min_size >= 1 AND min_size <= capacity", name="ck_classes_min_size"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="ck_classes_seats"),
        CheckConstraint("price_minor >= 0", name="ck_classes_price"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    title: str = Field(max_length=120)
    subject: str = Field(max_length=60)
    grade: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=4000)
    mode: str = Field(default="online", max_length=8)  # online | home | centre
    capacity: int
    min_size: int = Field(default=1)
    seats_taken: int = Field(default=0)  # ENROLLED + OFFERED seats; conditional UPDATEs only
    price_minor: int  # per seat for the whole course of sessions
    currency: str = Field(max_length=3)
    duration_min: int
    timezone: str = Field(max_length=64)
    rrule: str = Field(max_length=500)
    first_start_local: str = Field(max_length=16)  # YYYY-MM-DDTHH:MM in `timezone`
    first_start_at: datetime = Field(sa_type=UtcDateTime)
    last_end_at: datetime = Field(sa_type=UtcDateTime)
    session_count: int = Field(default=0)
    status: str = Field(default=ClassStatus.DRAFT, max_length=12)
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancel_reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ClassSession(SQLModel, table=True):
    __tablename__ = "class_sessions"
    __table_args__ = (
        Index("ix_class_sessions_tutor_block", "tutor_id", "block_start"),
        Index("ix_class_sessions_class_start", "class_id", "start_at"),
        CheckConstraint("end_at > start_at", name="ck_class_sessions_span"),
        CheckConstraint("block_start <= start_at AND block_end >= end_at", name="ck_class_sessions_block"),
    )

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="classes.id")
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    seq: int  # 1-based position in the schedule
    start_at: datetime = Field(sa_type=UtcDateTime)
    end_at: datetime = Field(sa_type=UtcDateTime)
    block_start: datetime = Field(sa_type=UtcDateTime)
    block_end: datetime = Field(sa_type=UtcDateTime)
    status: str = Field(default=SessionStatus.SCHEDULED, max_length=12)
    blocking: bool = Field(default=False)  # holds the tutor's time (published, not cancelled)
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # its seats' shares released
    room_key: str = Field(max_length=64, unique=True)


class ClassEnrolment(SQLModel, table=True):
    __tablename__ = "class_enrolments"
    __table_args__ = (
        Index(
            "uq_class_enrolments_live",
            "class_id",
            "student_id",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
        Index("ix_class_enrolments_class_status", "class_id", "status", "id"),
        Index("ix_class_enrolments_student", "student_id", "status"),
        Index("ix_class_enrolments_offer", "status", "offer_expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="classes.id")
    student_id: int = Field(foreign_key="users.id")
    status: str = Field(max_length=12)
    method: str = Field(default="", max_length=8)  # wallet | credits | gateway
    price_minor: int = Field(default=0)  # what the seat cost (minor units, or minutes for credits)
    unit: str = Field(default="", max_length=3)  # currency, or MIN
    refunded_minor: int = Field(default=0)
    payment_id: int | None = Field(default=None, foreign_key="payments.id")  # the seat's hosted checkout, if any
    offer_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    enrolled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SeatCreditSpend(SQLModel, table=True):
    """Minutes one class seat took from one credit lot (and how many came back by refund): the seat's
    twin of `credit_spends`, so a refund puts minutes back into the lots they came from."""

    __tablename__ = "class_seat_credit_spends"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "lot_id", name="uq_class_seat_credit_spends_seat_lot"),
        CheckConstraint("minutes > 0 AND refunded_minutes >= 0 AND refunded_minutes <= minutes",
                        name="ck_class_seat_credit_spends_minutes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="class_enrolments.id", index=True)
    lot_id: int = Field(foreign_key="credit_lots.id")
    user_id: int = Field(foreign_key="users.id")
    minutes: int
    refunded_minutes: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ClassReminderLog(SQLModel, table=True):
    """One sent class-session reminder; the unique key is the exactly-once guard (as reminder_logs for
    lessons). `kind`: "24h" / "1h" (a student or the tutor) or "guardian_24h" / "guardian_1h" (keyed by
    the student's id); `session_start_at` is in the key so a moved session is reminded again."""

    __tablename__ = "class_reminder_logs"
    __table_args__ = (
        UniqueConstraint("session_id", "recipient_user_id", "kind", "session_start_at", name="uq_class_reminder_logs"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="class_sessions.id")
    recipient_user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=16)
    session_start_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime = Field(sa_type=UtcDateTime)
    sent_at: datetime = Field(sa_type=UtcDateTime)


class ClassReview(SQLModel, table=True):
    """A student's rating of a class they attended (one per student per class, editable by neither side).
    Kept apart from lesson `reviews`: the product's tutor rating is over completed lessons (PRODUCT §9)."""

    __tablename__ = "class_reviews"
    __table_args__ = (
        UniqueConstraint("class_id", "student_id", name="uq_class_reviews_class_student"),
        Index("ix_class_reviews_class_created", "class_id", "created_at"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="ck_class_reviews_rating"),
    )

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="classes.id")
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    student_id: int = Field(foreign_key="users.id")
    rating: int
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ClassEvent(SQLModel, table=True):
    """One transition of a class (or of a seat, with `enrolment_id`)."""

    __tablename__ = "class_events"
    __table_args__ = (Index("ix_class_events_class", "class_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="classes.id")
    enrolment_id: int | None = Field(default=None, foreign_key="class_enrolments.id")
    action: str = Field(max_length=24)
    from_status: str = Field(default="", max_length=12)
    to_status: str = Field(max_length=12)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_role: str = Field(max_length=8)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ClassAttendance(SQLModel, table=True):
    __tablename__ = "class_attendance"
    __table_args__ = (UniqueConstraint("session_id", "student_id", name="uq_class_attendance_session_student"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="class_sessions.id")
    student_id: int = Field(foreign_key="users.id")
    status: str = Field(max_length=8)
    marked_by: int = Field(foreign_key="users.id")
    marked_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


LIVE_SEAT_SQL = _LIVE_SQL
