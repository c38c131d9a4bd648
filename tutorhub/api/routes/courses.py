"""Courses: create (DRAFT), chapters, reorder, publish / unpublish, search, a course's page, enrol, refund,
progress and reviews. Uploads and video delivery are in course_media.py.

Each route parses the body, calls one service inside a unit of work and returns its plain data. A draft
is not found by anyone but its tutor; an id that is not a number is simply not found.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from tutorhub.api.deps import CurrentUser, OptionalUser
from tutorhub.api.routes.course_media import SameSiteUser
from tutorhub.api.schemas import (
    ErrorOut,
    StrictIn,
    currency,
    error_responses,
    one_of,
    ranged,
    required,
    rule,
    text_rule,
)
from tutorhub.db import session_scope
from tutorhub.services.catalog import GRADE_LEVELS
from tutorhub.services.courses import building, enrolment, queries, stats, watching
from tutorhub.services.courses.stats import CourseStats
from tutorhub.services.courses.views import CourseCard, CourseDetail, CoursePage

router = APIRouter(prefix="/api/v1", tags=["courses"])


_SUBJECT_CHAR = "[A-Za-z0-9+#&/.-]"
SUBJECT_RULE = {"maxLength": 60, "pattern": f"^[A-Za-z0-9+#&/ .-]*{_SUBJECT_CHAR}[A-Za-z0-9+#&/ .-]*{_SUBJECT_CHAR}"
                                             "[A-Za-z0-9+#&/ .-]*$"}


class CourseIn(StrictIn):
    title: str = required(**text_rule(120, required=True))
    subject: str = required(**SUBJECT_RULE)
    grade: str | None = rule(**one_of(GRADE_LEVELS, optional=True, blank=True))
    description: str | None = rule(**text_rule(4000, multiline=True))
    price_minor: int = Field(json_schema_extra={"minimum": 0, "maximum": 10**8})  # 0 = free
    currency: str = required(**currency())


class CourseCreatedOut(BaseModel):
    id: int
    status: str


class CourseChapterIn(StrictIn):
    title: str = required(**text_rule(120, required=True))
    notes_md: str | None = rule(**text_rule(20000, multiline=True))  # Markdown; shown sanitized (no raw HTML)
    preview: bool = False


class CourseChapterIdOut(BaseModel):
    id: int


class ChapterMoveIn(StrictIn):
    direction: str = Field(json_schema_extra={"enum": ["up", "down"]})


class ChapterOrderOut(BaseModel):
    order: list[int]  # chapter ids in their new order


class CourseStatusOut(BaseModel):
    status: str


class CourseUnpublishIn(StrictIn):
    reason: str = required(**text_rule(500, required=True))


class CourseEnrolIn(StrictIn):
    method: str = Field(default="wallet", json_schema_extra={"enum": ["wallet", "credits", "gateway"]})
    student_id: int | None = None  # a guardian buying for a linked child


class CourseRefundIn(StrictIn):
    student_id: int | None = None  # a guardian asking for a linked child


class CourseEnrolOut(BaseModel):
    status: str  # ACTIVE | PENDING (pay at checkout_url)
    enrolment_id: int
    checkout_url: str | None = None


class CourseRefundOut(BaseModel):
    status: str
    refunded_minor: int
    currency: str
    refunded_minutes: int | None = None  # only for an enrolment paid with credits: minutes back in the lots


class ChapterProgressIn(StrictIn):
    position_s: float | int
    duration_s: float | int


class ChapterProgressOut(BaseModel):
    position_s: float
    completed: bool
    course_progress_percent: int


class CourseReviewIn(StrictIn):
    rating: int = required(minimum=1, maximum=5)
    body: str | None = rule(**text_rule(2000, multiline=True))


class CourseReviewOut(BaseModel):
    rating: int


_OWNER = error_responses(401, 403, 404, 409, 422, e403="Not a tutor", e404="No such course (or not yours)")
_STUDENT = error_responses(401, 403, 404, 409, 422, e403="Not a student, or not enrolled")


@router.post("/courses", response_model=CourseCreatedOut, status_code=201,
             responses=error_responses(401, 403, 422, e403="Not an approved tutor"))
def create_course(user: CurrentUser, data: CourseIn) -> CourseCreatedOut:
    """A DRAFT course of the acting approved tutor."""
    with session_scope() as session:
        return CourseCreatedOut(**building.create_course(session, actor=user, data=data.model_dump()))


def _blank_is_absent(value: Any) -> Any:
    return None if value == "" else value


def _within(minimum: int, maximum: int) -> AfterValidator:
    """A whole-number query value, when given, in its documented range (422 otherwise)."""
    def check(value: int | None) -> int | None:
        if value is not None and not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}")
        return value
    return AfterValidator(check)


@router.get("/courses", response_model=CoursePage, responses=error_responses(422))
def search_courses(
    user: OptionalUser,
    subject: Annotated[str | None, Query(max_length=60)] = None,
    grade: Annotated[str | None, Query(max_length=32)] = None,
    max_price_minor: Annotated[int | None, BeforeValidator(_blank_is_absent), _within(0, 10**9),
                               ranged(0, 10**9)] = None,
    min_rating: Annotated[int | None, BeforeValidator(_blank_is_absent), _within(1, 5), ranged(1, 5)] = None,
    page: Annotated[int | None, BeforeValidator(_blank_is_absent), _within(1, 99_999), ranged(1, 99_999)] = None,
) -> CoursePage:
    """Published courses, best rated first, 20 a page: `{"items", "total", "page", "pages"}`. An empty
    value (`?subject=&page=`, as a plain HTML form sends) means the filter is not set; a value out of its
    range is 422."""
    with session_scope(read_only=True) as session:
        return queries.search_courses(session, subject=subject, grade=grade, max_price_minor=max_price_minor,
                                      min_rating=min_rating, page=page)


@router.get("/courses/mine", response_model=list[CourseCard], responses=error_responses(401, 403))
def my_courses(user: CurrentUser) -> list[CourseCard]:
    """A tutor's own courses (every status), or a student's enrolled courses."""
    with session_scope(read_only=True) as session:
        return queries.my_courses(session, actor=user)


@router.get("/courses/{course_id}", response_model=CourseDetail, responses=error_responses(404))
def get_course(user: OptionalUser, course_id: str) -> CourseDetail:
    """Public fields and the chapter list; notes and `playable` only where the viewer may watch."""
    with session_scope(read_only=True) as session:
        return queries.get_course(session, viewer=user, course_id=course_id)


@router.patch("/courses/{course_id}", response_model=CourseCreatedOut, responses=_OWNER)
def update_course(user: CurrentUser, course_id: str, data: CourseIn) -> CourseCreatedOut:
    """Edit the course's fields (its tutor, any status): enrolled students keep their price and progress."""
    with session_scope() as session:
        return CourseCreatedOut(**building.update_course(session, actor=user, course_id=course_id,
                                                         data=data.model_dump()))


