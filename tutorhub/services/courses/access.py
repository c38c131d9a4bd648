"""Loading a course for a caller, and who may watch it.

A draft is seen only by its tutor (and admins); anyone else gets 404, so ids reveal nothing. Watching a
chapter needs an ACTIVE enrolment, being the course's tutor, or an admin; a preview chapter of a
published course is open to anyone signed in (it is the course's free sample).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.courses import Course, CourseChapter, CourseEnrolment, CourseEnrolmentStatus, CourseStatus
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import Forbidden, NotFound
from tutorhub.services.validation import clean_id

NO_COURSE = "No such course."
NO_CHAPTER = "No such chapter."


def approved_tutor(session: Session, actor: UserOut | None) -> TutorProfile:
    """The acting tutor's profile; 403 unless approved and not suspended."""
    user = require_role(actor, Role.TUTOR)
    profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == user.id)).first()
    account = session.get(User, user.id)
    if profile is None or profile.status != TutorStatus.APPROVED or account is None or account.is_suspended:
        raise Forbidden("Only approved tutors can sell courses.")
    return profile


def tutor_profile_id(session: Session, user: UserOut | None) -> int | None:
    if user is None or user.role != Role.TUTOR:
        return None
    return session.exec(select(TutorProfile.id).where(col(TutorProfile.user_id) == user.id)).first()


def owned_course(session: Session, actor: UserOut | None, course_id: Any) -> Course:
    """The course, if the actor is its tutor: another tutor gets 404, a student or admin 403."""
    user = require_role(actor, Role.TUTOR, Role.STUDENT, Role.ADMIN, Role.GUARDIAN)
    cid = clean_id(course_id, NO_COURSE)
    if user.role != Role.TUTOR:
        raise Forbidden("Only the course's tutor can do this.")
    course = session.get(Course, cid)
    if course is None or course.tutor_id != tutor_profile_id(session, user):
        raise NotFound(NO_COURSE)
    return course


def visible_course(session: Session, viewer: UserOut | None, course_id: Any) -> Course:
    """A course the viewer may see: published ones to all; drafts and unpublished ones to their tutor,
    admins and (unpublished) enrolled students."""
    course = session.get(Course, clean_id(course_id, NO_COURSE))
    if course is None:
        raise NotFound(NO_COURSE)
    if course.status == CourseStatus.PUBLISHED or is_staff(session, viewer, course):
        return course
    if course.status == CourseStatus.UNPUBLISHED and active_enrolment(session, course, viewer) is not None:
        return course
    raise NotFound(NO_COURSE)


def is_staff(session: Session, viewer: UserOut | None, course: Course) -> bool:
    """The course's own tutor or an admin."""
    if viewer is None:
        return False
    return viewer.role == Role.ADMIN or course.tutor_id == tutor_profile_id(session, viewer)


def active_enrolment(session: Session, course: Course, viewer: UserOut | None) -> CourseEnrolment | None:
    if viewer is None or viewer.role != Role.STUDENT:
        return None
    return session.exec(select(CourseEnrolment).where(
        col(CourseEnrolment.course_id) == course.id, col(CourseEnrolment.student_id) == viewer.id,
        col(CourseEnrolment.status) == CourseEnrolmentStatus.ACTIVE)).first()


def course_chapter(session: Session, course: Course, chapter_id: Any) -> CourseChapter:
    chapter = session.get(CourseChapter, clean_id(chapter_id, NO_CHAPTER))
    if chapter is None or chapter.course_id != course.id:
        raise NotFound(NO_CHAPTER)
    return chapter


def may_watch(session: Session, viewer: UserOut | None, course: Course, chapter: CourseChapter) -> bool:
    if is_staff(session, viewer, course):
        return True
    if chapter.preview and viewer is not None and course.status == CourseStatus.PUBLISHED:
        return True
    return active_enrolment(session, course, viewer) is not None


def chapters_of(session: Session, course_id: int) -> list[CourseChapter]:
    return list(session.exec(select(CourseChapter).where(col(CourseChapter.course_id) == course_id)
                             .order_by(col(CourseChapter.position), col(CourseChapter.id))).all())
