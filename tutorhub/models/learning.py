"""Learning: study plans (their tasks and every change to them), lesson reports, homework, and the
links between guardians and the students they look after.

Why this shape:
- A plan's structure (weeks → topics → tasks) is stored as task rows, one per task, carrying their
  week, topic title and position: a checklist toggle or a tutor's move is an UPDATE of one row with
  its own id (the API's `task_id`), not a rewrite of a JSON document two people may edit at once.
- `study_plan_events` keeps every change with who made it (generated, ticked, added, moved,
  removed, commented); comments are events with a body.
- Homework keeps its exercises, answers and per-exercise feedback as JSON lists: they are read and
  written whole, always with their homework row.
- A guardian link starts as an invitation to an email address with a hashed one-time code; it
  becomes ACTIVE only when the guardian account with that address confirms the code.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class PlanStatus:
    GENERATING = "generating"
    READY = "ready"
    ALL = (GENERATING, READY)


class PlanSource:
    CLAUDE = "claude"
    OFFLINE = "offline"


class StudyPlan(SQLModel, table=True):
    __tablename__ = "study_plans"

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", index=True)
    requested_by: int = Field(foreign_key="users.id")
    subject: str = Field(max_length=60)
    grade: str = Field(max_length=32)
    goal: str = Field(max_length=500)
    exam_date: date | None = Field(default=None)
    hours_per_week: int
    weak_areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=PlanStatus.GENERATING, max_length=16)
    source: str = Field(default="", max_length=16)  # claude | offline, once ready
    fallback_reason: str = Field(default="", max_length=200)  # why Claude was not used, if it was configured
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class StudyPlanTask(SQLModel, table=True):
    __tablename__ = "study_plan_tasks"
    __table_args__ = (Index("ix_study_plan_tasks_plan_order", "plan_id", "week", "topic_position", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="study_plans.id")
    week: int
    topic_position: int
    topic: str = Field(max_length=120)
    position: int
    title: str = Field(max_length=160)
    description: str = Field(default="", max_length=600)
    minutes: int
    book_lesson: bool = Field(default=False)  # "book a lesson on this" is offered beside the task
    done: bool = Field(default=False)
    done_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class StudyPlanEvent(SQLModel, table=True):
    __tablename__ = "study_plan_events"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="study_plans.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    action: str = Field(max_length=16)  # generated | done | undone | added | moved | removed | comment
    task_id: int | None = Field(default=None)
    body: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class LessonReport(SQLModel, table=True):
    __tablename__ = "lesson_reports"
    __table_args__ = (UniqueConstraint("booking_id", name="uq_lesson_reports_booking"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")
    tutor_id: int = Field(foreign_key="users.id", index=True)
    student_id: int = Field(foreign_key="users.id", index=True)
    subject: str = Field(default="", max_length=60)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    mistakes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str = Field(default="", max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class HomeworkStatus:
    GENERATING = "generating"  # being drafted (Claude or the offline generator)
    DRAFT = "draft"  # generated, the tutor may edit it before sending
    ASSIGNED = "assigned"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    ALL = (GENERATING, DRAFT, ASSIGNED, SUBMITTED, REVIEWED)


class Homework(SQLModel, table=True):
    __tablename__ = "homework"
    __table_args__ = (Index("ix_homework_student_status", "student_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="lesson_reports.id", index=True)
    booking_id: int = Field(foreign_key="bookings.id")
    tutor_id: int = Field(foreign_key="users.id", index=True)
    student_id: int = Field(foreign_key="users.id")
    title: str = Field(max_length=160)
    source: str = Field(default="", max_length=16)  # claude | offline, once drafted
    status: str = Field(default=HomeworkStatus.GENERATING, max_length=16)
    due_at: datetime = Field(sa_type=UtcDateTime)
    exercises: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answer_text: str = Field(default="", max_length=8000)
    attachment_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    score: int | None = Field(default=None)  # percent, 0..100
    feedback: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    overall_feedback: str = Field(default="", max_length=4000)
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class HomeworkFile(SQLModel, table=True):
    """A file attached to a homework submission, stored privately (never publicly served)."""

    __tablename__ = "homework_files"

    id: int | None = Field(default=None, primary_key=True)
    homework_id: int = Field(foreign_key="homework.id", index=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class GuardianLinkStatus:
    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"


class GuardianLink(SQLModel, table=True):
    __tablename__ = "guardian_links"
    __table_args__ = (Index("ix_guardian_links_guardian_status", "guardian_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="users.id", index=True)
    guardian_email: str = Field(max_length=254, index=True)
    guardian_id: int | None = Field(default=None, foreign_key="users.id")
    status: str = Field(default=GuardianLinkStatus.PENDING, max_length=16)
    # student: the student invited the guardian (confirmed by the emailed code); guardian: the
    # guardian asked and the signed-in student accepts or declines (their consent is that click).
    initiated_by: str = Field(default="student", max_length=16, sa_column_kwargs={"server_default": "student"})
    code_hash: str = Field(default="", max_length=64)
    attempts: int = Field(default=0)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class GuardianBooking(SQLModel, table=True):
    """A lesson a guardian booked for a linked child: the booking's student is the child; the
    guardian is who booked it and who pays for it (their wallet or their gateway checkout)."""

    __tablename__ = "guardian_bookings"
    __table_args__ = (UniqueConstraint("booking_id", name="uq_guardian_bookings_booking"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="bookings.id")
    guardian_id: int = Field(foreign_key="users.id", index=True)
    student_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class GuardianLinkRequest(SQLModel, table=True):
    """Every "link me to my child" a guardian sent, whether or not the address has an account: the
    per-day rate limit counts these, so probing addresses costs the same as real requests."""

    __tablename__ = "guardian_link_requests"
    __table_args__ = (Index("ix_guardian_link_requests_guardian_created", "guardian_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    guardian_id: int = Field(foreign_key="users.id")
    student_email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