@router.post("/courses/{course_id}/chapters", response_model=CourseChapterIdOut, status_code=201, responses=_OWNER)
def add_chapter(user: CurrentUser, course_id: str, data: CourseChapterIn) -> CourseChapterIdOut:
    """A chapter at the end of the course."""
    with session_scope() as session:
        return CourseChapterIdOut(**building.add_chapter(session, actor=user, course_id=course_id, data=data.model_dump()))


class ChapterOrderIn(StrictIn):
    order: list[int]  # every chapter id of the course, in the new order


@router.put("/courses/{course_id}/chapter-order", response_model=ChapterOrderOut, responses=_OWNER)
def set_chapter_order(user: SameSiteUser, course_id: str, data: ChapterOrderIn) -> ChapterOrderOut:
    """Reorder all chapters at once (the builder's drag and drop); students' progress follows the chapters."""
    with session_scope() as session:
        return ChapterOrderOut(order=building.set_order(session, actor=user, course_id=course_id, order=data.order))


@router.patch("/courses/{course_id}/chapters/{chapter_id}", response_model=CourseChapterIdOut, responses=_OWNER)
def update_chapter(user: CurrentUser, course_id: str, chapter_id: str, data: CourseChapterIn) -> CourseChapterIdOut:
    """Edit a chapter's title, notes and preview flag (its id, video and students' progress stay)."""
    with session_scope() as session:
        return CourseChapterIdOut(**building.update_chapter(session, actor=user, course_id=course_id,
                                                            chapter_id=chapter_id, data=data.model_dump()))


