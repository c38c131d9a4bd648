"""Bookings: lessons and holds, their status history, weekly series, reviews, reliability strikes,
tutor flags and replacement offers.

Why this shape:
- One `bookings` row per lesson from the first hold to settlement. Status changes go through
  services/booking/states.py, which writes a `booking_events` row for every transition (actor,
  from, to, reason, time), so the history is never reconstructed from timestamps.
- `start_at`/`end_at` are the lesson; `block_start`/`block_end` are the lesson padded by half
  the tutor's buffer (max(before, after)) on each side, fixed when the slot is taken. Two
  lessons' blocks are disjoint exactly when they are at least that buffer apart, which is the
  engine's rule (slot_engine.py), so on PostgreSQL an exclusion constraint over the blocks of
  *blocking* bookings (migration 0003) backs up the per-tutor lock on the booking path.
- The price is snapshotted in integer minor units + currency when the slot is taken, so later rate
  changes never reprice a lesson; a refund decision is recorded as percent + amount +
  `refund_status`, and escrow (services/checkout/escrow.py) moves the money.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class BookingStatus:
    PENDING_PAYMENT = "PENDING_PAYMENT"  # slot held for a few minutes while the student pays
    REQUESTED = "REQUESTED"  # paid, waiting for the tutor (approval mode)
    CONFIRMED = "CONFIRMED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"  # taught; dispute window running
    SETTLED = "SETTLED"  # final; money released per the outcome
    CANCELLED = "CANCELLED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    NO_SHOW = "NO_SHOW"
    DISPUTED = "DISPUTED"
    ALL = (
        PENDING_PAYMENT,
        REQUESTED,
        CONFIRMED,
        IN_PROGRESS,
        COMPLETED,
        SETTLED,
        CANCELLED,
        DECLINED,
        EXPIRED,
        NO_SHOW,
        DISPUTED,
    )
    # The lesson never happened and never will: the time is free again.
    RELEASED = (CANCELLED, DECLINED, EXPIRED)
    # Occupies the tutor's time (future or past); the exclusion constraint covers these.
    BLOCKING = (PENDING_PAYMENT, REQUESTED, CONFIRMED, IN_PROGRESS, COMPLETED, SETTLED, NO_SHOW, DISPUTED)
    # Still ahead (or running): "upcoming" in My lessons.
    OPEN = (PENDING_PAYMENT, REQUESTED, CONFIRMED, IN_PROGRESS)


class BookingKind:
    SINGLE = "single"
    TRIAL = "trial"
    SERIES = "series"  # one occurrence of a weekly series
    ALL = (SINGLE, TRIAL, SERIES)


class RefundStatus:
    """What escrow must still do with the student's payment for a lesson that was called off."""

    NONE = "NONE"  # nothing to refund (not paid, or no refund due)
    DUE = "DUE"  # refund_minor must go back to the student (credit / original method)
    PENDING_REPLACEMENT = "PENDING_REPLACEMENT"  # tutor cancelled; offers open, may move to a replacement
    TRANSFERRED = "TRANSFERRED"  # the payment now pays for the replacement booking
    SETTLED = "SETTLED"  # done: refunded or moved by escrow


class ActorRole:
    STUDENT = "student"
    TUTOR = "tutor"
    ADMIN = "admin"
    SYSTEM = "system"  # jobs and automatic rules


_BLOCKING_SQL = "status IN (" + ", ".join(f"'{s}'" for s in BookingStatus.BLOCKING) + ")"
_TRIAL_SQL = "kind = 'trial' AND status NOT IN (" + ", ".join(f"'{s}'" for s in BookingStatus.RELEASED) + ")"


