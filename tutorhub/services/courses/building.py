"""Tutors build courses: create (DRAFT), add and edit chapters, reorder them, publish; admins unpublish.

Reordering (a swap with the neighbour, or a whole new order from a drag and drop) only renumbers
`position` and never changes a chapter's id, so enrolled students' progress (kept per chapter id) is
untouched by any edit after publishing. Publishing needs at least one chapter with a ready video. An admin's unpublish hides the course from search and new enrolments;
enrolled students keep watching (they paid for it). It is written to the admin audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.courses import Course, CourseChapter, CourseStatus, VideoStatus
from tutorhub.services.accounts.audit import record_admin_action
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import normalize_grade, normalize_subject
from tutorhub.services.courses.access import NO_COURSE, approved_tutor, chapters_of, course_chapter, owned_course
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.validation import check_fields, clean_id, clean_int, clean_text, fail, validate_currency

MAX_CHAPTERS = 200
NOTES_MAX = 20000


def _clean_course(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    return check_fields([
        ("title", lambda: clean_text(data.get("title"), "title", max_len=120, required=True)),
        ("subject", lambda: normalize_subject(data.get("subject"))),
        ("grade", lambda: normalize_grade(data.get("grade")) if data.get("grade") not in (None, "") else ""),
        ("description", lambda: clean_text(data.get("description"), "description", max_len=4000, multiline=True)),
        ("price_minor", lambda: clean_int(data.get("price_minor"), "price_minor", minimum=0, maximum=10**8)),
        ("currency", lambda: validate_currency(data.get("currency"))),
    ])


def create_course(session: Session, *, actor: UserOut | None, data: Any, now: datetime | None = None
                  ) -> dict[str, Any]:
    """A DRAFT course of the acting approved tutor: `{"id", "status": "DRAFT"}`."""
    now = now or utcnow()
    profile = approved_tutor(session, actor)
    values = _clean_course(data)
    assert profile.id is not None
    course = Course(tutor_id=profile.id, **values, created_at=now, updated_at=now)
    session.add(course)
    session.flush()
    return {"id": course.id, "status": course.status}


def update_course(session: Session, *, actor: UserOut | None, course_id: Any, data: Any,
                  now: datetime | None = None) -> dict[str, Any]:
    """Edit the course's fields (any time: enrolled students keep what they bought and their progress)."""
    course = owned_course(session, actor, course_id)
    for name, value in _clean_course(data).items():
        setattr(course, name, value)
    course.updated_at = now or utcnow()
    session.add(course)
    return {"id": course.id, "status": course.status}


def _clean_chapter(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    preview = data.get("preview", False)
    if not isinstance(preview, bool):
        raise fail("preview", "must be true or false")
    values = check_fields([
        ("title", lambda: clean_text(data.get("title"), "title", max_len=120, required=True)),
        ("notes_md", lambda: clean_text(data.get("notes_md"), "notes_md", max_len=NOTES_MAX, multiline=True)),
    ])
    return {**values, "preview": preview}


def add_chapter(session: Session, *, actor: UserOut | None, course_id: Any, data: Any,
                now: datetime | None = None) -> dict[str, Any]:
    """A new chapter at the end of the course: `{"id"}`."""
    course = owned_course(session, actor, course_id)
    values = _clean_chapter(data)
    count, last = session.exec(select(func.count(), func.max(CourseChapter.position))
                               .where(col(CourseChapter.course_id) == course.id)).one()
    if int(count) >= MAX_CHAPTERS:
        raise Conflict(f"A course has at most {MAX_CHAPTERS} chapters.")
    assert course.id is not None
    chapter = CourseChapter(course_id=course.id, position=int(last or 0) + 1, **values, created_at=now or utcnow())
    session.add(chapter)
    session.flush()
    return {"id": chapter.id}


def update_chapter(session: Session, *, actor: UserOut | None, course_id: Any, chapter_id: Any, data: Any
                   ) -> dict[str, Any]:
    course = owned_course(session, actor, course_id)
    chapter = course_chapter(session, course, chapter_id)
    for name, value in _clean_chapter(data).items():
        setattr(chapter, name, value)
    session.add(chapter)
    return {"id": chapter.id}


def move_chapter(session: Session, *, actor: UserOut | None, course_id: Any, chapter_id: Any, direction: Any
                 ) -> list[int]:
    """Swap a chapter with its neighbour ("up" or "down"); returns the chapter ids in their new order."""
    if direction not in ("up", "down"):
        raise fail("direction", "must be up or down")
    course = owned_course(session, actor, course_id)
    chapter = course_chapter(session, course, chapter_id)
    assert course.id is not None
    ordered = chapters_of(session, course.id)
    index = next(i for i, c in enumerate(ordered) if c.id == chapter.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered, start=1):  # renumber: heals any gap or tie
        if row.position != position:
            row.position = position
            session.add(row)
    session.flush()
    return [int(c.id or 0) for c in ordered]


def set_order(session: Session, *, actor: UserOut | None, course_id: Any, order: Any) -> list[int]:
    """Put the chapters in the given order (every chapter id of the course once: a desktop drag and drop)."""
    course = owned_course(session, actor, course_id)
    assert course.id is not None
    chapters = {int(c.id or 0): c for c in chapters_of(session, course.id)}
    if (not isinstance(order, list) or len(order) != len(chapters) or any(
            isinstance(i, bool) or not isinstance(i, int) for i in order) or set(order) != set(chapters)):
        raise fail("order", "must list every chapter id of the course once")
    for position, chapter_id in enumerate(order, start=1):
        row = chapters[chapter_id]
        if row.position != position:
            row.position = position
            session.add(row)
    session.flush()
    return list(order)


def publish_course(session: Session, *, actor: UserOut | None, course_id: Any, now: datetime | None = None
                   ) -> dict[str, str]:
    """DRAFT → PUBLISHED once a chapter has a ready video (409 otherwise)."""
    now = now or utcnow()
    course = owned_course(session, actor, course_id)
    if course.status == CourseStatus.PUBLISHED:
        return {"status": course.status}
    if course.status != CourseStatus.DRAFT:
        raise Conflict("An admin took this course down; ask support to publish it again.")
    assert course.id is not None
    if not any(c.video_status == VideoStatus.READY for c in chapters_of(session, course.id)):
        raise Conflict("Upload at least one chapter video before publishing.")
    course.status, course.published_at, course.updated_at = CourseStatus.PUBLISHED, now, now
    session.add(course)
    return {"status": course.status}


def unpublish_course(session: Session, *, actor: UserOut | None, course_id: Any, reason: Any,
                     now: datetime | None = None) -> dict[str, str]:
    """Admin: PUBLISHED → UNPUBLISHED (audited); enrolled students keep access."""
    admin = require_role(actor, Role.ADMIN)
    why = clean_text(reason, "reason", max_len=500, required=True)
    course = session.get(Course, clean_id(course_id, NO_COURSE))
    if course is None:
        raise NotFound(NO_COURSE)
    if course.status != CourseStatus.PUBLISHED:
        raise Conflict("Only a published course can be unpublished.")
    course.status, course.updated_at = CourseStatus.UNPUBLISHED, now or utcnow()
    session.add(course)
    record_admin_action(session, actor_id=admin.id, action="course_unpublish", target_kind="course",
                        target_id=str(course.id), before={"status": CourseStatus.PUBLISHED},
                        after={"status": course.status}, reason=why)
    return {"status": course.status}
