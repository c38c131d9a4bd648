"""Watching a course: short-lived video URLs, progress per chapter, and reviews.

`video_url` answers only viewers who may watch the chapter (access.may_watch); others get 404 when
they may not even know the course (a draft), 403 otherwise. Local videos get the app's own signed URL
(`/api/v1/course-videos/{chapter_id}?expires=&sig=`, served with Range support) valid for
`VIDEO_URL_TTL`; S3 videos a pre-signed GET of the same life. The signature covers the chapter's current
video key, so replacing the video kills old links too.

Progress: the player reports `position_s` and `duration_s`; the furthest point reached is kept, and a
chapter is complete (once, for good) when it reaches 90 % of the duration.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.integrations.object_store import get_s3_video_store
from tutorhub.integrations.storage import get_local_video_store
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.courses import ChapterProgress, Course, CourseChapter, CourseReview, VideoStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.courses import signing
from tutorhub.services.courses.access import active_enrolment, course_chapter, may_watch, visible_course
from tutorhub.services.errors import Conflict, Forbidden, NotFound
from tutorhub.services.validation import clean_id, clean_text, fail

COMPLETE_AT = 0.9
MAX_SECONDS = 24 * 3600.0


def _video_subject(chapter: CourseChapter) -> str:
    return f"{chapter.id}:{chapter.video_key}"


def video_url(session: Session, *, viewer: UserOut | None, course_id: Any, chapter_id: Any,
              now: datetime | None = None) -> str:
    """A short-lived URL of the chapter's video for a viewer who may watch it."""
    now = now or utcnow()
    course = visible_course(session, viewer, course_id)
    chapter = course_chapter(session, course, chapter_id)
    if not may_watch(session, viewer, course, chapter):
        raise Forbidden("Enrol in this course to watch this chapter.")
    if chapter.video_status != VideoStatus.READY:
        raise NotFound("This chapter has no video yet.")
    s3 = get_s3_video_store()
    if s3 is not None and not _is_local(chapter):  # a video uploaded to the bucket
        return s3.get_url(chapter.video_key, content_type=chapter.video_type,
                          expires_s=int(signing.VIDEO_URL_TTL.total_seconds()))
    expires, sig = signing.sign("video", _video_subject(chapter), now=now, ttl=signing.VIDEO_URL_TTL)
    return f"/api/v1/course-videos/{chapter.id}?expires={expires}&sig={sig}"


def _is_local(chapter: CourseChapter) -> bool:
    return get_local_video_store().path(chapter.video_key).is_file()


def video_file(session: Session, *, chapter_id: Any, expires: Any, sig: Any, now: datetime | None = None
               ) -> tuple[Path, str]:
    """(path, content type) for a valid signed video URL; 403 when it is expired or forged."""
    now = now or utcnow()
    try:
        chapter = session.get(CourseChapter, clean_id(chapter_id, "x"))
    except NotFound:
        chapter = None
    if chapter is None or chapter.video_status != VideoStatus.READY:
        raise Forbidden("This link is not valid.")
    if not signing.is_valid("video", _video_subject(chapter), expires=expires, signature=sig, now=now):
        raise Forbidden("This link has expired or is not valid; open the chapter again.")
    path = get_local_video_store().path(chapter.video_key)
    if not path.is_file():
        raise Forbidden("This link is not valid.")
    return path, chapter.video_type


def _seconds(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(field, "must be a number of seconds")
    if not 0 <= value <= MAX_SECONDS:
        raise fail(field, f"must be between 0 and {int(MAX_SECONDS)}")
    return float(value)


def record_progress(session: Session, *, actor: UserOut | None, course_id: Any, chapter_id: Any,
                    position_s: Any, duration_s: Any, now: datetime | None = None) -> dict[str, Any]:
    """Where the enrolled student is in a chapter: `{"position_s", "completed", "course_progress_percent"}`."""
    now = now or utcnow()
    user = require_role(actor, Role.STUDENT)
    course = visible_course(session, user, course_id)
    chapter = course_chapter(session, course, chapter_id)
    position, duration = _seconds(position_s, "position_s"), _seconds(duration_s, "duration_s")
    if duration <= 0:
        raise fail("duration_s", "must be more than 0")
    position = min(position, duration)
    if active_enrolment(session, course, user) is None:
        raise Forbidden("Enrol in this course to keep your progress.")
    assert course.id is not None and chapter.id is not None
    row = session.exec(select(ChapterProgress).where(col(ChapterProgress.student_id) == user.id,
                                                     col(ChapterProgress.chapter_id) == chapter.id)).first()
    if row is None:
        row = ChapterProgress(course_id=course.id, chapter_id=chapter.id, student_id=user.id)
    row.position_s, row.duration_s, row.updated_at = position, duration, now
    row.watched_s = max(row.watched_s, position)
    if row.completed_at is None and row.watched_s >= COMPLETE_AT * duration:
        row.completed_at = now
    session.add(row)
    session.flush()
    return {"position_s": row.position_s, "completed": row.completed_at is not None,
            "course_progress_percent": course_progress(session, course.id, user.id)}


def course_progress(session: Session, course_id: int, student_id: int) -> int:
    total = len(session.exec(select(CourseChapter.id).where(col(CourseChapter.course_id) == course_id)).all())
    done = len(session.exec(select(ChapterProgress.id).where(
        col(ChapterProgress.course_id) == course_id, col(ChapterProgress.student_id) == student_id,
        col(ChapterProgress.completed_at).is_not(None))).all())
    return round(100 * done / total) if total else 0


def watched_fraction(session: Session, course_id: int, student_id: int) -> float:
    """How much of the course's video time the student has watched (0..1), for the refund rule."""
    chapters = session.exec(select(CourseChapter.id).where(col(CourseChapter.course_id) == course_id,
                                                           col(CourseChapter.video_status) == VideoStatus.READY)).all()
    rows = {p.chapter_id: p for p in session.exec(select(ChapterProgress).where(
        col(ChapterProgress.course_id) == course_id, col(ChapterProgress.student_id) == student_id)).all()}
    if not chapters:
        return 0.0
    parts = [min(1.0, rows[c].watched_s / rows[c].duration_s) if c in rows and rows[c].duration_s else 0.0
             for c in chapters]
    return sum(parts) / len(parts)


def review_course(session: Session, *, actor: UserOut | None, course_id: Any, rating: Any, body: Any = "",
                  now: datetime | None = None) -> dict[str, Any]:
    """An enrolled student rates the course once (1–5, optional text); 409 a second time."""
    user = require_role(actor, Role.STUDENT)
    course = visible_course(session, user, course_id)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise fail("rating", "must be a whole number from 1 to 5")
    text = clean_text(body, "body", max_len=2000, multiline=True)
    if active_enrolment(session, course, user) is None:
        raise Forbidden("Only enrolled students can review this course.")
    assert course.id is not None
    if session.exec(select(CourseReview.id).where(col(CourseReview.course_id) == course.id,
                                                  col(CourseReview.student_id) == user.id)).first() is not None:
        raise Conflict("You have already reviewed this course.")
    session.add(CourseReview(course_id=course.id, student_id=user.id, rating=rating, body=text,
                             created_at=now or utcnow()))
    session.execute(update(Course).where(col(Course.id) == course.id).values(
        rating_sum=Course.rating_sum + rating, rating_count=Course.rating_count + 1)  # type: ignore[operator]
        .execution_options(synchronize_session=False))
    session.flush()
    return {"rating": rating}