class BookingSeries(SQLModel, table=True):
    """A weekly series: `count` lessons at the same wall-clock time in `timezone`."""

    __tablename__ = "booking_series"

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", index=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id", index=True)
    timezone: str = Field(max_length=64)
    weekday: int  # 0 = Monday, in `timezone`
    local_start_min: int  # minutes after local midnight
    duration_min: int
    count: int
    first_start_at: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Booking(SQLModel, table=True):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_tutor_block", "tutor_id", "block_start"),
        Index("ix_bookings_student_start", "student_id", "start_at"),
        Index("ix_bookings_status_hold", "status", "hold_expires_at"),
        # A trial is once per student–tutor pair (a released trial does not count).
        Index(
            "uq_bookings_trial_pair",
            "student_id",
            "tutor_id",
            unique=True,
            sqlite_where=text(_TRIAL_SQL),
            postgresql_where=text(_TRIAL_SQL),
        ),
        CheckConstraint("end_at > start_at", name="ck_bookings_span"),
        CheckConstraint("block_start <= start_at AND block_end >= end_at", name="ck_bookings_block"),
        CheckConstraint("price_minor >= 0 AND list_price_minor >= 0", name="ck_bookings_price"),
        CheckConstraint("refund_percent >= 0 AND refund_percent <= 100", name="ck_bookings_refund_percent"),
        UniqueConstraint("room_key", name="uq_bookings_room_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id")
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    kind: str = Field(default=BookingKind.SINGLE, max_length=8)
    series_id: int | None = Field(default=None, foreign_key="booking_series.id", index=True)
    replaces_booking_id: int | None = Field(default=None, foreign_key="bookings.id")
    subject: str = Field(default="", max_length=60)
    mode: str = Field(default="online", max_length=8)
    start_at: datetime = Field(sa_type=UtcDateTime)
    end_at: datetime = Field(sa_type=UtcDateTime)
    duration_min: int
    block_start: datetime = Field(sa_type=UtcDateTime)
    block_end: datetime = Field(sa_type=UtcDateTime)
    status: str = Field(default=BookingStatus.PENDING_PAYMENT, max_length=16)
    # Money snapshot (minor units): list price before discounts, what the student pays.
    list_price_minor: int = Field(default=0)
    price_minor: int = Field(default=0)
    discount_percent: int = Field(default=0)
    currency: str = Field(default="USD", max_length=3)
    payment_ref: str = Field(default="", max_length=120)
    paid_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    hold_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Minutes the lesson actually ran when its tutor ended it (started_at → ended_at): evidence in a
    # dispute; None when it was completed automatically (nobody said when it ended).
    actual_minutes: int | None = Field(default=None)
    settle_after: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancelled_by: str = Field(default="", max_length=8)  # ActorRole
    no_show_party: str = Field(default="", max_length=8)  # who did not show: student | tutor
    refund_percent: int = Field(default=0)
    refund_minor: int = Field(default=0)
    refund_status: str = Field(default=RefundStatus.NONE, max_length=24)
    room_key: str = Field(max_length=64)
    notes: str = Field(default="", max_length=5000)  # shared by student and tutor
    notes_updated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    notes_updated_by: int | None = Field(default=None, foreign_key="users.id")
    reschedule_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class HoldAttempt(SQLModel, table=True):
    """One student's attempt to hold lessons (a single lesson or a series, whether it succeeded or
    not): the rate limit of services/booking/hold_limits.py counts the last hour's rows. Rows older
    than the window are deleted by the next attempt of the same student."""

    __tablename__ = "hold_attempts"
    __table_args__ = (Index("ix_hold_attempts_student_created", "student_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id")
    kind: str = Field(default=BookingKind.SINGLE, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class BookingEvent(SQLModel, table=True):
    """One transition (or a dated change such as a reschedule) of a booking."""

    __tablename__ = "booking_events"
    __table_args__ = (Index("ix_booking_events_booking", "booking_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")
    action: str = Field(max_length=24)  # hold, pay, accept, decline, cancel, expire, reschedule, ...
    from_status: str = Field(default="", max_length=16)  # "" when the booking is created
    to_status: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_role: str = Field(max_length=8)  # ActorRole
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Review(SQLModel, table=True):
    """The student's rating of one completed lesson, and the tutor's single reply."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("booking_id", name="uq_reviews_booking"),
        Index("ix_reviews_tutor_created", "tutor_id", "created_at"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="ck_reviews_rating"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    student_id: int = Field(foreign_key="users.id")
    rating: int
    comment: str = Field(default="", max_length=2000)
    reply: str = Field(default="", max_length=2000)
    replied_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class StrikeKind:
    TUTOR_CANCEL = "tutor_cancel"
    TUTOR_NO_SHOW = "tutor_no_show"


class ReliabilityStrike(SQLModel, table=True):
    """A tutor-side cancellation or no-show: the record behind reliability and flags. It names the lesson
    (`booking_id`) or, for a group class the tutor called off, the class session (`class_session_id`)."""

    __tablename__ = "reliability_strikes"
    __table_args__ = (
        Index("ix_reliability_strikes_tutor_created", "tutor_id", "created_at"),
        UniqueConstraint("booking_id", "kind", name="uq_reliability_strikes_booking_kind"),
        UniqueConstraint("class_session_id", "kind", name="uq_reliability_strikes_class_session_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    booking_id: int | None = Field(default=None, foreign_key="bookings.id")  # a lesson's strike
    class_session_id: int | None = Field(default=None, foreign_key="class_sessions.id")  # a group class's strike
    kind: str = Field(max_length=16)  # StrikeKind
    notice_hours: int = Field(default=0)  # hours between the cancellation and the lesson start
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TutorFlag(SQLModel, table=True):
    """A tutor flagged for admin review (e.g. ≥3 tutor-side cancellations in 30 days)."""

    __tablename__ = "tutor_flags"
    __table_args__ = (Index("ix_tutor_flags_tutor_open", "tutor_id", "resolved_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    reason: str = Field(max_length=32)  # "cancellations"
    detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_by: int | None = Field(default=None, foreign_key="users.id")
    resolution_notes: str = Field(default="", max_length=2000)


class OfferStatus:
    OPEN = "OPEN"
    TAKEN = "TAKEN"
    DECLINED = "DECLINED"  # the student took another offer or asked for credit
    EXPIRED = "EXPIRED"


class ReplacementOffer(SQLModel, table=True):
    """A replacement tutor proposed to a student whose tutor cancelled (not a hold: the
    replacement's slot is re-checked under its lock when the student takes it)."""

    __tablename__ = "replacement_offers"
    __table_args__ = (
        Index("ix_replacement_offers_booking", "booking_id"),
        Index("ix_replacement_offers_status_expires", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")  # the cancelled booking
    tutor_id: int = Field(foreign_key="tutor_profiles.id")  # the replacement tutor
    start_at: datetime = Field(sa_type=UtcDateTime)
    end_at: datetime = Field(sa_type=UtcDateTime)
    rank: int = Field(default=0)
    status: str = Field(default=OfferStatus.OPEN, max_length=12)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    taken_booking_id: int | None = Field(default=None, foreign_key="bookings.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


BLOCKING_SQL = _BLOCKING_SQL
