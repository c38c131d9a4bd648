"""The "From video courses" part of /earnings: a tutor's course sales per currency — still in the 7-day
refund window, and already earned (after commission). Read-only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tutorhub.services.courses import stats
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError
from tutorhub.state.base import AppState


class CourseMoneyRow(BaseModel):
    currency: str
    in_window: str
    earned: str
    sales: int


class CourseEarningsState(AppState):
    rows: list[CourseMoneyRow] = []

    async def load(self) -> Any:
        try:
            found = await self._db(lambda s, actor: stats.tutor_course_earnings(s, actor=actor), read_only=True)
        except DomainError:
            self.rows = []
            return None
        self.rows = [CourseMoneyRow(currency=r.currency, in_window=format_money(r.in_refund_window_minor, r.currency),
                                    earned=format_money(r.earned_minor, r.currency), sales=r.sales) for r in found]
        return None
