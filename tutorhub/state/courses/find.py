"""/courses: published courses (subject, grade, price, rating; paged), the viewer's own courses, and the
tutor's "new course" form. The browser holds one page of public course data."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.courses import building, queries
from tutorhub.services.courses.views import CourseCard, CoursePage
from tutorhub.services.currency import CURRENCIES, MoneyInputError, format_money, parse_major_units
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.state.base import AppState, form_failure, form_text


class CourseRow(BaseModel):
    id: int
    href: str
    title: str
    subtitle: str
    price: str
    rating: str
    status: str


def course_row(c: CourseCard, *, builder: bool = False) -> CourseRow:
    stars = f"★ {c.rating:.1f} ({c.rating_count})" if c.rating is not None else "No ratings yet"
    return CourseRow(
        id=c.id, href=f"/teach/courses/{c.id}" if builder else f"/courses/{c.id}", title=c.title,
        subtitle=f"{c.subject.title()} · {c.grade or 'any grade'} · {c.chapters} chapters · with {c.tutor_name}",
        price="Free" if c.price_minor == 0 else format_money(c.price_minor, c.currency), rating=stars, status=c.status,
    )


class FindCoursesState(AppState):
    status: str = "loading"  # loading | ready
    rows: list[CourseRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    subject: str = ""
    grade: str = ""
    max_price: str = ""
    min_rating: str = ""
    filter_error: str = ""
    mine: list[CourseRow] = []
    create_errors: dict[str, str] = {}
    create_message: str = ""

    async def _read(self) -> None:
        def unit(s: Any, actor: Any) -> tuple[CoursePage, list[CourseCard], bool]:
            found = queries.search_courses(s, subject=self.subject or None, grade=self.grade or None,
                                           max_price_minor=self._max_price_minor(),
                                           min_rating=int(self.min_rating) if self.min_rating else None, page=self.page)
            own = queries.my_courses(s, actor=actor) if actor is not None and actor.role in ("tutor", "student") else []
            return found, own, actor is not None and actor.role == "tutor"

        try:
            found, own, tutor = await self._db(unit, read_only=True)
        except DomainError as exc:
            self.rows, self.total, self.status, self.filter_error = [], 0, "ready", exc.message
            return
        self.rows = [course_row(c) for c in found.items]
        self.total, self.pages = found.total, found.pages
        self.mine = [course_row(c, builder=tutor) for c in own]
        self.status = "ready"

    async def load(self):
        self.status, self.page, self.create_errors, self.create_message = "loading", 1, {}, ""
        await self._read()

    def _max_price_minor(self) -> int | None:
        try:
            return parse_major_units(self.max_price, "USD")
        except MoneyInputError:
            return None

    async def search(self, form: dict[str, Any]):
        self.subject, self.grade, self.page = form_text(form, "subject", 60), form_text(form, "grade", 32), 1
        rating = form_text(form, "min_rating", 1)
        self.min_rating = rating if rating in ("1", "2", "3", "4", "5") else ""
        self.max_price, self.filter_error = form_text(form, "max_price", 16), ""
        if self.max_price and self._max_price_minor() is None:
            self.filter_error, self.max_price = "Enter a price like 50 or 49.99", ""
        await self._read()

    async def next_page(self):
        if self.page < self.pages:
            self.page += 1
            await self._read()

    async def prev_page(self):
        if self.page > 1:
            self.page -= 1
            await self._read()

    async def create(self, form: dict[str, Any]):
        """Create a DRAFT course; its builder page then takes chapters and videos."""
        try:
            data = course_form_data(form)
        except MoneyInputError as exc:
            self.create_errors, self.create_message = {"price": f"The price {exc}"}, "Please fix the fields marked below."
            return None
        try:
            created = await self._db(lambda s, actor: building.create_course(s, actor=actor, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.create_errors, self.create_message = course_form_failure(exc)
            return None
        self.create_errors, self.create_message = {}, ""
        return rx.redirect(f"/teach/courses/{created['id']}")


def course_form_data(form: dict[str, Any]) -> dict[str, Any]:
    """A course's fields from the new-course or edit-details form (the price typed in major units);
    MoneyInputError for a price that is not one. The service checks everything else."""
    currency = form_text(form, "currency", 3).upper() or "EUR"
    data: dict[str, Any] = {key: form_text(form, key, 200) for key in ("title", "subject", "grade")}
    data["description"], data["currency"] = form_text(form, "description", 4000), currency
    data["price_minor"] = parse_major_units(form_text(form, "price", 20) or "0",
                                            currency if currency in CURRENCIES else "USD", required=True)
    return data


def course_form_failure(exc: DomainError) -> tuple[dict[str, str], str]:
    """The service's field errors keyed by the form's field names (price, not price_minor)."""
    errors, message = form_failure(exc)
    if "price_minor" in errors:
        errors["price"] = errors.pop("price_minor")
    return errors, message
