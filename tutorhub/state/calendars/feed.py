"""The signed-in user's private calendar feed link (on the account page).

The link is a credential (anyone holding it reads the user's lessons), so it reaches the browser
only when its owner asks to see it, and only their own (the service resolves the user from the
session cookie); "New link" revokes the old one at once.
"""

from __future__ import annotations

import reflex as rx

from tutorhub.services.calendars import feeds
from tutorhub.services.errors import DomainError, NotAuthenticated
from tutorhub.state.base import AppState


class CalendarFeedState(AppState):
    feed_url: str = ""  # the owner's own link, only once they asked to see it
    feed_status: str = "hidden"  # hidden | loading | shown

    async def _fetch(self, regenerate: bool):
        self.feed_status = "loading"
        yield
        use_case = feeds.regenerate_feed_url if regenerate else feeds.get_feed_url
        try:
            out = await self._db(lambda s, actor: use_case(s, actor=actor))
        except NotAuthenticated:
            self.feed_url, self.feed_status = "", "hidden"
            yield self._login_redirect()
            return
        except DomainError as exc:
            self.feed_url, self.feed_status = "", "hidden"
            yield rx.toast.error(exc.message)
            return
        self.feed_url, self.feed_status = out.feed_url, "shown"
        if regenerate:
            yield rx.toast.success("New calendar link created. The old link no longer works.")

    async def show_feed(self):
        async for event in self._fetch(regenerate=False):
            yield event

    async def regenerate_feed(self):
        async for event in self._fetch(regenerate=True):
            yield event

    def hide_feed(self):
        self.feed_url, self.feed_status = "", "hidden"
