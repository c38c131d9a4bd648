"""Plain data the course use cases return (never ORM rows)."""

from __future__ import annotations

from pydantic import BaseModel


class CourseCard(BaseModel):
    id: int
    title: str
    subject: str
    grade: str
    price_minor: int
    currency: str
    tutor_name: str
    rating: float | None
    rating_count: int
    chapters: int
    has_cover: bool
    status: str


class CoursePage(BaseModel):
    items: list[CourseCard]
    total: int
    page: int
    pages: int


class ChapterOut(BaseModel):
    id: int
    position: int
    title: str
    preview: bool
    has_video: bool
    notes_html: str | None  # only for viewers who may watch the chapter
    notes_md: str | None = None  # the Markdown source, for the course's own tutor (the builder) only
    playable: bool  # the viewer may ask for its video URL
    completed: bool = False
    position_s: float = 0


class CourseReviewItem(BaseModel):
    rating: int
    body: str
    author: str  # first name only


class CourseDetail(BaseModel):
    id: int
    title: str
    subject: str
    grade: str
    description: str
    price_minor: int
    currency: str
    status: str
    tutor_name: str
    rating: float | None
    rating_count: int
    has_cover: bool
    chapters: list[ChapterOut]
    enrolment_status: str | None  # the viewer's own (ACTIVE, PENDING) or None
    is_owner: bool
    progress_percent: int  # completed chapters / chapters, for an enrolled viewer
    wallet_minor: int | None = None  # a student viewer's wallet in the course's currency (the pay panel)
    credit_price_minutes: int | None = None  # the price in credit minutes; None: free, or credits cannot pay
    credits_minutes: int | None = None  # a student viewer's usable credit minutes (the pay panel)
    reviews: list[CourseReviewItem] = []
