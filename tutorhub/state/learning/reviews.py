"""Reviews on the public tutor profile: the latest ones with the tutor's replies, paged by a
"More reviews" button (a few at a time; nothing here changes data)."""

from __future__ import annotations

import reflex as rx

from tutorhub.services.errors import DomainError
from tutorhub.services.learning import reviews
from tutorhub.state.base import AppState
from tutorhub.state.lesson_views import ReviewRow, review_row

PER_PAGE = 5
MAX_SHOWN = 50


class TutorReviewsState(AppState):
    reviews_status: str = "loading"  # loading | ready | hidden
    review_rows: list[ReviewRow] = []
    reviews_total: int = 0
    reviews_page: int = 1
    reviews_pages: int = 1

    def _route_tutor_id(self) -> str:
        return self._route_tail()

    async def _fetch(self, page: int) -> bool:
        tid = self._route_tutor_id()
        try:
            found = await self._db(
                lambda s, actor: (
                    reviews.list_tutor_reviews(s, tutor_id=tid, page=page, per_page=PER_PAGE),
                    self._zone_for(actor),
                ),
                read_only=True,
            )
        except DomainError:
            self.reviews_status = "hidden"
            return False
        result, zone = found
        rows = [review_row(r, zone) for r in result.items]
        self.review_rows = (self.review_rows + rows if page > 1 else rows)[:MAX_SHOWN]
        self.reviews_total, self.reviews_page, self.reviews_pages = result.total, result.page, result.pages
        self.reviews_status = "ready"
        return True

    async def load(self):
        self.reviews_status, self.review_rows = "loading", []
        await self._fetch(1)

    async def more_reviews(self):
        if self.reviews_status != "ready" or self.reviews_page >= self.reviews_pages:
            return
        if len(self.review_rows) >= MAX_SHOWN:
            return rx.toast.info("That is as far back as the profile goes.")
        await self._fetch(self.reviews_page + 1)
        return None