@router.post("/courses/{course_id}/chapters/{chapter_id}/move", response_model=ChapterOrderOut, responses=_OWNER)
def move_chapter(user: CurrentUser, course_id: str, chapter_id: str, data: ChapterMoveIn) -> ChapterOrderOut:
    """Swap a chapter with its neighbour; enrolled students' progress is kept (it follows the chapter)."""
    with session_scope() as session:
        return ChapterOrderOut(order=building.move_chapter(session, actor=user, course_id=course_id, chapter_id=chapter_id,
                                                    direction=data.direction))


@router.post("/courses/{course_id}/publish", response_model=CourseStatusOut, responses=_OWNER)
def publish_course(user: CurrentUser, course_id: str) -> CourseStatusOut:
    """DRAFT → PUBLISHED (needs a chapter with a ready video)."""
    with session_scope() as session:
        return CourseStatusOut(**building.publish_course(session, actor=user, course_id=course_id))


@router.post("/courses/{course_id}/unpublish", response_model=CourseStatusOut,
             responses=error_responses(401, 403, 404, 409, 422, e403="Not an admin"))
def unpublish_course(user: CurrentUser, course_id: str, data: CourseUnpublishIn) -> CourseStatusOut:
    """Admin: take a published course down (audited); enrolled students keep access."""
    with session_scope() as session:
        return CourseStatusOut(**building.unpublish_course(session, actor=user, course_id=course_id, reason=data.reason))


@router.post("/courses/{course_id}/enrol", response_model=CourseEnrolOut, status_code=201,
             responses={**error_responses(401, 403, 404, 409, 422, e403="Not a student",
                                          e409="Already enrolled, or the course is not open"),
                        402: {"model": ErrorOut, "description": "The wallet (or the credits) do not cover the price"}})
def enrol(user: CurrentUser, course_id: str, data: CourseEnrolIn | None = None) -> CourseEnrolOut:
    """Enrol: free courses at once, wallet or credits now (ACTIVE), or gateway (PENDING with `checkout_url`).
    Credits pay the course's price in minutes (`credit_minutes` on the course). A guardian enrols a linked
    child with `student_id` and pays from their own wallet or card, or with the child's credits."""
    with session_scope() as session:
        body = data or CourseEnrolIn()
        return CourseEnrolOut(**enrolment.enrol(session, actor=user, course_id=course_id, method=body.method,
                                                student_id=body.student_id))


@router.post("/courses/{course_id}/refund", response_model=CourseRefundOut, responses=_STUDENT)
def refund(user: CurrentUser, course_id: str, data: CourseRefundIn | None = None) -> CourseRefundOut:
    """Within 7 days of enrolling and under 20 % watched: the price back to the payer's wallet (credits:
    the minutes back into the student's lots, `refunded_minutes`)."""
    with session_scope() as session:
        return CourseRefundOut(**enrolment.request_refund(session, actor=user, course_id=course_id,
                                                          student_id=(data or CourseRefundIn()).student_id))


@router.post("/courses/{course_id}/chapters/{chapter_id}/progress", response_model=ChapterProgressOut, responses=_STUDENT)
def record_progress(user: SameSiteUser, course_id: str, chapter_id: str, data: ChapterProgressIn) -> ChapterProgressOut:
    """Where the player is; the chapter is complete at 90 %."""
    with session_scope() as session:
        return ChapterProgressOut(**watching.record_progress(session, actor=user, course_id=course_id, chapter_id=chapter_id,
                                                      position_s=data.position_s, duration_s=data.duration_s))


@router.get("/courses/{course_id}/stats", response_model=CourseStats, responses=_OWNER)
def course_stats(user: CurrentUser, course_id: str) -> CourseStats:
    """The course's tutor: enrolments, sales, refunds and per-chapter completion."""
    with session_scope(read_only=True) as session:
        return stats.course_stats(session, actor=user, course_id=course_id)


@router.post("/courses/{course_id}/reviews", response_model=CourseReviewOut, status_code=201, responses=_STUDENT)
def review_course(user: CurrentUser, course_id: str, data: CourseReviewIn) -> CourseReviewOut:
    """An enrolled student's rating (1–5) and review, once."""
    with session_scope() as session:
        return CourseReviewOut(**watching.review_course(session, actor=user, course_id=course_id, rating=data.rating,
                                                  body=data.body or ""))


