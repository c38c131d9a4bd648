"""/classes: published classes to join (filters, paged), the viewer's own classes, and — for tutors —
the form that creates a class from a recurrence rule. Rows are formatted here in the viewer's zone;
the browser holds one page of public class data and nothing private."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import BaseModel

from tutorhub.services.classes import classes, queries
from tutorhub.services.classes.views import ClassPage, ClassSummary
from tutorhub.services.currency import CURRENCIES, MoneyInputError, Rates, load_rates, parse_major_units
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.state.base import AppState, form_failure, form_text
from tutorhub.state.money.views import charged


class ClassRow(BaseModel):
    id: int
    href: str
    title: str
    subject: str
    grade: str
    tutor: str
    when: str  # first session in the viewer's zone
    sessions: str
    price: str
    seats: str
    status: str


def local_when(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M")


def class_row(c: ClassSummary, zone: str, display: str = "", rates: Rates | None = None) -> ClassRow:
    """One class card; the price is what a seat is charged, ≈ the viewer's currency beside it."""
    return ClassRow(
        id=c.id, href=f"/classes/{c.id}", title=c.title, subject=c.subject.title(), grade=c.grade or "any grade",
        tutor=c.tutor_name, when=local_when(c.first_start, zone), sessions=f"{c.session_count} × {c.duration_min} min",
        price=charged(c.price_minor, c.currency, display, rates), seats=f"{c.seats_left} of {c.capacity} seats left",
        status=c.status,
    )


class FindClassesState(AppState):
    status: str = "loading"  # loading | ready
    rows: list[ClassRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    subject: str = ""
    grade: str = ""
    mode: str = ""
    max_price: str = ""  # in major units of the viewer's display currency, as typed
    seats_only: bool = False
    filter_error: str = ""
    mine: list[ClassRow] = []
    create_errors: dict[str, str] = {}
    create_message: str = ""

    async def _read(self) -> None:
        def unit(s: Any, actor: Any) -> tuple[ClassPage, ClassPage | None, str, str, Rates]:
            display = self._currency_for(actor)
            found = queries.search_classes(s, subject=self.subject or None, grade=self.grade or None,
                                           mode=self.mode or None, max_price_minor=self._max_price_minor(display),
                                           seats_only=self.seats_only, page=self.page, display_currency=display)
            own = queries.my_classes(s, actor=actor) if actor is not None and actor.role in ("tutor", "student") \
                else None
            return found, own, self._zone_for(actor), display, load_rates(s)

        try:
            found, own, zone, display, rates = await self._db(unit, read_only=True)
        except DomainError as exc:
            self.rows, self.total, self.status = [], 0, "ready"
            self.create_message = exc.message
            return
        self.rows = [class_row(c, zone, display, rates) for c in found.items]
        self.total, self.pages = found.total, found.pages
        self.mine = [class_row(c, zone, display, rates) for c in own.items] if own else []
        self.status = "ready"

    async def load(self):
        self.status, self.page, self.create_errors, self.create_message = "loading", 1, {}, ""
        await self._read()

    def _max_price_minor(self, display: str = "USD") -> int | None:
        try:
            return parse_major_units(self.max_price, display)  # compared with converted prices
        except MoneyInputError:
            return None

    async def search(self, form: dict[str, Any]):
        self.subject, self.grade, self.page = form_text(form, "subject", 60), form_text(form, "grade", 32), 1
        mode = form_text(form, "mode", 8)
        self.mode = mode if mode in classes.MODES else ""
        self.max_price, self.seats_only = form_text(form, "max_price", 16), form_text(form, "seats_only", 4) == "on"
        self.filter_error = ""
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
        """Create a DRAFT class from the form; the class page then publishes it."""
        currency = form_text(form, "currency", 3).upper() or "EUR"
        data: dict[str, Any] = {key: form_text(form, key, 500) for key in (
            "title", "subject", "grade", "mode", "timezone", "rrule", "first_start_local")}
        data["description"] = form_text(form, "description", 4000)
        data["currency"] = currency
        errors: dict[str, str] = {}
        for key in ("capacity", "min_size", "duration_min"):
            text = form_text(form, key, 6).strip()
            data[key] = int(text) if text.isascii() and text.isdigit() else text
        try:
            data["price_minor"] = parse_major_units(form_text(form, "price", 20),
                                                    currency if currency in CURRENCIES else "USD", required=True)
        except MoneyInputError as exc:
            errors["price"] = f"The seat price {exc}"
        if errors:
            self.create_errors, self.create_message = errors, "Please fix the fields marked below."
            return None
        try:
            created = await self._db(lambda s, actor: classes.create_class(s, actor=actor, data=data))
        except NotAuthenticated:
            return self._login_redirect()
        except DomainError as exc:
            self.create_errors, self.create_message = form_failure(exc)
            if "price_minor" in self.create_errors:
                self.create_errors["price"] = self.create_errors.pop("price_minor")
            return None
        self.create_errors, self.create_message = {}, ""
        return rx.redirect(f"/classes/{created.id}")
