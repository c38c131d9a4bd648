"""Outgoing messages, in-app notifications, channel preferences, the reminder log, the scheduler
leader lease and the job run log.

Why this shape:
- `outbox_messages` is the durable send queue: a message is written in the same transaction as
  the change it describes (a booking, a reminder), so it is never sent for a change that rolled
  back and never lost for one that committed. Without a transport configured for its channel the
  row is only recorded (status "recorded", the development outbox admins read); with one it is
  "pending" until services/outbox.py claims it, sends it and marks it "sent" (or
  "failed" after its retries).
- Delivery reports (services/messaging/delivery_reports.py): the provider's message id is kept on the
  row when it accepts it (`provider`, `provider_message_id`), and its signed status callbacks set
  `delivery_status` (queued < sent < failed < undelivered < delivered < read: only ever upwards, so
  replays and out-of-order callbacks cannot move it back), the provider's error and the time;
  `outbox_delivery_events` keeps each distinct report once (unique per row and raw status). A failed
  SMS / WhatsApp copy of a notification gets one e-mail copy (`fallback_of`, unique: at most one).
- `reminder_logs` has a UNIQUE key: inserting the row is what reserves a reminder, so two
  scheduler processes (or a restart) can never send the same reminder twice.
- `scheduler_leases` is one row per lease name; a conditional UPDATE hands it over only when it
  has expired (services/ops/leader.py), which works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class OutboxStatus:
    RECORDED = "recorded"  # no transport for the channel: kept for admins (development outbox)
    PENDING = "pending"  # waiting for (another) delivery attempt
    SENDING = "sending"  # claimed by one deliverer until claimed_until
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class DeliveryStatus:
    """What the provider reports after accepting a message, in the order it may only move up."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    DELIVERED = "delivered"
    READ = "read"
    ORDER = (QUEUED, SENT, FAILED, UNDELIVERED, DELIVERED, READ)
    PROBLEMS = (FAILED, UNDELIVERED)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_messages_provider_id", "provider", "provider_message_id"),
        UniqueConstraint("fallback_of", name="uq_outbox_messages_fallback_of"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)  # email | sms | whatsapp
    recipient: str = Field(max_length=254, index=True)
    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=5000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    status: str = Field(default=OutboxStatus.RECORDED, max_length=12)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str = Field(default="", max_length=500)
    # The user a notification copy is for (None: codes, guardians, invitations), for the e-mail fallback.
    user_id: int | None = Field(default=None, foreign_key="users.id")
    fallback_of: int | None = Field(default=None)  # the failed SMS / WhatsApp row this e-mail replaces
    provider: str = Field(default="", max_length=20)  # the transport that accepted it: twilio, whatsapp-cloud, ...
    provider_message_id: str | None = Field(default=None, max_length=128)  # Twilio SID, Cloud API wamid
    delivery_status: str = Field(default="", max_length=12)  # DeliveryStatus, "" before any report
    delivery_error: str = Field(default="", max_length=300)
    delivery_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OutboxDeliveryEvent(SQLModel, table=True):
    """One distinct status report of a provider for one outbox row (a replay is the same row)."""

    __tablename__ = "outbox_delivery_events"
    __table_args__ = (UniqueConstraint("outbox_id", "raw_status", name="uq_outbox_delivery_events"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox_messages.id")
    provider: str = Field(max_length=20)
    raw_status: str = Field(max_length=24)  # as the provider said it ("sending", "accepted", ...)
    status: str = Field(max_length=12)  # DeliveryStatus
    error: str = Field(default="", max_length=300)
    reported_at: datetime = Field(sa_type=UtcDateTime)  # the provider's time when it gives one, else receipt
    received_at: datetime = Field(sa_type=UtcDateTime)


class OutboxAttachment(SQLModel, table=True):
    """A file sent with one outbox message (e.g. the `.ics` invitation of a booking email).

    Kept beside the message, not inside its body, so transports attach it as a real MIME part
    (`content_type` may carry parameters: "text/calendar; method=REQUEST")."""

    __tablename__ = "outbox_attachments"
    __table_args__ = (Index("ix_outbox_attachments_outbox", "outbox_id"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox_messages.id")
    filename: str = Field(max_length=100)
    content_type: str = Field(max_length=100)
    content: str = Field(sa_type=Text)  # text parts only (iCalendar); binary files are not mailed


class Notification(SQLModel, table=True):
    """One in-app notification (the bell). Always written, whatever the channel preferences."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_desc", "user_id", "id"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=24)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class NotificationPreference(SQLModel, table=True):
    """An explicit choice for (user, kind, channel); absent rows mean the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", "channel", name="uq_notification_prefs"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=24)
    channel: str = Field(max_length=16)
    enabled: bool
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ReminderLog(SQLModel, table=True):
    """One sent lesson reminder. The unique key is the exactly-once guard.

    `kind` is "24h" / "1h" (to the student or the tutor) or "guardian_24h" / "guardian_1h" (to the
    student's guardian, keyed by the student's id). `lesson_start_at` is part of the key so a
    rescheduled lesson is a new occurrence and is reminded again at its new time.
    """

    __tablename__ = "reminder_logs"
    __table_args__ = (
        UniqueConstraint("booking_id", "recipient_user_id", "kind", "lesson_start_at", name="uq_reminder_logs"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")
    recipient_user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=16)
    lesson_start_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime = Field(sa_type=UtcDateTime)
    sent_at: datetime = Field(sa_type=UtcDateTime)
    holder: str = Field(default="", max_length=120)  # which scheduler instance sent it


class SchedulerLease(SQLModel, table=True):
    """The scheduler leader lease: whoever holds an unexpired row runs the jobs."""

    __tablename__ = "scheduler_leases"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    acquired_at: datetime = Field(sa_type=UtcDateTime)


class JobRun(SQLModel, table=True):
    """One run of a periodic job (scheduled, at start, or "run now" by an admin)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=60)
    trigger: str = Field(default="schedule", max_length=12)  # schedule | manual | start
    holder: str = Field(default="", max_length=120)
    started_at: datetime = Field(sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    outcome: str = Field(default="running", max_length=12)  # running | ok | error
    detail: str = Field(default="", max_length=2000)
