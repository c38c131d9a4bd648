"""Recorded video courses: a course, its ordered chapters, their uploads, enrolments, progress and reviews.

Why this shape:
- Chapters keep an explicit `position` (1..n within the course); reordering swaps positions and
  never touches a chapter's id, so a student's progress (keyed by chapter id) survives any edit.
- A chapter's video is a storage key plus its sniffed type; `video_status` is "none" until an upload
  completes and passes the content check ("ready"). Uploads are their own rows (`course_uploads`),
  shaped like S3 multipart uploads (`upload_id`, part size, part count), so the local disk and an
  S3 bucket share one client protocol; `s3_upload_id` is the bucket's own id when S3 is used.
- One live enrolment per (course, student) — a partial unique index over PENDING / ACTIVE, so a
  refunded student can buy again and the history stays. The money sits in escrow
  (`escrow:course_enrolment:{id}`) until `release_at` (7 days), see services/checkout/course_payments.py;
  a course paid with lesson-time credits holds minutes there instead, and `course_credit_spends` says
  which credit lots they came from (services/courses/course_credits.py), so a refund puts them back.
- Progress is one row per (student, chapter): the furthest position watched and the duration the
  player reported; `completed_at` is set once at 90 %.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class CourseStatus:
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    UNPUBLISHED = "UNPUBLISHED"  # taken down by an admin: hidden from search, enrolled students keep access
    ALL = (DRAFT, PUBLISHED, UNPUBLISHED)


class VideoStatus:
    NONE = "none"
    READY = "ready"


class UploadStatus:
    OPEN = "open"
    READY = "ready"
    REJECTED = "rejected"


class CourseEnrolmentStatus:
    PENDING = "PENDING"  # waiting for a gateway payment
    ACTIVE = "ACTIVE"
    REFUNDED = "REFUNDED"
    EXPIRED = "EXPIRED"  # the gateway payment never came
    LIVE = (PENDING, ACTIVE)


_LIVE_SQL = "status IN ('PENDING', 'ACTIVE')"


class Course(SQLModel, table=True):
    __tablename__ = "courses"
    __table_args__ = (
        Index("ix_courses_status_subject", "status", "subject"),
        Index("ix_courses_tutor", "tutor_id", "status"),
        CheckConstraint("price_minor >= 0", name="ck_courses_price"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tutor_id: int = Field(foreign_key="tutor_profiles.id")
    title: str = Field(max_length=120)
    subject: str = Field(max_length=60)
    grade: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=4000)
    price_minor: int = Field(default=0)
    currency: str = Field(max_length=3)
    cover_key: str = Field(default="", max_length=200)
    cover_type: str = Field(default="", max_length=40)
    status: str = Field(default=CourseStatus.DRAFT, max_length=12)
    rating_sum: int = Field(default=0)
    rating_count: int = Field(default=0)
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CourseChapter(SQLModel, table=True):
    __tablename__ = "course_chapters"
    __table_args__ = (Index("ix_course_chapters_course", "course_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="courses.id")
    position: int
    title: str = Field(max_length=120)
    notes_md: str = Field(default="", max_length=20000)
    preview: bool = Field(default=False)
    video_key: str = Field(default="", max_length=200)
    video_type: str = Field(default="", max_length=20)  # video/mp4 | video/webm
    video_size: int = Field(default=0)
    video_status: str = Field(default=VideoStatus.NONE, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CourseUpload(SQLModel, table=True):
    __tablename__ = "course_uploads"
    __table_args__ = (Index("ix_course_uploads_chapter", "chapter_id", "status"),)

    id: str = Field(primary_key=True, max_length=40)  # the upload_id clients see (random, unguessable)
    chapter_id: int = Field(foreign_key="course_chapters.id")
    course_id: int = Field(foreign_key="courses.id")
    user_id: int = Field(foreign_key="users.id")
    backend: str = Field(max_length=8)  # local | s3
    key: str = Field(max_length=200)
    s3_upload_id: str = Field(default="", max_length=300)
    filename: str = Field(default="", max_length=200)
    size: int
    part_size: int
    part_count: int
    status: str = Field(default=UploadStatus.OPEN, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class CourseEnrolment(SQLModel, table=True):
    __tablename__ = "course_enrolments"
    __table_args__ = (
        Index("uq_course_enrolments_live", "course_id", "student_id", unique=True,
              sqlite_where=text(_LIVE_SQL), postgresql_where=text(_LIVE_SQL)),
        Index("ix_course_enrolments_student", "student_id", "status"),
        Index("ix_course_enrolments_release", "status", "release_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="courses.id")
    student_id: int = Field(foreign_key="users.id")
    payer_id: int = Field(foreign_key="users.id")  # the student, or the linked guardian who bought it for them
    status: str = Field(max_length=10)
    method: str = Field(default="", max_length=8)  # free | wallet | gateway | credits
    price_minor: int = Field(default=0)
    currency: str = Field(default="", max_length=3)
    payment_reference: str = Field(default="", max_length=64)
    enrolled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    release_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # end of the refund window
    released_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    refunded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CourseCreditSpend(SQLModel, table=True):
    """Minutes one course enrolment took from one credit lot (and how many came back by refund): the
    course's twin of `credit_spends` and `class_seat_credit_spends`."""

    __tablename__ = "course_credit_spends"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "lot_id", name="uq_course_credit_spends_enrolment_lot"),
        CheckConstraint("minutes > 0 AND refunded_minutes >= 0 AND refunded_minutes <= minutes",
                        name="ck_course_credit_spends_minutes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="course_enrolments.id", index=True)
    lot_id: int = Field(foreign_key="credit_lots.id")
    user_id: int = Field(foreign_key="users.id")
    minutes: int
    refunded_minutes: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ChapterProgress(SQLModel, table=True):
    __tablename__ = "chapter_progress"
    __table_args__ = (
        UniqueConstraint("student_id", "chapter_id", name="uq_chapter_progress_student_chapter"),
        Index("ix_chapter_progress_course", "course_id", "chapter_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="courses.id")
    chapter_id: int = Field(foreign_key="course_chapters.id")
    student_id: int = Field(foreign_key="users.id")
    position_s: float = Field(default=0)
    watched_s: float = Field(default=0)  # the furthest position reached
    duration_s: float = Field(default=0)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CourseReview(SQLModel, table=True):
    __tablename__ = "course_reviews"
    __table_args__ = (
        UniqueConstraint("course_id", "student_id", name="uq_course_reviews_course_student"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="ck_course_reviews_rating"),
    )

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="courses.id")
    student_id: int = Field(foreign_key="users.id")
    rating: int
    body: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
